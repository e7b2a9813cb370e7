#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet's network options in CNI configurations: `mtu` on the container interface and the host
# veth; `internal` (the container reaches its gateway but not wan) and `isolate` (two isolated
# networks do not reach each other; a container of one still reaches wan). The main plugin is a
# variable: CNI_MAIN=bridge proves the mtu part and the wan check with the reference bridge; it
# has no `internal` or `isolate`, so those parts are nsnet's only. DEL leaves nothing.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
A=$T_TMP/a.conflist B=$T_TMP/b.conflist
cni_conflist neta "$(cni_main_plugin "$MAIN" cnitest5 10.28.0.0/24 10.28.0.1 | jq -c '. + {mtu: 1400, isolate: true}')" >"$A"
cni_conflist netb "$(cni_main_plugin "$MAIN" cnitest6 10.29.0.0/24 10.29.0.1 | jq -c '. + {internal: true, isolate: true, ipMasq: false}')" >"$B"

make_wan
ip netns add c1
ip netns add c2
cni_add_ok "$A" cid-a /run/netns/c1 eth0 >"$T_TMP/ra.json"
cni_assert_result "$T_TMP/ra.json" /run/netns/c1 eth0
assert_match "$(ip -n c1 -o link show dev eth0)" ' mtu 1400 ' "MTU of eth0 in c1"
veth=$(cni_result_host_veth "$T_TMP/ra.json")
assert_match "$(ip -o link show dev "$veth")" ' mtu 1400 ' "MTU of the host veth $veth"
ping_ok c1 10.28.0.1
ping_ok c1 198.51.100.1

if [ "$MAIN" = nsnet ]; then
	cni_add_ok "$B" cid-b /run/netns/c2 eth0 >"$T_TMP/rb.json"
	cni_assert_result "$T_TMP/rb.json" /run/netns/c2 eth0
	ipb=$(cni_result_ip "$T_TMP/rb.json")
	ping_ok c2 10.29.0.1
	assert_eq "$(default_route c2)" "" "default route in c2 (internal network)"
	ping_fails c2 198.51.100.1
	ping_fails c1 "$ipb"
	ipa=$(cni_result_ip "$T_TMP/ra.json")
	ping_fails c2 "$ipa"
	cni_del_ok "$B" cid-b /run/netns/c2 eth0
	cni_assert_container_gone cid-b "$ipb" "$T_TMP/rb.json"
	# netb's bridge went with its last container; the state dir is judged once neta is gone too.
	ip link show dev cnitest6 >/dev/null 2>&1 && fail "bridge cnitest6 left after the last DEL of netb"
else
	echo "# $MAIN has no internal or isolate: that part runs with nsnet only" >&2
fi

cni_del_ok "$A" cid-a /run/netns/c1 eth0
cni_assert_container_gone cid-a "$(cni_result_ip "$T_TMP/ra.json")" "$T_TMP/ra.json"
ip netns del c1
ip netns del c2
cni_network_cleanup cnitest5
leak_check
