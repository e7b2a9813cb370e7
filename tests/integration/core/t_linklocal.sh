#!/bin/sh
# SPDX-License-Identifier: MIT
# IPv6 link-local addresses only where they serve: none on the host end of a veth (a bridge port),
# none on the namespace's end or the bridge of an IPv4-only network, fe80:: kept on a network with
# an IPv6 subnet (docs/design.md). Neither end of an IPv4-only attachment sends IPv6 at all.
# One backend: its subject (the link-local addresses of links) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create v4 --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create dual --subnet 10.1.0.0/24 --subnet fd00:11::/64 >/dev/null
run_ok "$NSNET" ns add a --net v4 >/dev/null
run_ok "$NSNET" ns add b --net dual >/dev/null
run_ok "$NSNET" ns add c --net v4 --net dual >/dev/null

for n in a:v4 b:dual c:v4 c:dual; do
	h=$(ns_host_ifname "${n%:*}" "${n#*:}")
	[ -n "$h" ] || fail "no host interface for $n"
	assert_match "$(ip -d link show dev "$h")" 'addrgenmode none' "host end of $n: addrgenmode"
	assert_eq "$(ip -6 -o addr show dev "$h")" "" "host end of $n: IPv6 addresses"
done
# The bridges, now that they have ports with a carrier (a bridge makes its link-local address then).
assert_match "$(ip -d link show dev nsnet-v4)" 'addrgenmode none' "bridge of the IPv4-only network: addrgenmode"
assert_eq "$(ip -6 -o addr show dev nsnet-v4)" "" "bridge of the IPv4-only network: IPv6 addresses"
assert_match "$(ip -6 -o addr show dev nsnet-dual scope link)" 'inet6 fe80::' "bridge of the dual-stack network: link-local"
assert_eq "$(ip -n a -6 -o addr show dev eth0)" "" "a (IPv4-only network): IPv6 addresses on eth0"
assert_match "$(ip -n a -d link show dev eth0)" 'addrgenmode none' "a: eth0 addrgenmode"
assert_match "$(ip -n b -6 -o addr show dev eth0 scope link)" 'inet6 fe80::' "b (IPv6 subnet): link-local on eth0"
assert_eq "$(ip -n c -6 -o addr show dev eth0)" "" "c: eth0 on the IPv4-only network"
assert_match "$(ip -n c -6 -o addr show dev eth1 scope link)" 'inet6 fe80::' "c: eth1 on the dual-stack network"

# Both still carry their traffic.
ping_ok a 10.0.0.1
ping_ok c 10.0.0.2
ping_ok c fd00:11::2
ping_ok b fd00:11::1

for n in a b c; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
run_ok "$NSNET" network rm v4 >/dev/null
run_ok "$NSNET" network rm dual >/dev/null
leak_check
