#!/bin/sh
# SPDX-License-Identifier: MIT
# network rm refuses while a namespace is attached (naming it) and changes nothing; --force
# removes the network anyway, detaching its namespaces (their interface and host veth go).
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create other --subnet 10.1.0.0/24 >/dev/null
run_ok "$NSNET" ns add web --net other --net lan >/dev/null
host_if=$(ns_host_ifname web lan)

before=$(snapshot)
run_fail_status 1 'web' "$NSNET" network rm lan
assert_unchanged "$before" "state after the refused network rm"
ping_ok web 10.0.0.1

run_ok "$NSNET" network rm lan --force >/dev/null
ip link show dev nsnet-lan >/dev/null 2>&1 && fail "bridge nsnet-lan survives network rm --force"
wait_until 5 sh -c "! ip link show dev $host_if" || fail "host veth $host_if survives network rm --force"
assert_eq "$(net_json lan)" "" "lan in network ls after rm --force"
[ -e "$STATE_DIR/leases/lan" ] && fail "lease records of lan survive network rm --force"
ip -n web link show dev eth1 >/dev/null 2>&1 && fail "web still has eth1 (its lan interface)"
assert_eq "$(ns_json web | jq -c '[.attachments[].network]')" '["other"]' "attachments of web"
# The rest of web is intact.
ping_ok web 10.1.0.1
assert_eq "$(default_route web)" "10.1.0.1 eth0" "default route of web"

run_ok "$NSNET" ns rm web >/dev/null
run_ok "$NSNET" network rm other >/dev/null
leak_check
