#!/bin/sh
# SPDX-License-Identifier: MIT
# A network replaced by one of the same subnet (a changed mtu: "-/+"), when it is the only
# network: the old bridge, parked until the end, still holds the gateway address and its
# resolver the port, and neither may stop the new one. The same replacement failing (its new
# bridge name taken by a link made with ip) rolls back whole: the anti-spoofing table keeps its
# elements (it would go with the last network), records and check as before, and down works;
# killed at a sample of its steps, then gc, down leaves all as it was.
# timeout: 300
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

cat >"$T_TMP/one.yaml" <<'YAML'
version: 1
project: one
networks:
  lan: {subnet: 10.10.0.0/24}
namespaces:
  a: {networks: [lan]}
  b: {networks: [lan]}
YAML
# (more namespaces than the 16 links an early version looked at for the parked bridge's address)
i=0; while [ $i -lt 18 ]; do echo "  m$i: {networks: [lan]}"; i=$((i + 1)); done >>"$T_TMP/one.yaml"
run_ok "$NSNET" apply "$T_TMP/one.yaml" >/dev/null
b=$(ns_addrs b lan | head -n 1)

# 1. Replaced by the same subnet with another mtu.
sed 's|10.10.0.0/24}|10.10.0.0/24, mtu: 1400}|' "$T_TMP/one.yaml" >"$T_TMP/mtu.yaml"
rc=0; "$NSNET" plan "$T_TMP/mtu.yaml" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of plan of the new mtu"
assert_match "$(cat "$T_TMP/plan")" '^-/\+ network lan \(mtu 1500 -> 1400\)$' "plan of the new mtu"
run_ok "$NSNET" apply "$T_TMP/mtu.yaml" >/dev/null
assert_eq "$(ip -n a -o link show eth0 | grep -o 'mtu [0-9]*')" "mtu 1400" "a's eth0 after the replacement"
ping_ok a 10.10.0.1
ping_ok a "$(ns_addrs b lan | head -n 1)"
assert_eq "$(dns_answers a 10.10.0.1 b A)" "A $(ns_addrs b lan | head -n 1)" "the new resolver answers"
run_ok "$NSNET" check >/dev/null
rc=0; "$NSNET" plan "$T_TMP/mtu.yaml" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 0 "plan after the replacement"

# 2. The same kind of replacement, failing at the new bridge: nothing changes.
sed 's|mtu: 1400}|mtu: 1300, bridge: taken}|' "$T_TMP/mtu.yaml" >"$T_TMP/taken.yaml"
# The links the replacement parked are deleted by a process of their own (docs/topology.md): gone
# before the snapshot.
no_parked() { ! ip -o link show | grep -q ': nsnet-p'; }
wait_until 20 no_parked || fail "parked links left 20 s after the replacement: $(ip -o link show | grep -c ': nsnet-p')"
ip link add taken type veth peer name taken1  # (this kernel may lack dummy)
# (leaving out the rules, see below, and the resolver's PID: a rolled-back removal starts it again)
nofw() { sed -e '/^== nft$/,/^== iptables$/d' -e '/"pid": [0-9]*,$/d'; }
before=$(snapshot | nofw)
guard_before=$(nft list table bridge nsnet)
run_fail_status 1 'network lan: a link named taken already exists.*nothing was changed' "$NSNET" apply "$T_TMP/taken.yaml"
assert_eq "$(nft list table bridge nsnet 2>&1)" "$guard_before" "the anti-spoofing table after the failed apply"
# (the rest of the rules: check; a rollback makes nsnet's inet table again, so its place in the
# list of tables moves)
snap_nofw() { [ "$(snapshot | nofw)" = "$before" ]; }
if ! wait_until 5 snap_nofw; then
	printf '%s\n' "$before" >"$T_TMP/snap.before"
	snapshot | nofw >"$T_TMP/snap.after"
	diff -u "$T_TMP/snap.before" "$T_TMP/snap.after" >&2 || true
	fail "records, links or addresses changed by the failed apply"
fi
run_ok "$NSNET" check >/dev/null
ping_ok a "$b"
ip link del taken

# 3. down of the last network killed at a sample of its steps (a build with fault injection), then
# gc: all back, the anti-spoofing table too, which down drops only as its last step.
probe=0
NSNET_FAULT=1 "$NSNET" network create probe --subnet 10.99.0.0/24 >/dev/null 2>&1 || probe=$?
if [ "$probe" = 0 ]; then
	run_ok "$NSNET" network rm probe >/dev/null
	echo "# no fault injection in this build: down not killed"
else
	run_ok "$NSNET" gc >/dev/null
	wait_until 20 no_parked || fail "parked links left 20 s after the failed apply"
	guard_before=$(nft list table bridge nsnet)
	before=$(snapshot | nofw)
	n=1
	while :; do
		rc=0
		NSNET_FAULT=$n "$NSNET" down --project one >/dev/null 2>&1 || rc=$?
		[ "$rc" = 0 ] && break
		[ "$rc" = 137 ] || fail "down killed at step $n: exit status $rc, expected 137 (killed) or 0"
		run_ok "$NSNET" gc >/dev/null
		wait_until 5 snap_nofw || fail "down killed at step $n, then gc: records, links or addresses changed"
		assert_eq "$(nft list table bridge nsnet 2>&1)" "$guard_before" "the anti-spoofing table after down killed at step $n, then gc"
		run_ok "$NSNET" check >/dev/null
		# (every 7th step: with 20 namespaces more, down has a few hundred)
		n=$((n + 7))
		[ "$n" -le 3000 ] || fail "down still killed after 3000 steps"
	done
	[ "$n" -ge 30 ] || fail "down was killed at only $((n / 7)) steps"
	run_ok "$NSNET" apply "$T_TMP/mtu.yaml" >/dev/null
fi
run_ok "$NSNET" down --project one >/dev/null
assert_eq "$(nft list tables 2>/dev/null | grep -c ' nsnet$')" 0 "nsnet's tables after down"
