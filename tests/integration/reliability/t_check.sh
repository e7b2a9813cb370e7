#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet check agrees with a healthy setup, names each kind of damage done behind nsnet's back
# (exit 1), and is clean again after nsnet gc.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.1:80 a:8080 >/dev/null
run_ok "$NSNET" publish b 8080:80 >/dev/null
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check on a healthy setup"

if [ "$NSNET_BACKEND" != iptables ]; then
	# The VIP is an element of the verdict map, not a chain: one element gone is noticed, and
	# a VIP moved to another backend count must point at that count's pick chain.
	nft delete element inet nsnet svc4 '{ 10.100.0.1 . tcp . 80 }'
	rc=0
	out=$("$NSNET" check 2>&1) || rc=$?
	assert_eq "$rc" "1" "check exit status with the VIP's element gone"
	assert_match "$out" "VIP id 1: nft map svc4 has no element 10.100.0.1 . tcp . 80 : jump pick4t-1" "check: lost VIP element"
	nft add chain inet nsnet pick4t-2	# made by the first VIP of 2 backends, which there is not
	nft add element inet nsnet svc4 '{ 10.100.0.1 . tcp . 80 : jump pick4t-2 }'
	rc=0
	out=$("$NSNET" check 2>&1) || rc=$?
	assert_eq "$rc" "1" "check exit status with the VIP's element pointing at the wrong pick chain"
	nft delete element inet nsnet svc4 '{ 10.100.0.1 . tcp . 80 }'
	nft add element inet nsnet svc4 '{ 10.100.0.1 . tcp . 80 : jump pick4t-1 }'
	out=$(run_ok "$NSNET" check)
	assert_match "$out" "agree" "check with the element put back"
fi

# A leftover link with nsnet's mark, a namespace deleted behind nsnet's back, lost firewall rules.
ip link add nv00000000 type veth peer name nv00000001
ip link set nv00000000 alias "$(jq -r '"nsnet:" + .id' "$STATE_DIR/ids/owner.json")"
ip netns del b
if [ "$NSNET_BACKEND" = iptables ]; then
	# Every nsnet chain and jump gone, as if someone ran iptables -F / -X by hand.
	for c in iptables ip6tables; do
		for t in raw nat filter; do
			$c-save -t $t | grep -- '-j NSNET-' | grep -v '^-A NSNET-' | sed 's/^-A/-D/' |
				while read -r rule; do $c -t $t $rule; done
			$c -t $t -F 2>/dev/null || true
			$c-save -t $t | sed -n 's/^:\(NSNET-[^ ]*\).*/\1/p' | while read -r ch; do $c -t $t -X "$ch"; done
		done
	done
	lost_table="iptables rules of nsnet are missing"; lost_net="iptables chain NSNET-IN-nsnet-lan is missing"
	lost_vip="iptables chain NSNET-SVC-1 is missing"
else
	nft delete table inet nsnet
	lost_table="nft rules of nsnet are missing"; lost_net="nft chain in-lan is missing"
	lost_vip="nft map svc4 has no element 10.100.0.1 . tcp . 80 : jump pick4t-1"
fi
rc=0
out=$("$NSNET" check 2>&1) || rc=$?
assert_eq "$rc" "1" "check exit status with differences"
assert_match "$out" "link nv00000000 carries this state dir's mark but no record owns it" "check: stray link"
assert_match "$out" "namespace b: recorded but gone" "check: vanished namespace"
assert_match "$out" "$lost_table" "check: lost table"
assert_match "$out" "$lost_net" "check: lost network chain"
assert_match "$out" "$lost_vip" "check: lost VIP chain"

run_ok "$NSNET" gc >/dev/null
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check after gc"
# gc rebuilt the rules: the VIP still has its chain, b's port went with b.
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "b's published port after gc"

run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
