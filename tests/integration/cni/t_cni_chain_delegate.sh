#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet delegating IPAM: "type": "nsnet" with "ipam": {"type": "host-local", ...}. The main
# plugin is a variable (CNI_MAIN=bridge runs the same checks with the reference bridge, which is
# how the harness is proven). Two containers get host-local's addresses, whose leases hold their
# IDs; they reach the gateway, each other and wan. An ADD that fails after the delegate handed
# out an address (a route host-local asks for cannot be installed) returns a CNI error and
# releases that address (the spec: DEL the delegate when ADD fails); the runtime's DEL that
# follows leaves nothing. DEL releases the leases; afterwards no lease, link or rule is left.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN" host-local
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitest2 SUBNET=10.24.0.0/24 GW=10.24.0.1
LIST=$T_TMP/delegate.conflist
# host-local also hands out a route (no gateway given: through the subnet's), which the main
# plugin must install in the container and give back in its result.
good_ipam=$(cni_ipam host-local "$SUBNET" "$GW" | jq -c '.routes += [{dst: "203.0.113.0/24"}]')
cni_conflist delegated "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW" "$good_ipam")" >"$LIST"
LEASES=$CNI_HL_DIR/delegated

make_wan
start_server wan 80
for c in c1 c2 c3; do ip netns add "$c"; done
cni_add_ok "$LIST" cid-one /run/netns/c1 eth0 >"$T_TMP/r1.json"
cni_add_ok "$LIST" cid-two /run/netns/c2 eth0 >"$T_TMP/r2.json"
for c in 1 2; do cni_assert_result "$T_TMP/r$c.json" "/run/netns/c$c" eth0; done
ip1=$(cni_result_ip "$T_TMP/r1.json")
ip2=$(cni_result_ip "$T_TMP/r2.json")
# host-local's leases: one file per address, holding the container ID.
assert_match "$(cat "$LEASES/$ip1")" '^cid-one' "host-local lease of $ip1"
assert_match "$(cat "$LEASES/$ip2")" '^cid-two' "host-local lease of $ip2"
assert_eq "$(jq -r '.ips[0].gateway' "$T_TMP/r1.json")" "$GW" "gateway in the result"
assert_match "$(ip -n c1 route show 203.0.113.0/24)" "^203\.0\.113\.0/24 via $GW dev eth0" "host-local's route in c1"
assert_eq "$(jq -r '[.routes[].dst] | index("203.0.113.0/24") != null' "$T_TMP/r1.json")" true "host-local's route in the result"

ping_ok c1 "$GW"
cni_start_server c1 80
cni_tcp_ok c2 "$ip1" 80 "$ip2"
ping_ok c1 198.51.100.1
cni_tcp_ok c1 198.51.100.1 80 192.0.2.1
stop_servers

# A failing ADD after the delegate's ADD: host-local hands out an address and a route via a
# gateway outside the subnet, which the kernel refuses.
BAD=$T_TMP/bad.conflist
bad_ipam=$(cni_ipam host-local "$SUBNET" "$GW" | jq -c '.routes += [{dst: "203.0.113.0/24", gw: "172.31.255.1"}]')
cni_conflist delegated "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW" "$bad_ipam")" >"$BAD"
if cni_add "$BAD" cid-bad /run/netns/c3 eth0 >/dev/null 2>"$T_TMP/bad.err"; then
	fail "ADD with an impossible route succeeded"
fi
jq -e '(.code | type) == "number" and (.msg | type) == "string"' "$CNI_LOG/error.json" >/dev/null ||
	fail "the failed ADD printed no CNI error: $(cat "$CNI_LOG/error.json")"
# The delegate's address went back at once, not only at the runtime's DEL.
left=$(grep -rlF cid-bad "$LEASES" || true)
[ -z "$left" ] || fail "the failed ADD kept host-local's lease: $left"
if [ "$MAIN" = nsnet ]; then
	# Nothing half-made (the reference bridge leaves its veth to the runtime's DEL).
	[ -z "$(ip -n c3 -o link show dev eth0 2>/dev/null)" ] || fail "the failed ADD left eth0 in c3"
	[ -z "$(ip -o link show master "$BR" 2>/dev/null | grep -v -e "$(cni_result_host_veth "$T_TMP/r1.json")" -e "$(cni_result_host_veth "$T_TMP/r2.json")")" ] ||
		fail "the failed ADD left a port on $BR: $(ip -o link show master "$BR")"
fi
if [ "$MAIN" = nsnet ]; then
	cni_del_ok "$BAD" cid-bad /run/netns/c3 eth0
	[ -z "$(ip -n c3 -o link show dev eth0 2>/dev/null)" ] || fail "eth0 still in c3 after the runtime's DEL"
	ip netns del c3
else
	# The reference bridge (1.1.1) fails this DEL while the namespace exists: it finds the address
	# on eth0 and tries to remove masquerade rules its failed ADD never made. With the namespace
	# gone first, its DEL succeeds.
	ip netns del c3
	cni_del_ok "$BAD" cid-bad /run/netns/c3 eth0
fi
echo "{}" >"$T_TMP/none.json"
cni_assert_container_gone cid-bad "" "$T_TMP/none.json"

# The DELs release the leases; a second DEL is harmless.
for c in 1 2; do
	id=cid-one; [ "$c" = 1 ] || id=cid-two
	cni_del_ok "$LIST" "$id" "/run/netns/c$c" eth0
	cni_del_ok "$LIST" "$id" "/run/netns/c$c" eth0
	cni_assert_container_gone "$id" "$(cni_result_ip "$T_TMP/r$c.json")" "$T_TMP/r$c.json"
done
for c in c1 c2; do ip netns del "$c"; done
cni_network_cleanup "$BR"
leak_check
