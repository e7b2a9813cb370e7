#!/bin/sh
# SPDX-License-Identifier: MIT
# --bridge, --gateway and --mtu are honoured: by the bridge, by IPAM (the gateway is skipped,
# the first host address is free then), by the namespace's route and interface.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create opt --subnet 10.3.0.0/24 --gateway 10.3.0.254 --bridge br-opt --mtu 1400 >/dev/null
ip -o link show dev br-opt type bridge | grep -q . || fail "no bridge br-opt"
ip link show dev nsnet-opt >/dev/null 2>&1 && fail "nsnet-opt exists although --bridge br-opt was given"
assert_match "$(ip -o link show dev br-opt)" ' mtu 1400 ' "bridge MTU"
assert_match "$(ip -o -4 addr show dev br-opt)" 'inet 10\.3\.0\.254/24 ' "gateway on br-opt"
assert_no_match "$(ip -o -4 addr show dev br-opt)" '10\.3\.0\.1/' "no default gateway address"

j=$(net_json opt)
assert_eq "$(echo "$j" | jq -c '[.bridge, .gateways, .mtu]')" '["br-opt",["10.3.0.254"],1400]' "network ls --json"

run_ok "$NSNET" ns add o1 --net opt >/dev/null
assert_eq "$(ns_addrs o1)" "10.3.0.1" "first address when the gateway is .254"
assert_match "$(ip -n o1 -o -4 addr show dev eth0)" 'inet 10\.3\.0\.1/24 ' "address in o1"
assert_match "$(ip -n o1 -o link show dev eth0)" ' mtu 1400 ' "eth0 MTU in o1"
host_if=$(ns_host_ifname o1 opt)
assert_match "$(ip -o link show dev "$host_if")" ' mtu 1400 .* master br-opt ' "host veth MTU and bridge"
assert_eq "$(default_route o1)" "10.3.0.254 eth0" "default route in o1"
ping_ok o1 10.3.0.254
# The largest packet the MTU allows passes without fragmentation; one byte more does not.
in_ns o1 ping -n -c1 -W1 -M do -s 1372 10.3.0.254 >/dev/null || fail "1400-byte packet did not pass"
in_ns o1 ping -n -c1 -W1 -M do -s 1373 10.3.0.254 >/dev/null 2>&1 && fail "1401-byte packet passed a 1400 MTU"

run_ok "$NSNET" ns rm o1 >/dev/null
run_ok "$NSNET" network rm opt >/dev/null
leak_check
