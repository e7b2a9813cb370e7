#!/bin/sh
# SPDX-License-Identifier: MIT
# ns add: a persistent netns with lo up, eth0 holding the lowest free address, a default route via
# the gateway, a host veth nvXXXXXXXX on the bridge; namespaces reach the gateway, each other and
# the host reaches them. ns rm removes the namespace and its veth.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null

assert_eq "$(ns_addrs a)" "10.0.0.2" "address of the first namespace"
assert_eq "$(ns_addrs b)" "10.0.0.3" "address of the second namespace"
[ -e /run/netns/a ] || fail "/run/netns/a does not exist"
assert_match "$(ip -n a -o -4 addr show dev eth0)" 'inet 10\.0\.0\.2/24 ' "eth0 address in a"
assert_match "$(ip -n a -o link show dev lo)" 'UP' "lo in a"
assert_match "$(ip -n a -o -4 addr show dev lo)" 'inet 127\.0\.0\.1/8' "loopback address in a"
assert_eq "$(default_route a)" "10.0.0.1 eth0" "default route in a"
assert_eq "$(ip -n a -o link show | grep -cv ': lo:')" "1" "interfaces in a besides lo"

host_if=$(ns_host_ifname a lan)
assert_match "$host_if" '^nv[0-9a-f]{8}$' "host veth name"
assert_match "$(ip -o link show dev "$host_if")" 'master nsnet-lan ' "host veth on the bridge"
[ "$host_if" != "$(ns_host_ifname b lan)" ] || fail "a and b share the host veth name $host_if"

ping_ok a 10.0.0.1
ping_ok a 10.0.0.3
ping_ok b 10.0.0.2
ping_ok host 10.0.0.2
in_ns a ping -n -c1 -W1 127.0.0.1 >/dev/null || fail "loopback in a does not answer"

run_ok "$NSNET" ns rm a >/dev/null
[ -e /run/netns/a ] && fail "/run/netns/a still exists after ns rm"
ip netns list | grep -qw a && fail "ip netns list still shows a"
wait_until 5 sh -c "! ip link show dev $host_if" || fail "host veth $host_if survives ns rm"
ping_ok b 10.0.0.1
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
