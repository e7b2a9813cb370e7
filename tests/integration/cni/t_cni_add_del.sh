#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI ADD, CHECK and DEL for every supported spec version: the result has the version's format
# (ips "version" up to 0.4.0, "interface" pointing at the container's entry, which carries the
# sandbox path and the MAC the kernel shows), the container reaches its gateway and a neighbour,
# nsnet ls/check/gc see the attachment, DEL twice succeeds, and nothing is left.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ip netns add peer
i=0
for v in 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
	i=$((i + 1))
	ns=ctr$i
	ip netns add "$ns"
	conf=$(cni_conf "$v" lan '"subnet":"10.88.0.0/24","dns":{"nameservers":["192.0.2.53"]}')
	cni_ok ADD "$conf" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns" >"$T_TMP/res.json"
	res=$(cat "$T_TMP/res.json")
	assert_eq "$(jq -r .cniVersion "$T_TMP/res.json")" "$v" "cniVersion of the $v result"
	assert_eq "$(jq -r '.interfaces | length' "$T_TMP/res.json")" 2 "interfaces ($v)"
	assert_eq "$(jq -r '.interfaces[0].sandbox // "none"' "$T_TMP/res.json")" none "host interface has no sandbox ($v)"
	assert_eq "$(jq -r '.interfaces[1].sandbox' "$T_TMP/res.json")" "/run/netns/$ns" "container interface sandbox ($v)"
	assert_eq "$(jq -r '.interfaces[1].name' "$T_TMP/res.json")" eth0 "container interface name ($v)"
	assert_eq "$(jq -r '.ips[0].interface' "$T_TMP/res.json")" 1 "ips[0].interface ($v)"
	assert_eq "$(jq -r '.ips[0].address' "$T_TMP/res.json")" "10.88.0.$((i + 1))/24" "address ($v)"
	assert_eq "$(jq -r '.ips[0].gateway' "$T_TMP/res.json")" 10.88.0.1 "gateway ($v)"
	assert_eq "$(jq -c '.routes' "$T_TMP/res.json")" '[{"dst":"0.0.0.0/0","gw":"10.88.0.1"}]' "routes ($v)"
	assert_eq "$(jq -c '.dns' "$T_TMP/res.json")" '{"nameservers":["192.0.2.53"]}' "dns ($v)"
	case $v in
	0.*) assert_eq "$(jq -r '.ips[0].version' "$T_TMP/res.json")" 4 "ips[0].version ($v)" ;;
	*) assert_eq "$(jq -r '.ips[0] | has("version")' "$T_TMP/res.json")" false "no ips[0].version in $v" ;;
	esac
	# The MACs and names are the kernel's.
	host=$(jq -r '.interfaces[0].name' "$T_TMP/res.json")
	assert_eq "$(jq -r '.interfaces[0].mac' "$T_TMP/res.json")" "$(cat "/sys/class/net/$host/address")" "host MAC ($v)"
	assert_eq "$(jq -r '.interfaces[1].mac' "$T_TMP/res.json")" \
		"$(ip -n "$ns" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" "container MAC ($v)"
	assert_eq "$(ip -o link show "$host" | sed -n 's/.* master \([^ ]*\) .*/\1/p')" nsnet-lan "host end's bridge ($v)"
	ping_ok "$ns" 10.88.0.1
	assert_eq "$(default_route "$ns")" "10.88.0.1 eth0" "default route ($v)"
	case $v in
	0.3.*) ;;
	*)
		cni_ok CHECK "$conf" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns" >/dev/null
		# With the ADD's result as prevResult, as runtimes send it; then with one that differs.
		prev=$(printf '%s' "$conf" | jq -c --slurpfile r "$T_TMP/res.json" '. + {prevResult: $r[0]}')
		cni_ok CHECK "$prev" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns" >/dev/null
		bad=$(printf '%s' "$prev" | jq -c '.prevResult.ips[0].address = "10.88.0.99/24"')
		cni_err 999 CHECK "$bad" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns"
		assert_match "$(cni_msg)" 'prevResult: address 10.88.0.99/24 of eth0 is not the one nsnet leased' "CHECK message ($v)"
		bad=$(printf '%s' "$prev" | jq -c '.prevResult.interfaces[1].mac = "02:00:00:00:00:99"')
		cni_err 999 CHECK "$bad" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns"
		# A route the namespace does not have (t_cni_check has the kernel-side cases).
		bad=$(printf '%s' "$prev" | jq -c '.prevResult.routes += [{"dst":"198.51.100.0/24","gw":"10.88.0.1"}]')
		cni_err 999 CHECK "$bad" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/$ns"
		assert_match "$(cni_msg)" "prevResult: route 198\.51\.100\.0/24 via 10\.88\.0\.1 is not in the container's namespace" \
			"CHECK message, extra route ($v)"
		;;
	esac
	[ -z "$res" ] && fail "empty result"
done
ping_ok ctr1 10.88.0.6

# ls shows the CNI attachments with their container IDs; check agrees; gc keeps them, although
# their namespaces are no names nsnet made.
json "$NSNET" ls --json >"$T_TMP/ls.json"
assert_eq "$(jq -r '[.namespaces[] | select(.cni) | .cni.container_id] | sort | join(" ")' "$T_TMP/ls.json")" \
	"id-0.3.0 id-0.3.1 id-0.4.0 id-1.0.0 id-1.1.0" "container IDs in ls --json"
assert_eq "$(jq -r '[.namespaces[] | select(.cni) | .exists] | unique | join(" ")' "$T_TMP/ls.json")" true "exists in ls --json"
run_ok "$NSNET" check >/dev/null
assert_eq "$(run_ok "$NSNET" gc)" "gc: nothing to do" "gc output with live CNI attachments"
ping_ok ctr5 10.88.0.2

# CHECK sees a container interface set down, and a namespace that is not the one of the ADD.
ip -n ctr2 link set eth0 down
cni_err 999 CHECK "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')" CNI_CONTAINERID=id-0.3.1 CNI_NETNS=/run/netns/ctr2
assert_match "$(cni_msg)" 'eth0 is missing, down' "CHECK message"
cni_err 999 CHECK "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')" CNI_CONTAINERID=id-0.3.1 CNI_NETNS=/run/netns/ctr3
assert_match "$(cni_msg)" 'not the namespace it was added in' "CHECK message"
cni_err 3 CHECK "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')" CNI_CONTAINERID=unknown CNI_NETNS=/run/netns/ctr3

# DEL answers before the kernel has torn the veth pair down (that is left to a child process),
# but the container is off the network at once; an ADD of the same container and ifname right
# after finds the old pair in its way and removes it first.
conf=$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')
for round in 1 2 3; do
	cni_ok DEL "$conf" CNI_CONTAINERID=id-1.0.0 CNI_NETNS=/run/netns/ctr4 >/dev/null
	if ping1 ctr4 10.88.0.1 >/dev/null 2>&1; then fail "ctr4 still reaches its gateway right after DEL"; fi
	cni_ok ADD "$conf" CNI_CONTAINERID=id-1.0.0 CNI_NETNS=/run/netns/ctr4 >"$T_TMP/readd.json"
	assert_eq "$(jq -r '.ips[0].address' "$T_TMP/readd.json")" 10.88.0.5/24 "address after DEL and ADD again ($round)"
	ping_ok ctr4 10.88.0.1
done
wait_until 10 "$NSNET" check || fail "check after DEL and ADD again: $("$NSNET" check)"

i=0
for v in 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
	i=$((i + 1))
	conf=$(cni_conf "$v" lan '"subnet":"10.88.0.0/24"')
	for n in 1 2; do
		cni_ok DEL "$conf" CNI_CONTAINERID="id-$v" CNI_NETNS="/run/netns/ctr$i" >"$T_TMP/del.out"
		assert_eq "$(cat "$T_TMP/del.out")" "" "DEL $n output ($v)"
	done
	ip netns del "ctr$i"
done
# DEL of a container never added, and without CNI_NETNS, succeeds too.
cni_ok DEL "$(cni_conf 1.1.0 lan)" CNI_CONTAINERID=never >/dev/null
ip netns del peer
assert_eq "$(cni_state_files | grep -c namespaces/ || true)" 0 "sandbox records after DEL"
assert_eq "$(lease_addrs lan)" "" "leases after DEL"
cni_net_gone lan
