#!/bin/sh
# SPDX-License-Identifier: MIT
# A routed network (--driver routed): no bridge, each namespace's veth a point-to-point link with
# its address as /32 (/128) and a default route via the link-local gateway 169.254.1.1 (fe80::1),
# which is no address of the host: a permanent neighbour entry in the namespace leads to the host
# end's fixed MAC, and one on the host end leads to the namespace's MAC (no ARP or neighbour
# discovery either way).
# Dual stack: namespaces reach each other through the host, the gateway, the outside through
# NAT (wan sees the uplink address), a VIP and a published port; the kernel objects are what
# docs/networks.md says; check is clean; rm leaves nothing.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan
ip -n wan route add 10.100.0.0/16 via 192.0.2.1
start_server wan 80

run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64 >/dev/null
assert_eq "$(json "$NSNET" network ls --json | jq -r '.[0].driver')" "routed" "driver in network ls --json"
for ns in a b c; do run_ok "$NSNET" ns add "$ns" --net rt >/dev/null; done

# No bridge ports: the only bridge is the network's portless gateway link (the resolver's address);
# the namespace's addresses are host addresses, its routes go via the link-local gateway.
assert_eq "$(ip -o link show type bridge | awk -F': ' '{ print $2 }')" "nsnet-rt" "the bridges of a routed network"
assert_eq "$(ip -o link show master nsnet-rt)" "" "ports of the gateway link"
assert_eq "$(ip -n a -4 -o addr show dev eth0 | awk '{print $4}')" "10.7.0.2/32" "a's IPv4 address"
assert_match "$(ip -n a -6 -o addr show dev eth0 scope global)" 'fd00:7::2/128' "a's IPv6 address"
assert_eq "$(default_route a 4)" "169.254.1.1 eth0" "a's IPv4 default route"
assert_eq "$(default_route a 6)" "fe80::1 eth0" "a's IPv6 default route"
host_a=$(ns_host_ifname a rt)
assert_eq "$(ip -o addr show dev "$host_a")" "" "host end's addresses"
assert_eq "$(cat /sys/class/net/$host_a/address)" "ee:ee:ee:ee:ee:ee" "host end's MAC"
assert_eq "$(ip -n a -4 neigh show dev eth0 169.254.1.1 | xargs)" "169.254.1.1 lladdr ee:ee:ee:ee:ee:ee PERMANENT" \
	"a's neighbour entry for its gateway"
assert_eq "$(ip -4 neigh show dev "$host_a" 10.7.0.2 | xargs)" "10.7.0.2 lladdr $(ip netns exec a cat /sys/class/net/eth0/address) PERMANENT" \
	"the host's neighbour entry for a"
assert_eq "$(ip -n a -6 neigh show dev eth0 fe80::1 | xargs)" "fe80::1 lladdr ee:ee:ee:ee:ee:ee PERMANENT" \
	"a's neighbour entry for its IPv6 gateway"
assert_eq "$(ip -6 neigh show dev "$host_a" fd00:7::2 | xargs)" "fd00:7::2 lladdr $(ip netns exec a cat /sys/class/net/eth0/address) PERMANENT" \
	"the host's neighbour entry for a (IPv6)"
assert_eq "$(ip -4 route show table local | grep -c 169.254.1.1)" 0 "169.254.1.1 in the host's local table"
assert_match "$(ip route show 10.7.0.2)" "10.7.0.2 dev $host_a" "host route to a"
assert_match "$(ip -6 route show fd00:7::2)" "fd00:7::2 dev $host_a" "host route to a (IPv6)"

# Each other (through the host), the gateway, the outside; the host reaches a.
for dst in 10.7.0.3 fd00:7::3 10.7.0.1 fd00:7::1 198.51.100.1; do ping_ok a "$dst"; done
ping_ok host 10.7.0.2
ping_ok host fd00:7::2
# Not one ARP request or neighbour solicitation on a's link for all that: nothing learnt.
assert_eq "$(ip -n a neigh show dev eth0 | grep -vc PERMANENT)" 0 "neighbour entries a learnt"
assert_eq "$(ip neigh show dev "$host_a" | grep -vc PERMANENT)" 0 "neighbour entries the host learnt on $host_a"

# check reports a missing neighbour entry, either side; the namespace's has no other way to its gateway.
ping_ok c 10.7.0.1
ip -n c neigh del 169.254.1.1 dev eth0
out=$("$NSNET" check 2>&1) && fail "check passed without c's gateway entry"
assert_match "$out" "namespace c: neighbour entry 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee is not on eth0" "check: c's gateway entry"
ping_fails c 10.7.0.1
out=$("$NSNET" check 2>&1) && fail "check passed with c's gateway entry unresolved"
assert_match "$out" "namespace c: neighbour entry 169.254.1.1 on eth0 is unresolved, not lladdr ee:ee:ee:ee:ee:ee permanent" \
	"check: c's gateway entry, unresolved"
ip -n c neigh replace 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent
host_c=$(ns_host_ifname c rt)
ip neigh del 10.7.0.4 dev "$host_c"
out=$("$NSNET" check 2>&1) && fail "check passed without the host's entry for c"
assert_match "$out" "host: neighbour entry 10.7.0.4 lladdr .* is not on $host_c" "check: the host's entry for c"
ip neigh replace 10.7.0.4 lladdr "$(ip netns exec c cat /sys/class/net/eth0/address)" dev "$host_c" nud permanent
run_ok "$NSNET" check >/dev/null
ping_ok c 10.7.0.1
# A host end with another MAC: c's entry for its gateway leads nowhere, and check says so.
ip link set "$host_c" address 02:00:00:00:00:99
out=$("$NSNET" check 2>&1) && fail "check passed with $host_c's MAC changed"
assert_match "$out" "$host_c has MAC 02:00:00:00:00:99, not ee:ee:ee:ee:ee:ee" "check: the host end's MAC"
ping_fails c 10.7.0.1
ip link set "$host_c" address ee:ee:ee:ee:ee:ee
# (A link's new MAC drops its neighbour entries, permanent ones too.)
ip neigh replace 10.7.0.4 lladdr "$(ip netns exec c cat /sys/class/net/eth0/address)" dev "$host_c" nud permanent
ip neigh replace fd00:7::4 lladdr "$(ip netns exec c cat /sys/class/net/eth0/address)" dev "$host_c" nud permanent
run_ok "$NSNET" check >/dev/null
ping_ok c 10.7.0.1
assert_eq "$(tcp_get a 198.51.100.1 80)" "192.0.2.1" "a's address seen by wan (NAT)"
# The gateway 169.254.1.1 is no address of the host's: a packet to it is dropped, not routed on to
# the uplink (where wan, holding that address here, would answer it).
ip -n wan addr add 169.254.1.1/32 dev lo
ping_fails a 169.254.1.1
ip -n wan addr del 169.254.1.1/32 dev lo
start_server b 8080
assert_eq "$(tcp_get a 10.7.0.3 8080)" "10.7.0.2" "a's address seen by b (no NAT inside the network)"
assert_eq "$(tcp_get a fd00:7::3 8080)" "fd00:7::2" "a's address seen by b over IPv6"

# A VIP backed by b and c: reached from a, from b itself (hairpin) and from wan.
start_name_server c 8081 c
start_name_server b 8081 b
run_ok "$NSNET" vip add 10.100.0.1:80/tcp b:8081 c:8081 --name web >/dev/null
for from in a b wan host; do
	counts=$(tcp_counts "$from" 10.100.0.1 80 20)
	assert_eq "$(( $(count_of "$counts" b) + $(count_of "$counts" c) ))" 20 "VIP answers from $from ($(echo $counts))"
done
run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null

# A published port of b: from wan (client kept), from a through the uplink address.
run_ok "$NSNET" publish b 8080:8080 >/dev/null
assert_eq "$(tcp_get wan 192.0.2.1 8080)" "192.0.2.2" "client address seen by b from wan"
tcp_get a 192.0.2.1 8080 >/dev/null || fail "a does not reach b's published port"
tcp_get b 192.0.2.1 8080 >/dev/null || fail "b does not reach its own published port (hairpin)"
# A loopback publish needs route_localnet on the network's link: a routed network has none.
run_fail "routed" "$NSNET" publish b 127.0.0.1:8090:8080
run_ok "$NSNET" unpublish b 8080 >/dev/null
stop_servers

run_ok "$NSNET" check >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
ping_ok a 10.7.0.4
ping_fails a 10.7.0.3
for ns in a c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm rt >/dev/null
leak_check
