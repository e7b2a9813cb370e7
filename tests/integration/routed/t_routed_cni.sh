#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI on a routed network ("driver": "routed"): ADD makes the network without a bridge and gives
# the container host addresses (/32, /128) with routes via 169.254.1.1 and fe80::1, which the
# result says; two containers reach each other through the host; CHECK passes, and fails when the
# host end leaves the network's interface group, a neighbour entry (the container's for its gateway,
# the host's for the container) or the address is gone; DEL removes the container
# and, with the last one, the network. A conf asking for the bridge driver on it is a conflict;
# an unknown driver is a configuration error.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"
need_ipv6

ip netns add ctr
ip netns add ctr2
conf=$(cni_conf 1.0.0 rnet '"driver":"routed","ranges":[[{"subnet":"10.89.0.0/24"}],[{"subnet":"fd00:89::/64"}]]')
cni_ok ADD "$conf" CNI_NETNS=/run/netns/ctr >"$T_TMP/res.json"
assert_eq "$(jq -r '[.ips[].address] | join(" ")' "$T_TMP/res.json")" "10.89.0.2/32 fd00:89::2/128" "addresses"
assert_eq "$(jq -r '[.ips[].gateway] | join(" ")' "$T_TMP/res.json")" "169.254.1.1 fe80::1" "gateways"
assert_eq "$(jq -c '.routes' "$T_TMP/res.json")" \
	'[{"dst":"0.0.0.0/0","gw":"169.254.1.1"},{"dst":"::/0","gw":"fe80::1"}]' "routes of the result"
assert_eq "$(ip -o link show master "$(ip -o link show type bridge | awk -F': ' '{ print $2 }')")" "" \
	"a routed CNI network has a bridge port"
assert_eq "$(json "$NSNET" network ls --json | jq -r '.[0].driver')" "routed" "driver of the network"
cni_ok ADD "$conf" CNI_NETNS=/run/netns/ctr2 CNI_CONTAINERID=c2 >/dev/null
ping_ok ctr 10.89.0.3
ping_ok ctr fd00:89::3

prev=$(printf '%s' "$conf" | jq -c --slurpfile r "$T_TMP/res.json" '. + {prevResult: $r[0]}')
cni_ok CHECK "$prev" CNI_NETNS=/run/netns/ctr >/dev/null
host=$(jq -r '.interfaces[0].name' "$T_TMP/res.json")
group=$(ip -d link show "$host" | sed -n 's/.* group \([^ ]*\).*/\1/p' | head -n1)
ip link set "$host" group default
cni_err 999 CHECK "$prev" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" "interface group" "CHECK message: host end out of the group"
ip link set "$host" group "$group"
cni_ok CHECK "$prev" CNI_NETNS=/run/netns/ctr >/dev/null
# The gateway is a permanent neighbour entry in the container, the container's address one on
# the host end (no ARP either way): CHECK fails without either.
assert_eq "$(ip -n ctr -4 neigh show dev eth0 169.254.1.1 | xargs)" "169.254.1.1 lladdr ee:ee:ee:ee:ee:ee PERMANENT" \
	"the container's entry for its gateway"
assert_match "$(ip -4 neigh show dev "$host" 10.89.0.2)" "PERMANENT" "the host's entry for the container"
ip -n ctr neigh del 169.254.1.1 dev eth0
cni_err 999 CHECK "$prev" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'neighbour entry 169\.254\.1\.1 lladdr ee:ee:ee:ee:ee:ee is not on eth0' "CHECK message: gateway entry gone"
ip -n ctr neigh replace 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent
ip neigh del 10.89.0.2 dev "$host"
cni_err 999 CHECK "$prev" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" "neighbour entry 10\.89\.0\.2 lladdr .* is not on $host" "CHECK message: host's entry gone"
ip neigh replace 10.89.0.2 lladdr "$(ip netns exec ctr cat /sys/class/net/eth0/address)" dev "$host" nud permanent
cni_ok CHECK "$prev" CNI_NETNS=/run/netns/ctr >/dev/null
ip -n ctr addr del 10.89.0.2/32 dev eth0
cni_err 999 CHECK "$prev" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'address 10\.89\.0\.2/32 is not on eth0' "CHECK message: address gone"

# The same network asked for as a bridge: a conflict; an unknown driver: refused.
bconf=$(cni_conf 1.0.0 rnet '"driver":"bridge","ranges":[[{"subnet":"10.89.0.0/24"}],[{"subnet":"fd00:89::/64"}]]')
cni_err 7 ADD "$bconf" CNI_NETNS=/run/netns/ctr CNI_CONTAINERID=c3 CNI_IFNAME=eth1
assert_match "$(cni_msg)" 'conflicting configuration: network rnet exists with driver routed' "ADD asking for another driver"
cni_err 7 ADD "$(cni_conf 1.0.0 other '"driver":"vxlan","subnet":"10.90.0.0/24"')" CNI_NETNS=/run/netns/ctr2 CNI_CONTAINERID=c4
assert_match "$(cni_msg)" 'vxlan' "unknown driver named"

cni_ok DEL "$conf" CNI_NETNS=/run/netns/ctr >/dev/null
cni_ok DEL "$conf" CNI_NETNS=/run/netns/ctr2 CNI_CONTAINERID=c2 >/dev/null
cni_net_gone rnet
ip netns del ctr
ip netns del ctr2
leak_check
