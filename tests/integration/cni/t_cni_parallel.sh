#!/bin/sh
# SPDX-License-Identifier: MIT
# A runtime adds and deletes containers in parallel: 20 ADDs at once (the first ones racing to
# create the network) give 20 distinct addresses and working interfaces; then 10 DELs and 10 new
# ADDs at once; check agrees with the kernel after each round; 20 DELs leave nothing.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

conf=$(cni_conf 1.1.0 lan '"subnet":"10.88.0.0/24"')
for n in $(seq 1 30); do
	ip netns add "ctr$n"
done
# run_plugin VERB N: one plugin run for container N; its stdout, stderr and status in files.
run_plugin() {
	printf '%s' "$conf" | env CNI_COMMAND="$1" CNI_CONTAINERID="id$2" CNI_IFNAME=eth0 CNI_NETNS="/run/netns/ctr$2" \
		CNI_PATH="$CNI_BIN_DIR" "$CNI_BIN_DIR/nsnet" >"$T_TMP/$1.$2.out" 2>"$T_TMP/$1.$2.err"
	echo $? >"$T_TMP/$1.$2.rc"
}
# wait_all VERB N...: the runs of VERB for containers N... all succeeded.
wait_all() {
	verb=$1; shift
	wait
	for n in "$@"; do
		[ "$(cat "$T_TMP/$verb.$n.rc")" = 0 ] ||
			fail "$verb of container $n failed: $(cat "$T_TMP/$verb.$n.out" "$T_TMP/$verb.$n.err")"
	done
}

for n in $(seq 1 20); do run_plugin ADD "$n" & done
wait_all ADD $(seq 1 20)
addrs=$(for n in $(seq 1 20); do jq -r '.ips[0].address' "$T_TMP/ADD.$n.out"; done | sort -u)
assert_eq "$(printf '%s\n' "$addrs" | wc -l)" 20 "distinct addresses"
for n in $(seq 1 20); do
	assert_match "$(ip -n "ctr$n" -o -4 addr show eth0)" "inet $(jq -r '.ips[0].address' "$T_TMP/ADD.$n.out")" "ctr$n's address"
done
ping_ok ctr1 "$(jq -r '.ips[0].address' "$T_TMP/ADD.20.out" | cut -d/ -f1)"
assert_eq "$(ls "$STATE_DIR/journal" | wc -l)" 0 "journals left"
run_ok "$NSNET" check >/dev/null

for n in $(seq 1 10); do run_plugin DEL "$n" & done
for n in $(seq 21 30); do run_plugin ADD "$n" & done
wait
wait_all DEL $(seq 1 10)
wait_all ADD $(seq 21 30)
assert_eq "$(lease_addrs lan | wc -w)" 20 "leases after the mixed round"
assert_eq "$(for n in $(seq 11 30); do jq -r '.ips[0].address' "$T_TMP/ADD.$n.out"; done | sort -u | wc -l)" 20 "distinct addresses after the mixed round"
# The veths of deleted containers go a moment after their DEL answered (docs/cni.md).
wait_until 10 "$NSNET" check || fail "check after the mixed round: $("$NSNET" check)"

for n in $(seq 11 30); do run_plugin DEL "$n" & done
wait_all DEL $(seq 11 30)
assert_eq "$(ls "$STATE_DIR/namespaces" | wc -l)" 0 "records after all DELs"
[ -z "$(lease_addrs lan)" ] || fail "leases left: $(lease_addrs lan)"
for n in $(seq 1 30); do
	ip netns del "ctr$n"
done
cni_net_gone lan
