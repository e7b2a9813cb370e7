#!/bin/sh
# SPDX-License-Identifier: MIT
# A chosen address (--net NET:IP, attach --ip) is honoured; one that is taken (by a namespace or
# the gateway) or outside the subnet is refused, naming it, and the failed command leaves nothing.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan:10.0.0.13 >/dev/null
assert_eq "$(ns_addrs a)" "10.0.0.13" "chosen address of a"
assert_match "$(ip -n a -o -4 addr show dev eth0)" 'inet 10\.0\.0\.13/24 ' "eth0 of a"
ping_ok a 10.0.0.1

before=$(snapshot)
run_fail_status 1 '10\.0\.0\.13' "$NSNET" ns add b --net lan:10.0.0.13
assert_unchanged "$before" "state after a refused taken address"
run_fail_status 1 '10\.0\.0\.1([^0-9]|$)' "$NSNET" ns add b --net lan:10.0.0.1
assert_unchanged "$before" "state after a refused gateway address"
run_fail_status 1 '10\.1\.0\.5' "$NSNET" ns add b --net lan:10.1.0.5
assert_unchanged "$before" "state after a refused address outside the subnet"
run_fail '10\.0\.0\.300' "$NSNET" ns add b --net lan:10.0.0.300
assert_unchanged "$before" "state after a refused malformed address"

# The automatic allocation still starts at the lowest free address.
run_ok "$NSNET" ns add b --net lan >/dev/null
assert_eq "$(ns_addrs b)" "10.0.0.2" "automatic address next to a chosen one"

# attach --ip, on a namespace that exists already (unmanaged here, created by ip).
ip netns add c
run_ok "$NSNET" attach c lan --ip 10.0.0.77 >/dev/null
assert_eq "$(ns_addrs c lan)" "10.0.0.77" "attach --ip"
assert_match "$(ip -n c -o -4 addr show dev eth0)" 'inet 10\.0\.0\.77/24 ' "eth0 of c"
ping_ok c 10.0.0.13
run_ok "$NSNET" detach c lan >/dev/null
ip netns del c

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
