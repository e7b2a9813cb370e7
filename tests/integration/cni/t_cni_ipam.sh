#!/bin/sh
# SPDX-License-Identifier: MIT
# IPAM: nsnet as an IPAM plugin ("ipam": {"type": "nsnet"} under another plugin): IPAM results
# per version (no interface index), the same address for a repeated ADD, CHECK, DEL, GC with a
# partial list, STATUS when full, pools removed with their last lease; under the reference
# bridge plugin when it is installed. And nsnet delegating to host-local: the address comes from
# host-local, DEL releases it there, and an ADD that fails after host-local's ADD runs its DEL.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ipam_conf() { # VERSION [EXTRA IPAM MEMBERS]
	printf '{"cniVersion":"%s","name":"brnet","type":"bridge","bridge":"cni0","ipam":{"type":"nsnet","subnet":"10.77.0.0/29","routes":[{"dst":"0.0.0.0/0"}]%s}}' "$1" "${2:+,$2}"
}
cni_ok ADD "$(ipam_conf 0.3.1)" CNI_CONTAINERID=a CNI_NETNS=/proc/self/ns/net >"$T_TMP/a.json"
assert_eq "$(jq -c . "$T_TMP/a.json")" \
	'{"cniVersion":"0.3.1","ips":[{"address":"10.77.0.2/29","version":"4","gateway":"10.77.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}' \
	"IPAM result 0.3.1"
cni_ok ADD "$(ipam_conf 1.0.0)" CNI_CONTAINERID=b CNI_NETNS=/proc/self/ns/net >"$T_TMP/b.json"
assert_eq "$(jq -c '.ips' "$T_TMP/b.json")" '[{"address":"10.77.0.3/29","gateway":"10.77.0.1"}]' "IPAM result 1.0.0"
cni_ok ADD "$(ipam_conf 1.0.0)" CNI_CONTAINERID=b CNI_NETNS=/proc/self/ns/net >"$T_TMP/b2.json"
assert_eq "$(jq -c '.ips' "$T_TMP/b2.json")" "$(jq -c '.ips' "$T_TMP/b.json")" "a repeated ADD"
cni_ok ADD "$(ipam_conf 1.1.0)" CNI_CONTAINERID=a CNI_IFNAME=net1 CNI_NETNS=/proc/self/ns/net CNI_ARGS='IP=10.77.0.6' >"$T_TMP/c.json"
assert_eq "$(jq -r '.ips[0].address' "$T_TMP/c.json")" 10.77.0.6/29 "static address through CNI_ARGS"
assert_eq "$(jq -r '[.leases[] | "\(.container_id)/\(.ifname)=\(.address)"] | join(" ")' "$STATE_DIR/pools/brnet.json")" \
	"a/eth0=10.77.0.2 b/eth0=10.77.0.3 a/net1=10.77.0.6" "pool record"
# nsnet ls shows the pool and its leases (there is no network or namespace of nsnet's here).
assert_eq "$(json "$NSNET" ls --json | jq -c '[.pools[] | [.name, .subnets, [.leases[] | .address]]]')" \
	'[["brnet",["10.77.0.0/29"],["10.77.0.2","10.77.0.3","10.77.0.6"]]]' "pools in ls --json"
out=$(run_ok "$NSNET" ls)
assert_match "$out" 'brnet  10\.77\.0\.0/29  3 leases' "pools in ls"
assert_match "$out" '10\.77\.0\.6  container a  net1' "a pool lease in ls"
cni_ok CHECK "$(ipam_conf 0.4.0)" CNI_CONTAINERID=a CNI_NETNS=/proc/self/ns/net >/dev/null
cni_err 3 CHECK "$(ipam_conf 0.4.0)" CNI_CONTAINERID=zz CNI_NETNS=/proc/self/ns/net
cni_err 7 ADD "$(printf '%s' "$(ipam_conf 1.0.0)" | sed 's|10.77.0.0/29|10.78.0.0/29|')" CNI_CONTAINERID=d CNI_NETNS=/proc/self/ns/net
assert_match "$(cni_msg)" 'conflicting configuration: pool brnet' "message"
cni_ok ADD "$(ipam_conf 1.1.0)" CNI_CONTAINERID=d CNI_NETNS=/proc/self/ns/net >/dev/null
cni_ok ADD "$(ipam_conf 1.1.0)" CNI_CONTAINERID=e CNI_NETNS=/proc/self/ns/net >/dev/null
# 10.77.0.0/29: .2-.6 for hosts, all taken now.
cni_err 50 STATUS "$(ipam_conf 1.1.0)"
cni_err 999 ADD "$(ipam_conf 1.1.0)" CNI_CONTAINERID=f CNI_NETNS=/proc/self/ns/net
assert_match "$(cni_msg)" 'full' "message"
cni_ok GC "$(ipam_conf 1.1.0 | jq -c '. + {"cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"},{"containerID":"e","ifname":"eth0"}]}')" >/dev/null
assert_eq "$(jq -r '[.leases[] | "\(.container_id)/\(.ifname)"] | join(" ")' "$STATE_DIR/pools/brnet.json")" "a/eth0 e/eth0" "pool after GC"
cni_ok STATUS "$(ipam_conf 1.1.0)" >/dev/null
for id in a e x; do
	cni_ok DEL "$(ipam_conf 1.0.0)" CNI_CONTAINERID=$id >/dev/null
done
[ ! -e "$STATE_DIR/pools/brnet.json" ] || fail "pool left after its last DEL: $(cat "$STATE_DIR/pools/brnet.json")"
assert_eq "$(json "$NSNET" ls --json | jq -c '.pools')" '[]' "pools in ls --json after the last DEL"

if [ -n "${CNI_BIN_DIR_REF:-}" ] && [ -x "$CNI_BIN_DIR_REF/bridge" ] && [ -x "$CNI_BIN_DIR_REF/host-local" ]; then
	# Under the reference bridge plugin.
	ip netns add ctr1
	conf='{"cniVersion":"1.0.0","name":"brnet","type":"bridge","bridge":"cni0","isGateway":true,"ipam":{"type":"nsnet","subnet":"10.77.0.0/24"}}'
	printf '%s' "$conf" | CNI_COMMAND=ADD CNI_CONTAINERID=r1 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/ctr1 CNI_PATH="$CNI_PATH_ALL" \
		"$CNI_BIN_DIR_REF/bridge" >"$T_TMP/br.json" 2>&1 || fail "bridge with nsnet IPAM: $(cat "$T_TMP/br.json")"
	assert_eq "$(jq -r '.ips[0].address' "$T_TMP/br.json")" 10.77.0.2/24 "address from the bridge plugin"
	assert_match "$(ip -n ctr1 -o -4 addr show eth0)" 'inet 10\.77\.0\.2/24' "address in the container"
	ping_ok ctr1 10.77.0.1
	printf '%s' "$conf" | CNI_COMMAND=DEL CNI_CONTAINERID=r1 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/ctr1 CNI_PATH="$CNI_PATH_ALL" \
		"$CNI_BIN_DIR_REF/bridge" >"$T_TMP/br.out" 2>&1 || fail "bridge DEL: $(cat "$T_TMP/br.out")"
	[ ! -e "$STATE_DIR/pools/brnet.json" ] || fail "pool left after the bridge's DEL"
	ip link del cni0
	ip netns del ctr1

	# nsnet delegating to host-local.
	ip netns add ctr2
	ip netns add ctr3
	hl() { cni_conf 1.0.0 "$1" "\"bridge\":\"$2\",\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.66.0.0/24\",\"dataDir\":\"$T_TMP/hl\"}"; }
	cni_ok ADD "$(hl hlnet nsnet-hl)" CNI_CONTAINERID=h1 CNI_NETNS=/run/netns/ctr2 >"$T_TMP/h1.json"
	assert_eq "$(jq -r '.ips[0].address' "$T_TMP/h1.json")" 10.66.0.2/24 "address from host-local"
	assert_eq "$(jq -r '.interfaces[1].sandbox' "$T_TMP/h1.json")" /run/netns/ctr2 "sandbox"
	[ -e "$T_TMP/hl/hlnet/10.66.0.2" ] || fail "host-local has no lease file for 10.66.0.2"
	ping_ok ctr2 10.66.0.1
	assert_eq "$(json "$NSNET" network ls --json | jq -r '.[] | select(.name == "hlnet") | .subnets[0]')" 10.66.0.0/24 \
		"network subnet taken from the host-local result"
	# Fails after host-local's ADD (the bridge conflicts): host-local's DEL runs, its lease goes.
	cni_err 7 ADD "$(hl hlnet other0)" CNI_CONTAINERID=h2 CNI_NETNS=/run/netns/ctr3
	[ ! -e "$T_TMP/hl/hlnet/10.66.0.3" ] || fail "host-local's lease of the failed ADD is left"
	cni_ok CHECK "$(hl hlnet nsnet-hl)" CNI_CONTAINERID=h1 CNI_NETNS=/run/netns/ctr2 >/dev/null
	cni_ok DEL "$(hl hlnet nsnet-hl)" CNI_CONTAINERID=h1 CNI_NETNS=/run/netns/ctr2 >/dev/null
	[ ! -e "$T_TMP/hl/hlnet/10.66.0.2" ] || fail "host-local's lease left after DEL"
	cni_ok DEL "$(hl hlnet nsnet-hl)" CNI_CONTAINERID=h1 CNI_NETNS=/run/netns/ctr2 >/dev/null
	ip netns del ctr2
	ip netns del ctr3
	cni_net_gone hlnet
else
	echo "reference bridge/host-local plugins not installed: only nsnet's own IPAM was tested" >&2
fi
