#!/bin/sh
# SPDX-License-Identifier: MIT
# Baseline for bench/attach: attaching a namespace to a bridge with the plain commands a person would type.
# Usage (inside a sandbox; bench/attach drives it):
#   attach-ip.sh setup            bridge ipbench with 10.1.0.1/16, forwarding, masquerade (not timed)
#   attach-ip.sh add NS INDEX     namespace NS on the bridge with address 10.1.0.0 + INDEX + 1
#   attach-ip.sh rm NS            delete it (the kernel removes the veth along with the namespace)
#   attach-ip.sh rmveth NS INDEX  delete it the way tutorials do: the veth first, then the namespace
#   attach-ip.sh teardown
set -eu
BR=ipbench
case ${1:-} in
setup)
	ip link add $BR type bridge
	ip addr add 10.1.0.1/16 dev $BR
	ip link set $BR up
	sysctl -qw net.ipv4.ip_forward=1
	nft add table ip ipbench
	nft add chain ip ipbench postrouting '{ type nat hook postrouting priority srcnat; }'
	nft add rule ip ipbench postrouting ip saddr 10.1.0.0/16 ip daddr != 10.1.0.0/16 masquerade
	;;
add)
	ns=$2 n=$(($3 + 1))
	ip netns add "$ns"
	ip link add "ipv$3" type veth peer name eth0 netns "$ns"
	ip link set "ipv$3" master $BR up
	ip -n "$ns" addr add "10.1.$((n / 256)).$((n % 256))/16" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" route add default via 10.1.0.1
	mkdir -p "/etc/netns/$ns"
	grep '^nameserver' /etc/resolv.conf | grep -v ' 127\.' >"/etc/netns/$ns/resolv.conf" || true
	;;
rm)
	ip netns del "$2"
	rm -rf "/etc/netns/$2"
	;;
rmveth)
	ip link del "ipv$3"
	ip netns del "$2"
	rm -rf "/etc/netns/$2"
	;;
teardown)
	nft delete table ip ipbench 2>/dev/null || true
	ip link del $BR 2>/dev/null || true
	;;
*)
	echo "usage: $0 setup | add NS INDEX | rm NS | rmveth NS INDEX | teardown" >&2
	exit 2
	;;
esac
