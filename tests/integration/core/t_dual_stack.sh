#!/bin/sh
# SPDX-License-Identifier: MIT
# Dual stack: one network with an IPv4 and an IPv6 subnet; automatic and chosen (--net NET:IP,IP6)
# addresses of both families, routes of both families, traffic of both families.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
assert_eq "$(net_json lan | jq -c '[.subnets, .gateways]')" '[["10.0.0.0/24","fd00:10::/64"],["10.0.0.1","fd00:10::1"]]' "network ls --json"
assert_match "$(ip -o addr show dev nsnet-lan)" 'inet 10\.0\.0\.1/24 ' "IPv4 gateway"
assert_match "$(ip -o addr show dev nsnet-lan)" 'inet6 fd00:10::1/64 ' "IPv6 gateway"

run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan:10.0.0.13,fd00:10::13 >/dev/null
assert_eq "$(ns_addrs a | tr '\n' ' ')" "10.0.0.2 fd00:10::2 " "addresses of a"
assert_eq "$(ns_addrs b | tr '\n' ' ')" "10.0.0.13 fd00:10::13 " "addresses of b"
assert_eq "$(default_route b 4)" "10.0.0.1 eth0" "IPv4 default route in b"
assert_eq "$(default_route b 6)" "fd00:10::1 eth0" "IPv6 default route in b"

ping_ok a 10.0.0.13
ping_ok a fd00:10::13
ping_ok b fd00:10::1
ping_ok b 10.0.0.1
# TCP over both families, and the server sees the client's own address (no NAT inside a network).
start_server b 8080
assert_eq "$(tcp_get a 10.0.0.13 8080)" "10.0.0.2" "IPv4 client address seen by b"
assert_eq "$(tcp_get a fd00:10::13 8080)" "fd00:10::2" "IPv6 client address seen by b"
stop_servers

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
