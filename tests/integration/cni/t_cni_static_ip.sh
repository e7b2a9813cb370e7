#!/bin/sh
# SPDX-License-Identifier: MIT
# Static addresses and MACs for CNI containers: runtimeConfig.ips (the "ips" capability),
# args.cni.ips, CNI_ARGS IP= (one per family, dual-stack), runtimeConfig.mac and CNI_ARGS MAC=;
# the kernel and the result show them; a taken address or one outside the subnet is refused
# without leaving anything; after DEL the address is free again.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"
need_ipv6

for n in 1 2 3 4 5; do
	ip netns add "ctr$n"
done
base='"ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd00:88::/64"}]]'
cni_ok ADD "$(cni_conf 1.0.0 lan "$base,\"runtimeConfig\":{\"ips\":[\"10.88.0.50/24\",\"fd00:88::50/64\"],\"mac\":\"02:aa:bb:cc:dd:01\"}")" \
	CNI_CONTAINERID=rt CNI_NETNS=/run/netns/ctr1 >"$T_TMP/r1.json"
assert_eq "$(jq -r '[.ips[].address] | join(" ")' "$T_TMP/r1.json")" "10.88.0.50/24 fd00:88::50/64" "runtimeConfig.ips result"
assert_eq "$(jq -r '.interfaces[1].mac' "$T_TMP/r1.json")" 02:aa:bb:cc:dd:01 "runtimeConfig.mac result"
assert_match "$(ip -n ctr1 -o link show eth0)" 'link/ether 02:aa:bb:cc:dd:01' "MAC in the kernel"
assert_match "$(ip -n ctr1 -o addr show eth0)" 'inet 10\.88\.0\.50/24' "IPv4 address in the kernel"
assert_match "$(ip -n ctr1 -o addr show eth0)" 'inet6 fd00:88::50/64' "IPv6 address in the kernel"
assert_eq "$(jq -r '[.routes[].dst] | join(" ")' "$T_TMP/r1.json")" "0.0.0.0/0 ::/0" "routes of a dual-stack result"

cni_ok ADD "$(cni_conf 0.4.0 lan "$base,\"args\":{\"cni\":{\"ips\":[\"10.88.0.60\"]}}")" \
	CNI_CONTAINERID=args CNI_NETNS=/run/netns/ctr2 >"$T_TMP/r2.json"
assert_eq "$(jq -r '[.ips[].address] | join(" ")' "$T_TMP/r2.json")" "10.88.0.60/24 fd00:88::2/64" "args.cni.ips result (IPv6 picked)"

cni_ok ADD "$(cni_conf 0.3.1 lan "$base")" CNI_CONTAINERID=env CNI_NETNS=/run/netns/ctr3 \
	CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.88.0.70,fd00:88::70;MAC=02:aa:bb:cc:dd:03' >"$T_TMP/r3.json"
assert_eq "$(jq -r '[.ips[] | "\(.version) \(.address)"] | join(", ")' "$T_TMP/r3.json")" "4 10.88.0.70/24, 6 fd00:88::70/64" "CNI_ARGS IP result"
assert_match "$(ip -n ctr3 -o link show eth0)" 'link/ether 02:aa:bb:cc:dd:03' "CNI_ARGS MAC in the kernel"
ping_ok ctr3 10.88.0.50
ping_ok ctr3 fd00:88::50

# Refused, leaving nothing: a taken address, one outside the subnet, the gateway, a family the
# network lacks, a multicast MAC.
before=$(snapshot)
cni_err 999 ADD "$(cni_conf 1.0.0 lan "$base,\"runtimeConfig\":{\"ips\":[\"10.88.0.50/24\"]}")" CNI_CONTAINERID=x CNI_NETNS=/run/netns/ctr4
assert_match "$(cni_msg)" '10.88.0.50 is already in use' "message"
cni_err 7 ADD "$(cni_conf 1.0.0 lan "$base")" CNI_CONTAINERID=x CNI_NETNS=/run/netns/ctr4 CNI_ARGS='IP=10.99.0.5'
assert_match "$(cni_msg)" '10.99.0.5 is outside subnet 10.88.0.0/24' "message"
cni_err 999 ADD "$(cni_conf 1.0.0 lan "$base")" CNI_CONTAINERID=x CNI_NETNS=/run/netns/ctr4 CNI_ARGS='IP=10.88.0.1'
cni_err 7 ADD "$(cni_conf 1.0.0 lan "$base,\"runtimeConfig\":{\"mac\":\"01:00:5e:00:00:01\"}")" CNI_CONTAINERID=x CNI_NETNS=/run/netns/ctr4
assert_unchanged "$before" "state after refused ADDs"

# After DEL the address is free for another container.
cni_ok DEL "$(cni_conf 1.0.0 lan "$base")" CNI_CONTAINERID=rt >/dev/null
cni_ok ADD "$(cni_conf 1.0.0 lan "$base")" CNI_CONTAINERID=y CNI_NETNS=/run/netns/ctr5 CNI_ARGS='IP=10.88.0.50' >/dev/null
for id in args env y; do
	cni_ok DEL "$(cni_conf 1.0.0 lan "$base")" CNI_CONTAINERID=$id >/dev/null
done
cni_net_gone lan
for n in 1 2 3 4 5; do
	ip netns del "ctr$n"
done
