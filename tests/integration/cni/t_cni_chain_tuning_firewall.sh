#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI chain nsnet -> reference tuning -> reference firewall (iptables backend), run the way
# libcni runs a conflist. tuning sets a sysctl of the container interface from nsnet's result
# (it finds the interface through `interfaces`/`sandbox`); firewall admits the container's address
# in its CNI-FORWARD chain from the result's `ips`. The container reaches its gateway and wan,
# CHECK passes, and after DEL neither plugin's rules nor nsnet's objects are left.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN" tuning firewall
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitest7 SUBNET=10.31.0.0/24 GW=10.31.0.1
LIST=$T_TMP/tf.conflist
cni_conflist tf "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW")" \
	'{"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.accept_local": "1"}}' \
	'{"type": "firewall", "backend": "iptables"}' >"$LIST"

make_wan
start_server wan 80
ip netns add c1
cni_add_ok "$LIST" cid-tf /run/netns/c1 eth0 >"$T_TMP/r1.json"
cni_assert_result "$T_TMP/r1.json" /run/netns/c1 eth0
ip1=$(cni_result_ip "$T_TMP/r1.json")
assert_eq "$(ip netns exec c1 sysctl -n net.ipv4.conf.eth0.accept_local)" 1 "tuning's sysctl in the container"
iptables-save -t filter | grep -q -- "$ip1" || fail "the firewall plugin has no rule for $ip1"
cni_check_ok "$LIST" cid-tf /run/netns/c1 eth0
ping_ok c1 "$GW"
cni_tcp_ok c1 198.51.100.1 80 192.0.2.1

cni_del_ok "$LIST" cid-tf /run/netns/c1 eth0
iptables-save -t filter | grep -q -- "$ip1" && fail "the firewall plugin's rules for $ip1 are left after DEL"
cni_assert_container_gone cid-tf "$ip1" "$T_TMP/r1.json"
ip netns del c1
stop_servers
# The firewall plugin keeps its shared (then empty) CNI-FORWARD and CNI-ADMIN chains by design.
CNI_SHARED_CHAINS="$CNI_SHARED_CHAINS CNI-FORWARD CNI-ADMIN"
cni_network_cleanup "$BR"
leak_check
