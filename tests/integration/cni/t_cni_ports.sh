#!/bin/sh
# SPDX-License-Identifier: MIT
# The portMappings capability: a container's ports are published on the host (nsnet's publish)
# and reached from outside (wan) with the client's address kept, TCP and UDP, on every address or
# one hostIP; every address (no hostIP, "0.0.0.0" or "::") includes the host's 127.0.0.1, with
# route_localnet on the network's bridge only; a port taken by another container is refused and
# the ADD leaves nothing; DEL unpublishes.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

make_wan
ip netns add ctr1
ip netns add ctr2
pm='"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"},{"hostPort":9090,"containerPort":90,"protocol":"tcp","hostIP":"192.0.2.1"},{"hostPort":8081,"containerPort":80,"hostIP":"0.0.0.0"},{"hostPort":8082,"containerPort":80,"hostIP":"::"}]}'
conf=$(cni_conf 1.0.0 lan "\"subnet\":\"10.88.0.0/24\",$pm")
cni_ok ADD "$conf" CNI_NETNS=/run/netns/ctr1 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -r '[.[] | "\(.protocol) \(.host_ip):\(.host_port)->\(.target):\(.port)"] | sort | join(", ")')" \
	"tcp 192.0.2.1:9090->10.88.0.2:90, tcp :8080->10.88.0.2:80, tcp :8081->10.88.0.2:80, tcp :8082->10.88.0.2:80, udp :5353->10.88.0.2:53" "publish ls"
start_server ctr1 80
start_server ctr1 90
start_name_server ctr1 53 ctr1 udp
assert_eq "$(tcp_get wan 192.0.2.1 8080)" 192.0.2.2 "client address seen through hostPort 8080"
assert_eq "$(tcp_get wan 192.0.2.1 9090)" 192.0.2.2 "client address seen through hostIP:9090"
for port in 8080 8081 8082; do
	assert_eq "$(tcp_get host 127.0.0.1 "$port")" 10.88.0.1 "client address seen through the host's 127.0.0.1:$port (masqueraded)"
done
if out=$(tcp_get host 127.0.0.1 9090); then fail "127.0.0.1:9090 reaches the container, published on 192.0.2.1 only: $out"; fi
br=$(json "$NSNET" network ls --json | jq -r '.[] | select(.name == "lan") | .bridge')
assert_eq "$(sysctl -n "net.ipv4.conf.$br.route_localnet")" 1 "route_localnet of $br"
for dev in all default lo uplink; do
	assert_eq "$(sysctl -n "net.ipv4.conf.$dev.route_localnet")" 0 "net.ipv4.conf.$dev.route_localnet"
done
assert_eq "$(in_ns wan socat -T2 - UDP:192.0.2.1:5353 </dev/null 2>/dev/null <<EOF2
x
EOF2
)" ctr1 "UDP through hostPort 5353"

# Another container asking for a published port: refused, nothing of it left. (A veth made into
# ctr2 and removed again leaves the kernel's id for ctr2 in ours: give it one now.)
ip netns set ctr2 auto
before=$(snapshot)
cni_err 999 ADD "$(cni_conf 1.0.0 lan '"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80}]}')" \
	CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
assert_match "$(cni_msg)" 'portMappings: host port 8080: .*already published' "message"
assert_unchanged "$before" "state after a refused ADD"

cni_ok DEL "$conf" CNI_NETNS=/run/netns/ctr1 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "publish ls after DEL"
if out=$(tcp_get wan 192.0.2.1 8080); then fail "port 8080 still reaches the container after DEL: $out"; fi
if out=$(tcp_get host 127.0.0.1 8080); then fail "127.0.0.1:8080 still reaches the container after DEL: $out"; fi
# A container with only IPv6: its port on every address targets its IPv6 address.
if [ -d /proc/sys/net/ipv6 ]; then
	conf6=$(cni_conf 1.0.0 lan6 '"subnet":"fd00:66::/64","runtimeConfig":{"portMappings":[{"hostPort":7070,"containerPort":70}]}')
	cni_ok ADD "$conf6" CNI_CONTAINERID=v6 CNI_NETNS=/run/netns/ctr2 >/dev/null
	assert_eq "$(json "$NSNET" publish ls --json | jq -r '.[] | "\(.host_port) \(.target)"')" "7070 fd00:66::2" "IPv6-only port mapping"
	cni_ok DEL "$conf6" CNI_CONTAINERID=v6 >/dev/null
	cni_net_gone lan6
fi
stop_servers
ip netns del ctr1
ip netns del ctr2
cni_net_gone lan
svc_leak_check
