#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 4: two state dirs on one network namespace. The firewall tables are shared, so a
# second state dir is refused while another holds marked links here; gc and check of the state dir
# that holds nothing leave the other's links and tables alone, and the other keeps working.
. "$(dirname "$0")/../lib/lib.sh"

B=/run/nsnet-b
# A makes a network, attaches, removes it all: its last network gone, nothing of it remains.
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_fail_status 1 "another nsnet state dir" "$NSNET" --state-dir "$B" network create lanb --subnet 10.8.0.0/24
run_ok "$NSNET" network rm lan >/dev/null

# B takes the network namespace.
run_ok "$NSNET" --state-dir "$B" network create lanb --subnet 10.8.0.0/24 >/dev/null
run_ok "$NSNET" --state-dir "$B" ns add b1 --net lanb >/dev/null
run_ok "$NSNET" --state-dir "$B" ns add b2 --net lanb >/dev/null
b2=$(ip -n b2 -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }')
assert_eq "$b2" "10.8.0.3" "b2's address"
before=$(snapshot)
run_fail_status 1 "another nsnet state dir" "$NSNET" network create lan --subnet 10.0.0.0/24
ip link show dev nsnet-lan >/dev/null 2>&1 && fail "A's refused create left its bridge"

# A's gc and check: B's bridge, veths and firewall are not A's.
out=$(run_ok "$NSNET" gc)
assert_no_match "$out" "nsnet-lanb|removing" "A's gc"
assert_unchanged "$before" "B's links and rules after A's gc"
assert_match "$(run_ok "$NSNET" check)" "agree" "A's check"
assert_match "$(run_ok "$NSNET" --state-dir "$B" check)" "agree" "B's check after A's gc"
ping_ok b1 10.8.0.1
ping_ok b1 "$b2"

for n in b1 b2; do run_ok "$NSNET" --state-dir "$B" ns rm "$n" >/dev/null; done
run_ok "$NSNET" --state-dir "$B" network rm lanb >/dev/null
leak_check
