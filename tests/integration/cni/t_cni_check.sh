#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI CHECK looks at the kernel, not only at nsnet's records. After a dual-stack ADD it fails
# (error 999, naming what is missing) when an address is gone from the container interface or
# has another prefix length, when a default route is gone or goes through another gateway (a
# multipath default route counts when one of its paths is the right one), and when the prevResult
# lists a route the namespace does not have (or has through another gateway); once things are put
# back, CHECK passes again. A container that got no default route from nsnet (isGateway false) is
# not asked for one, but its address still is.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"
need_ipv6

# check_ok CONF [VAR=VALUE]...: CHECK of container c1 in ctr passes.
check_ok() {
	_ck_conf=$1; shift
	cni_ok CHECK "$_ck_conf" CNI_NETNS=/run/netns/ctr "$@" >/dev/null
}
# check_fails CONF ERE WHAT [VAR=VALUE]...: CHECK fails with error 999 and a message matching ERE.
check_fails() {
	_ck_conf=$1 _ck_ere=$2 _ck_what=$3; shift 3
	cni_err 999 CHECK "$_ck_conf" CNI_NETNS=/run/netns/ctr "$@"
	assert_match "$(cni_msg)" "$_ck_ere" "CHECK message: $_ck_what"
}
# with_routes JQ_ARRAY: $prev with JQ_ARRAY appended to prevResult.routes.
with_routes() { printf '%s' "$prev" | jq -c --argjson r "$1" '.prevResult.routes += $r'; }

ip netns add ctr
conf=$(cni_conf 1.0.0 lan '"ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd00:88::/64"}]]')
cni_ok ADD "$conf" CNI_NETNS=/run/netns/ctr >"$T_TMP/res.json"
assert_eq "$(jq -r '[.ips[].address] | join(" ")' "$T_TMP/res.json")" "10.88.0.2/24 fd00:88::2/64" "addresses"
assert_eq "$(jq -c '.routes' "$T_TMP/res.json")" \
	'[{"dst":"0.0.0.0/0","gw":"10.88.0.1"},{"dst":"::/0","gw":"fd00:88::1"}]' "routes of the result"
prev=$(printf '%s' "$conf" | jq -c --slurpfile r "$T_TMP/res.json" '. + {prevResult: $r[0]}')
check_ok "$conf"
check_ok "$prev"

# The IPv4 address gone (the kernel drops the IPv4 routes through eth0 with it): named, with or
# without a prevResult.
ip -n ctr addr del 10.88.0.2/24 dev eth0
assert_eq "$(default_route ctr 4)" "" "IPv4 default route after the address went"
check_fails "$conf" '^container c1: address 10\.88\.0\.2/24 is not on eth0$' "IPv4 address gone"
check_fails "$prev" '^container c1: address 10\.88\.0\.2/24 is not on eth0$' "IPv4 address gone (prevResult)"
# The address with another prefix length is not the one of the subnet.
ip -n ctr addr add 10.88.0.2/16 dev eth0
check_fails "$conf" '^container c1: address 10\.88\.0\.2/24 is not on eth0$' "IPv4 address with /16"
ip -n ctr addr del 10.88.0.2/16 dev eth0
# The address back, the default route not yet.
ip -n ctr addr add 10.88.0.2/24 dev eth0
check_fails "$conf" '^container c1: no default route via 10\.88\.0\.1 on eth0$' "IPv4 default route gone"
ip -n ctr route add default via 10.88.0.1 dev eth0
check_ok "$conf"
check_ok "$prev"
ping_ok ctr 10.88.0.1

# Only the default route deleted; then one through another gateway.
ip -n ctr route del default via 10.88.0.1 dev eth0
check_fails "$conf" '^container c1: no default route via 10\.88\.0\.1 on eth0$' "IPv4 default route deleted"
ip -n ctr route add default via 10.88.0.254 dev eth0
check_fails "$conf" '^container c1: no default route via 10\.88\.0\.1 on eth0$' "IPv4 default route via .254"
ip -n ctr route replace default via 10.88.0.1 dev eth0
check_ok "$prev"

# IPv6: the address (its default route stays), then the default route.
ip -n ctr addr del fd00:88::2/64 dev eth0
check_fails "$conf" '^container c1: address fd00:88::2/64 is not on eth0$' "IPv6 address gone"
ip -n ctr addr add fd00:88::2/64 dev eth0 nodad
check_ok "$conf"
ip -n ctr -6 route del default via fd00:88::1 dev eth0
check_fails "$conf" '^container c1: no default route via fd00:88::1 on eth0$' "IPv6 default route deleted"
check_fails "$prev" '^container c1: no default route via fd00:88::1 on eth0$' "IPv6 default route deleted (prevResult)"
ip -n ctr -6 route add default via fd00:88::1 dev eth0
check_ok "$conf"
check_ok "$prev"
ping_ok ctr fd00:88::1

# A default route with several paths counts when one of them is via the gateway out of eth0 (the
# kernel reports the paths inside one route); the IPv6 one made so by a second default route.
ip -n ctr route replace default nexthop via 10.88.0.254 dev eth0 nexthop via 10.88.0.1 dev eth0
ip -n ctr -6 route append default via fd00:88::9 dev eth0
check_ok "$prev"
ip -n ctr route replace default nexthop via 10.88.0.254 dev eth0 nexthop via 10.88.0.253 dev eth0
check_fails "$conf" '^container c1: no default route via 10\.88\.0\.1 on eth0$' "IPv4 multipath default route without the gateway"
ip -n ctr route replace default via 10.88.0.1 dev eth0
ip -n ctr -6 route del default via fd00:88::9 dev eth0
check_ok "$prev"

# prevResult routes: each must be in the namespace, with its gateway when it gives one.
check_fails "$(with_routes '[{"dst":"192.0.2.0/24","gw":"10.88.0.1"}]')" \
	"^prevResult: route 192\.0\.2\.0/24 via 10\.88\.0\.1 is not in the container's namespace$" "extra IPv4 route"
check_fails "$(with_routes '[{"dst":"2001:db8::/32"}]')" \
	"^prevResult: route 2001:db8::/32 is not in the container's namespace$" "extra IPv6 route without gateway"
check_fails "$(printf '%s' "$prev" | jq -c '.prevResult.routes[0].gw = "10.88.0.77"')" \
	"^prevResult: route 0\.0\.0\.0/0 via 10\.88\.0\.77 is not in the container's namespace$" "default route via another gateway"
check_fails "$(with_routes '[{"dst":"10.88.0.0/24","gw":"10.88.0.9"}]')" \
	"^prevResult: route 10\.88\.0\.0/24 via 10\.88\.0\.9 is not in the container's namespace$" "subnet route with a gateway"
cni_err 6 CHECK "$(with_routes '[{"dst":"192.0.2.1/24"}]')" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" '^prevResult: routes\[2\]\.dst: expected a CIDR$' "CHECK message: bad route"
# Routes the namespace has: the subnets' own (no gateway given), and one added after the ADD.
check_ok "$(with_routes '[{"dst":"10.88.0.0/24"},{"dst":"fd00:88::/64"}]')"
ip -n ctr route add 192.0.2.0/24 via 10.88.0.1 dev eth0
check_ok "$(with_routes '[{"dst":"192.0.2.0/24","gw":"10.88.0.1"}]')"
ip -n ctr route del 192.0.2.0/24

# isGateway false: nsnet gave no default route, so none is asked for; the address still is.
ip netns add ctr2
conf2=$(cni_conf 1.0.0 lan '"ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd00:88::/64"}]],"isGateway":false')
cni_ok ADD "$conf2" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2 >"$T_TMP/res2.json"
assert_eq "$(jq -c '.routes' "$T_TMP/res2.json")" '[]' "routes of the isGateway false result"
assert_eq "$(default_route ctr2 4)$(default_route ctr2 6)" "" "default routes in ctr2"
check_ok "$conf2" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
ip -n ctr2 addr del 10.88.0.3/24 dev eth0
check_fails "$conf2" '^container c2: address 10\.88\.0\.3/24 is not on eth0$' "address of c2 gone" \
	CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2

# Nothing CHECK did changed anything: c1 still passes, and DEL leaves nothing.
check_ok "$prev"
cni_ok DEL "$conf2" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2 >/dev/null
cni_ok DEL "$conf" CNI_NETNS=/run/netns/ctr >/dev/null
ip netns del ctr
ip netns del ctr2
cni_net_gone lan
