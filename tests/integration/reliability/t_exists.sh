#!/bin/sh
# SPDX-License-Identifier: MIT
# Re-running a completed create is an error saying "exists", and it leaves the existing object
# working and unchanged; this includes ns add over a namespace made by ip netns add.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add alpha --net lan >/dev/null
ip netns add foo

before=$(snapshot)
run_fail_status 1 'lan.*exist|exist.*lan' "$NSNET" network create lan --subnet 10.0.0.0/24
assert_unchanged "$before" "state after network create of an existing network"
run_fail_status 1 'lan.*exist|exist.*lan' "$NSNET" network create lan --subnet 10.8.0.0/24
assert_unchanged "$before" "state after network create of an existing name, other subnet"
run_fail_status 1 'alpha.*exist|exist.*alpha' "$NSNET" ns add alpha --net lan
assert_unchanged "$before" "state after ns add of an existing namespace"
run_fail_status 1 'foo.*exist|exist.*foo' "$NSNET" ns add foo --net lan
assert_unchanged "$before" "state after ns add over an unmanaged namespace"
ping_ok alpha 10.0.0.1
assert_eq "$(ns_addrs alpha)" "10.0.0.2" "address of alpha after the refused re-create"
ip netns del foo
run_ok "$NSNET" ns rm alpha >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
