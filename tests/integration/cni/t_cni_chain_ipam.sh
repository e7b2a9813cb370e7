#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet as an IPAM plugin under the reference bridge: "ipam": {"type": "nsnet", ...}. IPAM is a
# variable (CNI_IPAM=host-local runs the same checks with the reference IPAM, which is how the
# harness is proven). Three containers: addresses come from the subnet, distinct, with the
# gateway and default route the IPAM section asked for; a static address through CNI_ARGS IP=
# is honoured; a container reaches its gateway, another container and wan; each lease is
# recorded with the container's ID; DEL releases it (the address is handed out again), and
# after the DELs no lease, link or rule is left.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

IPAM=${CNI_IPAM:-nsnet}
cni_need bridge "$IPAM"
BR=cnitest1 SUBNET=10.23.0.0/24 GW=10.23.0.1
LIST=$T_TMP/ipam.conflist
cni_conflist ipamnet "$(cni_main_plugin bridge "$BR" "$SUBNET" "$GW" "$(cni_ipam "$IPAM" "$SUBNET" "$GW")")" >"$LIST"

# lease_of CONTAINERID: the IPAM's record of the container's lease exists (host-local: a file in
# its dataDir holding the ID; nsnet: a record in its state dir naming the ID).
lease_of() {
	if [ "$IPAM" = host-local ]; then grep -rlF "$1" "$CNI_HL_DIR"; else grep -rlF "$1" "$STATE_DIR"; fi
}

make_wan
start_server wan 80
for c in c1 c2 c3; do ip netns add "$c"; done
cni_add_ok "$LIST" cid-one /run/netns/c1 eth0 >"$T_TMP/r1.json"
cni_add_ok "$LIST" cid-two /run/netns/c2 eth0 >"$T_TMP/r2.json"
cni_add_ok "$LIST" cid-three /run/netns/c3 eth0 "" "IgnoreUnknown=1;IP=10.23.0.50" >"$T_TMP/r3.json"
for c in 1 2 3; do cni_assert_result "$T_TMP/r$c.json" "/run/netns/c$c" eth0; done
ip1=$(cni_result_ip "$T_TMP/r1.json")
ip2=$(cni_result_ip "$T_TMP/r2.json")
assert_eq "$(cni_result_ip "$T_TMP/r3.json")" 10.23.0.50 "address asked for with CNI_ARGS IP="
case $ip1 in 10.23.0.*) ;; *) fail "c1 got $ip1, not an address of $SUBNET" ;; esac
case $ip2 in 10.23.0.*) ;; *) fail "c2 got $ip2, not an address of $SUBNET" ;; esac
[ "$ip1" != "$ip2" ] && [ "$ip1" != "$GW" ] && [ "$ip2" != "$GW" ] || fail "addresses $ip1, $ip2 (gateway $GW)"
assert_eq "$(jq -r '.ips[0].address' "$T_TMP/r1.json")" "$ip1/24" "prefix length in the result"
assert_eq "$(jq -r '.ips[0].gateway' "$T_TMP/r1.json")" "$GW" "gateway in the result"
assert_eq "$(default_route c1)" "$GW eth0" "default route in c1"
for c in cid-one cid-two cid-three; do lease_of "$c" >/dev/null || fail "no lease recorded for $c by $IPAM"; done

ping_ok c1 "$GW"
cni_start_server c1 80
cni_tcp_ok c2 "$ip1" 80 "$ip2"
cni_tcp_ok c3 "$ip1" 80 10.23.0.50
ping_ok c2 198.51.100.1
cni_tcp_ok c2 198.51.100.1 80 192.0.2.1
stop_servers

# DEL releases the lease: c1's address is free again, and a static request for it succeeds.
cni_del_ok "$LIST" cid-one /run/netns/c1 eth0
cni_assert_container_gone cid-one "$ip1" "$T_TMP/r1.json"
cni_add_ok "$LIST" cid-four /run/netns/c1 eth0 "" "IgnoreUnknown=1;IP=$ip1" >"$T_TMP/r4.json"
assert_eq "$(cni_result_ip "$T_TMP/r4.json")" "$ip1" "c1's released address given to the next container"

# del_twice CONTAINERID NETNS RESULT: DEL, DEL again (idempotent), nothing of it left.
del_twice() {
	cni_del_ok "$LIST" "$1" "/run/netns/$2" eth0
	cni_del_ok "$LIST" "$1" "/run/netns/$2" eth0
	cni_assert_container_gone "$1" "$(cni_result_ip "$3")" "$3"
}
del_twice cid-two c2 "$T_TMP/r2.json"
del_twice cid-three c3 "$T_TMP/r3.json"
del_twice cid-four c1 "$T_TMP/r4.json"
for c in c1 c2 c3; do ip netns del "$c"; done
cni_network_cleanup "$BR"
leak_check
