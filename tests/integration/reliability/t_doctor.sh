#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet doctor: clean on a plain host; names another table's forward chain with policy drop and a
# route overlapping a network's subnet as blockers (exit 1), and is clean again once they go.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
out=$(run_ok "$NSNET" doctor)
assert_match "$out" "nothing blocks" "doctor on a clean host"

# Docker-like: iptables-nft's FORWARD chain with policy drop. It blocks the nft backend; the
# iptables backend puts its own jump first in that very chain.
nft add table ip filter
nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
rc=0
out=$("$NSNET" doctor 2>&1) || rc=$?
if [ "$NSNET_BACKEND" = iptables ]; then
	assert_eq "$rc" "0" "doctor exit status with a dropping FORWARD chain (iptables backend)"
	assert_match "$out" "ok: ip filter FORWARD has policy drop" "doctor explains the FORWARD policy"
	assert_match "$out" "ok: iptables works .*the backend in use" "doctor checks iptables"
else
	assert_eq "$rc" "1" "doctor exit status with a dropping FORWARD chain"
	assert_match "$out" "blocker: chain ip filter FORWARD has policy drop" "doctor names the chain"
fi
nft delete table ip filter
# Another tool's own table dropping on the forward hook blocks either backend.
nft add table inet tdrop
nft add chain inet tdrop tfwd '{ type filter hook forward priority 0; policy drop; }'
rc=0
out=$("$NSNET" doctor 2>&1) || rc=$?
assert_eq "$rc" "1" "doctor exit status with another table dropping forwarded traffic"
assert_match "$out" "blocker: chain inet tdrop tfwd has policy drop" "doctor names that chain"
nft delete table inet tdrop

# A route that sends part of lan's subnet elsewhere.
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
ip route add 10.0.0.128/25 dev uplink
rc=0
out=$("$NSNET" doctor 2>&1) || rc=$?
assert_eq "$rc" "1" "doctor exit status with an overlapping route"
assert_match "$out" "route 10.0.0.128/25 dev uplink overlaps subnet 10.0.0.0/24 of network lan" "doctor names the route"
ip route del 10.0.0.128/25 dev uplink
out=$(run_ok "$NSNET" doctor)
assert_match "$out" "nothing blocks" "doctor once the route is gone"

run_ok "$NSNET" network rm lan >/dev/null
leak_check
