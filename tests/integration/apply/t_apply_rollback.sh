#!/bin/sh
# SPDX-License-Identifier: MIT
# An apply that removes and replaces objects is still ONE operation (core/op.c, park mode): failing after
# its removals (network db, replaced, asks for a bridge name a link made outside nsnet already
# has) or killed at a sample of its steps (NSNET_FAULT=N, then gc), it leaves records, links and
# rules exactly as they were before it. Then the same edit applies. NSNET_CRASH_STRIDE (default
# 10: about 7 kills) samples the steps; `make stress` sets it to 1 (every step).
# timeout: 300
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/lab.sh"
require_fault_injection

# nft lists chains in the order they were made: the chains of a network removed and put back by
# the rollback come last. Compared with each table's chains (whole blocks) sorted by name. A
# network's resolver that the removal stopped is started again from the records (docs/dns.md):
# the same resolver, running, with another PID.
world() {
	snapshot | awk '
		function flush() { if (!nb) return; fflush(); for (i = 1; i <= nb; i++) print blk[i] | "sort"; close("sort"); nb = 0 }
		/^\tchain / { inchain = 1; cur = "" }
		inchain { cur = cur $0 "\001"; if ($0 == "\t}") { blk[++nb] = cur; inchain = 0 }; next }
		/^}/ { flush() }
		{ print }' | tr '\001' '\n' | sed 's/"pid": [0-9][0-9]*/"pid": PID/'
}
same_world() { [ "$(world)" = "$1" ]; }
assert_world() {
	wait_until 5 same_world "$1" && return 0
	world >"$T_TMP/w.after"; printf '%s\n' "$1" >"$T_TMP/w.before"
	diff -u "$T_TMP/w.before" "$T_TMP/w.after" >&2 || true
	fail "$2 changed"
}

lab_other
run_ok "$NSNET" apply "$F" >/dev/null
sysctl -qw net.ipv6.conf.all.forwarding=1
w2=$(ip -n web2 -o link show eth0 | cut -d: -f1)

# 1. Fails after removing web2, detaching app from db, removing db: all of it comes back.
lab_edit taken0
ip link add taken0 type veth peer name taken1
before=$(world)
out=$("$NSNET" -v apply --force "$T_TMP/lab1e.yaml" 2>&1) && fail "apply with a taken bridge name succeeded: $out"
for step in 'ip netns del web2' 'link set eth0 name (parked' 'link set nsnet-db name (parked'; do
	printf '%s\n' "$out" | grep -qF "$step" || fail "the apply failed before its removals ($step): $out"
done
assert_match "$out" 'a link named taken0 already exists' "error of the failed apply"
assert_world "$before" "an apply that failed after its removals"
assert_eq "$(ip -n web2 -o link show eth0 | cut -d: -f1)" "$w2" "web2's eth0 (the same link, not made again)"
ip link del taken0
run_ok "$NSNET" check >/dev/null

# 1b. A namespace parked inside (lan replaced: its bridge name taken) gets back what its link had:
# IPv6 addresses and default routes go when a link goes down, the rollback puts them back.
inner() { for ns in web1 app; do echo "== $ns"; ip -n "$ns" -o addr show | awk '$4 !~ /^fe80/ { print $2, $4 }' | sort
	ip -n "$ns" route show table all | grep -v 'fe80::' | sort; done; }
sed 's|  lan: {subnet: \[10.10.0.0/24, "fd00:10::/64"\]}|  lan: {subnet: [10.10.0.0/24, "fd00:10::/64"], bridge: taken0}|' "$F" >"$T_TMP/lan-taken.yaml"
grep -q 'bridge: taken0' "$T_TMP/lan-taken.yaml" || fail "the edit of lan did not apply to the file"
ip link add taken0 type veth peer name taken1
before=$(world); inner_before=$(inner)
assert_match "$inner_before" 'default via fd00:10::1' "web1's IPv6 default route before"
out=$("$NSNET" -v apply --force "$T_TMP/lan-taken.yaml" 2>&1) && fail "apply with lan's bridge name taken succeeded: $out"
printf '%s\n' "$out" | grep -qF 'link set eth0 name (parked' || fail "the apply failed before it parked a namespace's link: $out"
# (iptables: lan's rules, put back by the rollback, come after the others: check says they agree.)
[ "$NSNET_BACKEND" != nft ] || assert_world "$before" "an apply that failed after parking the namespaces' links"
assert_eq "$(inner)" "$inner_before" "addresses and routes inside the namespaces after the rollback"
ip link del taken0
run_ok "$NSNET" check >/dev/null

# 2. Killed at a sample of its steps (the removals, the replacement, the re-attach): gc rolls
# the whole apply back.
lab_edit nsnet-db
# gc rebuilds the rules from the records in its own order (iptables: per-network rules of the
# shared chains by network): the state to come back to is the one gc leaves.
run_ok "$NSNET" gc >/dev/null
before=$(world)
stride=${NSNET_CRASH_STRIDE:-10}
n=1; killed=0
while :; do
	rc=0
	NSNET_FAULT=$n "$NSNET" apply --force "$T_TMP/lab1e.yaml" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] && break
	[ "$rc" = 137 ] || fail "killed at step $n: exit status $rc, expected 137 (killed) or 0"
	killed=$((killed + 1))
	run_ok "$NSNET" gc >/dev/null
	assert_world "$before" "apply killed at step $n, then gc"
	n=$((n + stride))
	[ "$n" -le 1000 ] || fail "apply still killed after 1000 steps"
done
[ "$killed" -ge 4 ] || fail "the apply was killed at only $killed steps: fault injection did not reach its steps"
echo "ok: the edit killed at $killed steps (1 to $((n - stride)), every $stride), each time rolled back whole"

# 3. It applied (the last run was not killed): the edit is there and agrees with the kernel.
run_ok "$NSNET" check >/dev/null
assert_eq "$(ns_names | grep -v "^wan$" | tr "\n" " ")" "app s1 web1 web3 " "namespaces after the edit"
ping_ok app 10.21.0.1
assert_eq "$(ip -o link show | grep -c 'nsnet-p[0-9a-f]\{8\}')" 0 "parked links left after the apply"
rc=0; "$NSNET" plan "$T_TMP/lab1e.yaml" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 0 "plan after the edit"
run_ok "$NSNET" down --project lab1 >/dev/null
run_ok "$NSNET" down --project other >/dev/null
