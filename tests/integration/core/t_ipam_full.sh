#!/bin/sh
# SPDX-License-Identifier: MIT
# A full subnet: a /30 has two hosts, the gateway and one namespace; the next ns add fails with a
# one-line error naming the network or subnet, and leaves nothing behind.
# One backend: its subject (IPAM's refusal of a full subnet) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create tiny --subnet 10.9.0.0/30 >/dev/null
run_ok "$NSNET" ns add a --net tiny >/dev/null
assert_eq "$(ns_addrs a)" "10.9.0.2" "the only free address"
ping_ok a 10.9.0.1

before=$(snapshot)
run_fail_status 1 'tiny|10\.9\.0\.0/30' "$NSNET" ns add b --net tiny
assert_unchanged "$before" "state after ns add on a full network"
ip netns list | grep -qw b && fail "namespace b exists after the failed ns add"
# The same through attach, on an existing namespace.
ip netns add c
before=$(snapshot)
run_fail_status 1 'tiny|10\.9\.0\.0/30' "$NSNET" attach c tiny
assert_unchanged "$before" "state after attach to a full network"
ip netns del c

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns add b --net tiny >/dev/null
assert_eq "$(ns_addrs b)" "10.9.0.2" "the released address"
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm tiny >/dev/null
leak_check
