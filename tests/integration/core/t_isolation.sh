#!/bin/sh
# SPDX-License-Identifier: MIT
# Two networks are isolated from each other (no ping, no TCP either way, although the host routes
# between them); a namespace attached to both reaches both (eth0 on the first, eth1 on the second,
# one default route via the first).
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create na --subnet 10.1.0.0/24 >/dev/null
run_ok "$NSNET" network create nb --subnet 10.2.0.0/24 >/dev/null
run_ok "$NSNET" ns add a1 --net na >/dev/null
run_ok "$NSNET" ns add b1 --net nb >/dev/null
run_ok "$NSNET" ns add x --net na --net nb >/dev/null
assert_eq "$(ns_addrs a1)" "10.1.0.2" "address of a1"
assert_eq "$(ns_addrs b1)" "10.2.0.2" "address of b1"
assert_eq "$(ns_addrs x na)" "10.1.0.3" "address of x on na"
assert_eq "$(ns_addrs x nb)" "10.2.0.3" "address of x on nb"
assert_match "$(ip -n x -o -4 addr show dev eth0)" 'inet 10\.1\.0\.3/24 ' "eth0 of x"
assert_match "$(ip -n x -o -4 addr show dev eth1)" 'inet 10\.2\.0\.3/24 ' "eth1 of x"
assert_eq "$(default_route x)" "10.1.0.1 eth0" "default route of x"

ping_ok a1 10.1.0.1
ping_ok b1 10.2.0.1
ping_fails a1 10.2.0.2
ping_fails b1 10.1.0.2
start_server a1 8080
start_server b1 8080
tcp_get b1 10.1.0.2 8080 >/dev/null && fail "b1 (network nb) reached a1 (network na) over TCP"
tcp_get a1 10.2.0.2 8080 >/dev/null && fail "a1 (network na) reached b1 (network nb) over TCP"

ping_ok x 10.1.0.2
ping_ok x 10.2.0.2
assert_eq "$(tcp_get x 10.1.0.2 8080)" "10.1.0.3" "x seen by a1"
assert_eq "$(tcp_get x 10.2.0.2 8080)" "10.2.0.3" "x seen by b1"
stop_servers

for ns in a1 b1 x; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm na >/dev/null
run_ok "$NSNET" network rm nb >/dev/null
leak_check
