#!/bin/sh
# SPDX-License-Identifier: MIT
# The CNI bandwidth capability (runtimeConfig.bandwidth: ingressRate/egressRate in bits per second,
# bursts in bits) handled by nsnet itself: real traffic between the container and the host is
# shaped within 20% of each rate (iperf3, 2 s), `nsnet ls` shows the limits, check agrees, DEL
# leaves nothing; bad values are CNI errors (code 7). CNI_MAIN=bridge runs the same traffic checks
# with the reference bridge followed by the reference bandwidth plugin (an ifb device), which is
# how the harness is proven.
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
# serial: measures shaped rates with iperf3; other tests running at once would skew them
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

command -v iperf3 >/dev/null 2>&1 || skip "iperf3 is not installed (tests/deps.sh installs it)"
MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local bandwidth
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitestbw SUBNET=10.27.0.0/24 GW=10.27.0.1
LIST=$T_TMP/bw.conflist
if [ "$MAIN" = nsnet ]; then
	cni_conflist bw "$(cni_main_plugin nsnet "$BR" "$SUBNET" "$GW" | jq -c '. + {capabilities: {bandwidth: true}}')"
else
	cni_conflist bw "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW")" \
		'{"type": "bandwidth", "capabilities": {"bandwidth": true}}'
fi >"$LIST"
RT='{"bandwidth": {"ingressRate": 8000000, "ingressBurst": 262144, "egressRate": 4000000, "egressBurst": 262144}}'

ip netns add c1
cni_add_ok "$LIST" cid-bw /run/netns/c1 eth0 "$RT" >"$T_TMP/r1.json"
cni_assert_result "$T_TMP/r1.json" /run/netns/c1 eth0
# A runtime passes no NSNET_BACKEND (cni_exec runs plugins with a clean environment): nor do these.
if [ "$MAIN" = nsnet ]; then
	assert_eq "$(env -u NSNET_BACKEND "$NSNET" ls --json | jq -c '.namespaces[] | select(.cni.container_id == "cid-bw") | .attachments[0].limit')" \
		'{"rate_in":8000000,"burst_in":32768,"rate_out":4000000,"burst_out":32768}' "limit of the container in ls --json"
	assert_match "$(ip netns exec c1 tc qdisc show dev eth0 root)" 'tbf .*rate 4Mbit burst 32Kb' "qdisc of eth0 in c1"
	run_ok env -u NSNET_BACKEND "$NSNET" check >/dev/null
fi

iperf_server host "$GW"
iperf_near "container -> host (egress)" "$(iperf_rate c1 "$GW")" 4000000
iperf_near "host -> container (ingress)" "$(iperf_rate c1 "$GW" -R)" 8000000
stop_servers

cni_del_ok "$LIST" cid-bw /run/netns/c1 eth0 "$RT"
cni_assert_container_gone cid-bw "$(cni_result_ip "$T_TMP/r1.json")" "$T_TMP/r1.json"

if [ "$MAIN" = nsnet ]; then
	# Bad values: a CNI error naming the key and value, nothing left behind.
	for bad in '{"ingressRate": 10}' '{"egressRate": "fast"}' '{"egressBurst": 262144}' '{"ingressRate": -1}'; do
		printf '{"bandwidth": %s}' "$bad" >"$T_TMP/rt.json"
		if cni_add "$LIST" cid-bad /run/netns/c1 eth0 "$(cat "$T_TMP/rt.json")" >/dev/null 2>&1; then
			fail "ADD with bandwidth $bad succeeded"
		fi
		assert_eq "$(jq -r .code "$CNI_LOG/error.json")" 7 "CNI error code for bandwidth $bad"
		assert_match "$(jq -r .msg "$CNI_LOG/error.json")" '^runtimeConfig\.bandwidth\.(ingressRate|egressRate|egressBurst)' \
			"CNI error message for bandwidth $bad"
	done
fi
ip netns del c1
cni_network_cleanup "$BR"
leak_check
