#!/bin/sh
# SPDX-License-Identifier: MIT
# attach adds a second network as eth1 (or --ifname, --ip) without touching the default route;
# detach removes the interface, its host veth and its lease, again leaving the route alone.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create na --subnet 10.1.0.0/24 >/dev/null
run_ok "$NSNET" network create nb --subnet 10.2.0.0/24 >/dev/null
run_ok "$NSNET" ns add y --net nb >/dev/null
run_ok "$NSNET" ns add x --net na >/dev/null
assert_eq "$(default_route x)" "10.1.0.1 eth0" "default route of x before attach"
ping_fails x 10.2.0.2

run_ok "$NSNET" attach x nb >/dev/null
assert_match "$(ip -n x -o -4 addr show dev eth1)" 'inet 10\.2\.0\.3/24 ' "eth1 after attach"
assert_eq "$(default_route x)" "10.1.0.1 eth0" "default route of x after attach"
assert_eq "$(ns_json x | jq -c '[.attachments[] | [.network, .ifname, .addresses]]')" \
	'[["na","eth0",["10.1.0.2"]],["nb","eth1",["10.2.0.3"]]]' "attachments of x"
assert_eq "$(net_json nb | jq -c '.namespaces | sort')" '["x","y"]' "namespaces of nb"
ping_ok x 10.2.0.2
ping_ok y 10.2.0.3
host_if=$(ns_host_ifname x nb)
assert_match "$(ip -o link show dev "$host_if")" 'master nsnet-nb ' "host veth of x on nb"

run_ok "$NSNET" detach x nb >/dev/null
ip -n x link show dev eth1 >/dev/null 2>&1 && fail "eth1 still in x after detach"
wait_until 5 sh -c "! ip link show dev $host_if" || fail "host veth $host_if survives detach"
assert_eq "$(default_route x)" "10.1.0.1 eth0" "default route of x after detach"
assert_eq "$(ns_json x | jq -c '[.attachments[].network]')" '["na"]' "attachments after detach"
ping_ok x 10.1.0.1
# The lease was released: the next namespace on nb gets 10.2.0.3 again.
run_ok "$NSNET" ns add z --net nb >/dev/null
assert_eq "$(ns_addrs z)" "10.2.0.3" "address after detach released it"
run_ok "$NSNET" ns rm z >/dev/null

# --ifname and --ip.
run_ok "$NSNET" attach x nb --ifname lanb --ip 10.2.0.50 >/dev/null
assert_match "$(ip -n x -o -4 addr show dev lanb)" 'inet 10\.2\.0\.50/24 ' "lanb after attach --ifname --ip"
ping_ok y 10.2.0.50
run_ok "$NSNET" detach x nb >/dev/null
ip -n x link show dev lanb >/dev/null 2>&1 && fail "lanb still in x after detach"

run_fail_status 1 'nb' "$NSNET" detach x nb
run_ok "$NSNET" ns rm x >/dev/null
run_ok "$NSNET" ns rm y >/dev/null
run_ok "$NSNET" network rm na >/dev/null
run_ok "$NSNET" network rm nb >/dev/null
leak_check
