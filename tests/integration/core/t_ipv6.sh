#!/bin/sh
# SPDX-License-Identifier: MIT
# An IPv6-only network: gateway fd00:10::1 on the bridge, namespaces get fd00:10::2, ::3, an IPv6
# default route, and ping each other and the gateway.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create v6 --subnet fd00:10::/64 >/dev/null
assert_match "$(ip -o -6 addr show dev nsnet-v6)" 'inet6 fd00:10::1/64 ' "gateway on nsnet-v6"
assert_eq "$(net_json v6 | jq -c '.gateways')" '["fd00:10::1"]' "gateways in network ls --json"

run_ok "$NSNET" ns add a --net v6 >/dev/null
run_ok "$NSNET" ns add b --net v6 >/dev/null
assert_eq "$(ns_addrs a)" "fd00:10::2" "address of a"
assert_eq "$(ns_addrs b)" "fd00:10::3" "address of b"
assert_match "$(ip -n a -o -6 addr show dev eth0)" 'inet6 fd00:10::2/64 ' "eth0 address in a"
assert_eq "$(default_route a 6)" "fd00:10::1 eth0" "IPv6 default route in a"
assert_eq "$(default_route a 4)" "" "IPv4 default route in a (none expected)"

ping_ok a fd00:10::1
ping_ok a fd00:10::3
ping_ok b fd00:10::2
ping_ok host fd00:10::2

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm v6 >/dev/null
leak_check
