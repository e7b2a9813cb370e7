#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI chain MAIN -> reference portmap -> reference bandwidth, run the way libcni runs a conflist
# (each plugin given the previous result; CHECK in order, DEL in reverse with the cached result).
# MAIN is nsnet (CNI_MAIN=bridge runs the same checks with the reference bridge + host-local; that
# is how the harness is proven, see t_cni_chain_reference.sh). Two containers (network namespaces):
# ADD results carry what chained plugins need, bandwidth's qdiscs are in place, CHECK passes, a
# container reaches its gateway, the other container and wan (masqueraded), each published port
# is reached from wan with the client address kept and lands in the right container; DEL of one
# leaves the other working; DEL with the namespace already gone and a second DEL succeed; after
# the DELs no link, rule, chain or lease of the containers is left.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN" portmap bandwidth
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitest0 SUBNET=10.22.0.0/24 GW=10.22.0.1
LIST=$T_TMP/chain.conflist
cni_conflist chain "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW")" \
	'{"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}' \
	'{"type": "bandwidth", "capabilities": {"bandwidth": true}}' >"$LIST"
bw='"bandwidth": {"ingressRate": 100000000, "ingressBurst": 1000000, "egressRate": 100000000, "egressBurst": 1000000}'
RT1='{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}], '$bw'}'
RT2='{"portMappings": [{"hostPort": 8081, "containerPort": 80, "protocol": "tcp"}], '$bw'}'

make_wan
start_server wan 80
ip netns add c1
ip netns add c2
cni_add_ok "$LIST" cid-one /run/netns/c1 eth0 "$RT1" >"$T_TMP/r1.json"
cni_add_ok "$LIST" cid-two /run/netns/c2 eth0 "$RT2" >"$T_TMP/r2.json"
cni_assert_result "$T_TMP/r1.json" /run/netns/c1 eth0
cni_assert_result "$T_TMP/r2.json" /run/netns/c2 eth0
ip1=$(cni_result_ip "$T_TMP/r1.json")
ip2=$(cni_result_ip "$T_TMP/r2.json")
[ -n "$ip1" ] && [ "$ip1" != "$ip2" ] || fail "containers got addresses '$ip1' and '$ip2'"
assert_eq "$(jq -r '.ips[0].gateway' "$T_TMP/r1.json")" "$GW" "gateway in the ADD result"

# bandwidth shaped the host veth (traffic to the container) and added an ifb (traffic from it).
veth1=$(cni_result_host_veth "$T_TMP/r1.json")
assert_match "$(tc qdisc show dev "$veth1")" 'qdisc tbf .* rate 100Mbit' "qdiscs of $veth1"
ifb=$(cni_result_host_links "$T_TMP/r1.json" | grep -vx "$veth1" | head -n 1)
[ -n "$ifb" ] || fail "the bandwidth plugin added no ifb to the result: $(cat "$T_TMP/r1.json")"
assert_match "$(ip -d link show dev "$ifb")" ' ifb ' "type of $ifb"

cni_check_ok "$LIST" cid-one /run/netns/c1 eth0 "$RT1"
cni_check_ok "$LIST" cid-two /run/netns/c2 eth0 "$RT2"

ping_ok c1 "$GW"
cni_start_server c1 80
cni_start_server c2 80
cni_tcp_ok c2 "$ip1" 80 "$ip2"                  # container to container, not masqueraded
ping_ok c1 198.51.100.1
cni_tcp_ok c1 198.51.100.1 80 192.0.2.1        # to wan: masqueraded to the uplink address
cni_tcp_ok wan 192.0.2.1 8080 192.0.2.2        # published, from wan: client address kept
assert_eq "$(tail -n 1 "$T_TMP/server.c1.80.log")" 192.0.2.2 "client seen by c1 through 8080"
cni_tcp_ok wan 192.0.2.1 8081 192.0.2.2
assert_eq "$(tail -n 1 "$T_TMP/server.c2.80.log")" 192.0.2.2 "client seen by c2 through 8081"
n1=$(grep -c 192.0.2.2 "$T_TMP/server.c1.80.log")

# DEL of c1 (namespace still there): its port is gone, c2's still works.
cni_del_ok "$LIST" cid-one /run/netns/c1 eth0 "$RT1"
cni_assert_container_gone cid-one "$ip1" "$T_TMP/r1.json"
[ -z "$(ip -n c1 -o addr show dev eth0 2>/dev/null)" ] || fail "eth0 still in c1 after DEL"
if out=$(tcp_get wan 192.0.2.1 8080); then fail "192.0.2.1:8080 still answers after DEL of c1: $out"; fi
assert_eq "$(grep -c 192.0.2.2 "$T_TMP/server.c1.80.log")" "$n1" "connections c1 saw after its DEL"
cni_tcp_ok wan 192.0.2.1 8081 192.0.2.2

# DEL of c2 after its namespace is gone (the runtime tore the container down first), then again.
# The reference bridge plugin (1.1.1) finds its masquerade rules through the container's
# interface, so a DEL after the namespace is gone leaves them behind (this test catches that):
# with it, the first DEL comes while the namespace exists, the second after.
stop_servers
if [ "$MAIN" = nsnet ]; then
	ip netns del c2
	cni_del_ok "$LIST" cid-two /run/netns/c2 eth0 "$RT2"
else
	cni_del_ok "$LIST" cid-two /run/netns/c2 eth0 "$RT2"
	ip netns del c2
fi
cni_del_ok "$LIST" cid-two /run/netns/c2 eth0 "$RT2"
cni_assert_container_gone cid-two "$ip2" "$T_TMP/r2.json"
ip netns del c1
cni_network_cleanup "$BR"
leak_check
