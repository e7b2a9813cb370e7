#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet's runtime capabilities, alone in its conflist: portMappings (TCP and UDP, published on the
# host and reached from wan, and by the container itself with hairpinMode), ips (a static
# address), mac, dns (in the result). The main plugin is a variable: CNI_MAIN=bridge runs the same checks with the reference bridge (mac, ips handed to
# host-local) followed by the reference portmap, which is how the harness is proven; the reference
# bridge does not answer the dns capability, so that check is nsnet's only. DEL removes the
# published ports and leaves nothing.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local portmap
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitest3 SUBNET=10.26.0.0/24 GW=10.26.0.1
LIST=$T_TMP/caps.conflist
if [ "$MAIN" = nsnet ]; then
	cni_conflist caps "$(cni_main_plugin nsnet "$BR" "$SUBNET" "$GW" |
		jq -c '. + {hairpinMode: true, capabilities: {portMappings: true, ips: true, mac: true, dns: true}}')"
else
	cni_conflist caps "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW" |
		jq -c '. + {hairpinMode: true, capabilities: {ips: true, mac: true}}')" \
		'{"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}'
fi >"$LIST"
MAC=02:00:5e:26:00:32
RT='{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
                      {"hostPort": 5353, "containerPort": 53, "protocol": "udp"}],
     "ips": ["10.26.0.50/24"], "mac": "'$MAC'",
     "dns": {"servers": ["192.0.2.53"], "searches": ["example.test"]}}'
RT=$(printf '%s' "$RT" | jq -c .)

make_wan
ip netns add c1
cni_add_ok "$LIST" cid-caps /run/netns/c1 eth0 "$RT" >"$T_TMP/r1.json"
cni_assert_result "$T_TMP/r1.json" /run/netns/c1 eth0
assert_eq "$(cni_result_ip "$T_TMP/r1.json")" 10.26.0.50 "address asked for with the ips capability"
assert_match "$(ip -n c1 -o addr show dev eth0)" ' 10\.26\.0\.50/24 ' "address of eth0 in c1"
assert_eq "$(ip -n c1 -o link show dev eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" "$MAC" "MAC of eth0 in c1"
assert_eq "$(jq -r --arg s /run/netns/c1 '.interfaces[] | select(.sandbox == $s) | .mac' "$T_TMP/r1.json")" "$MAC" \
	"MAC of the container interface in the result"
if [ "$MAIN" = nsnet ]; then
	assert_eq "$(jq -c '.dns.nameservers' "$T_TMP/r1.json")" '["192.0.2.53"]' "dns.nameservers in the result"
fi

ping_ok c1 "$GW"
cni_start_server c1 80
ip netns exec c1 python3 -c "$NAME_SERVER_PY" 53 c1 udp >"$T_TMP/udp.log" 2>&1 </dev/null &
track_pid $!
wait_until 5 udp_bound c1 53 || fail "nothing bound to UDP port 53 in c1"
cni_tcp_ok wan 192.0.2.1 8080 192.0.2.2
# Hairpin: the container reaches its own published port through the host's address.
wait_until 5 tcp_get c1 192.0.2.1 8080 || fail "c1 does not reach its own published port 192.0.2.1:8080"
udp_ask() { [ "$(printf 'q\n' | ip netns exec wan socat -T2 - UDP:192.0.2.1:5353 2>/dev/null)" = c1 ]; }
wait_until 5 udp_ask || fail "UDP 192.0.2.1:5353 from wan does not reach c1"

stop_servers
cni_del_ok "$LIST" cid-caps /run/netns/c1 eth0 "$RT"
cni_assert_container_gone cid-caps 10.26.0.50 "$T_TMP/r1.json"
if out=$(tcp_get wan 192.0.2.1 8080); then fail "192.0.2.1:8080 still answers after DEL: $out"; fi
ip netns del c1
cni_network_cleanup "$BR"
leak_check
