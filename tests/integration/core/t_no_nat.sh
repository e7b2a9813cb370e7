#!/bin/sh
# SPDX-License-Identifier: MIT
# --no-nat: traffic is forwarded with its own source address, so the same connection to wan fails
# (wan has no route back) until wan learns a route to the network, and then wan sees 10.0.0.2.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
start_server wan 80

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --no-nat >/dev/null
assert_eq "$(net_json lan | jq -c '.nat')" "false" "nat in network ls --json"
run_ok "$NSNET" ns add c --net lan >/dev/null
assert_eq "$(default_route c)" "10.0.0.1 eth0" "default route in c"
ping_ok c 10.0.0.1

tcp_get c 198.51.100.1 80 >/dev/null && fail "c reached 198.51.100.1 without NAT while wan has no route back"
# Control: with a route back the packets do arrive, with c's own address.
ip -n wan route add 10.0.0.0/24 via 192.0.2.1
seen=$(tcp_get c 198.51.100.1 80) || fail "no connection from c to wan even with a route back (not forwarded?)"
assert_eq "$seen" "10.0.0.2" "client address seen by wan without NAT"
ip -n wan route del 10.0.0.0/24 via 192.0.2.1
stop_servers

run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
