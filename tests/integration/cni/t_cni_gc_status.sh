#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI GC (1.1.0) removes every attachment of its network, with its lease and published ports,
# whose (containerID, ifname) is not in cni.dev/valid-attachments, and only those; attachments of
# other networks stay. STATUS is ready while addresses remain, 50 when the subnet is full or the
# state dir cannot be written, 51 when the network's bridge is gone.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

conf=$(cni_conf 1.1.0 lan '"subnet":"10.88.0.0/24","runtimeConfig":{"portMappings":[]}')
other=$(cni_conf 1.1.0 other '"subnet":"10.89.0.0/24"')
for n in 1 2 3 4; do
	ip netns add "ctr$n"
done
cni_ok STATUS "$conf" >/dev/null	# before the network exists: ready
cni_ok ADD "$conf" CNI_CONTAINERID=a CNI_NETNS=/run/netns/ctr1 >/dev/null
cni_ok ADD "$conf" CNI_CONTAINERID=b CNI_NETNS=/run/netns/ctr2 >/dev/null
cni_ok ADD "$(cni_conf 1.1.0 lan '"runtimeConfig":{"portMappings":[{"hostPort":8081,"containerPort":80}]}')" \
	CNI_CONTAINERID=c CNI_NETNS=/run/netns/ctr3 >/dev/null
cni_ok ADD "$conf" CNI_CONTAINERID=a CNI_IFNAME=net1 CNI_NETNS=/run/netns/ctr3 >/dev/null
cni_ok ADD "$other" CNI_CONTAINERID=z CNI_NETNS=/run/netns/ctr4 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq length)" 1 "published ports"
cni_ok STATUS "$conf" >/dev/null

# Valid: a/eth0 and c/eth0 (plus one that does not exist). b/eth0 and a/net1 go.
gc=$(printf '%s' "$conf" | jq -c '. + {"cni.dev/valid-attachments": [{"containerID":"a","ifname":"eth0"},{"containerID":"c","ifname":"eth0"},{"containerID":"nope","ifname":"eth0"}]}')
assert_eq "$(cni_ok GC "$gc")" "" "GC output"
json "$NSNET" ls --json >"$T_TMP/ls.json"
assert_eq "$(jq -r '[.namespaces[] | select(.cni) | "\(.cni.container_id)/\(.attachments[0].ifname)"] | sort | join(" ")' "$T_TMP/ls.json")" \
	"a/eth0 c/eth0 z/eth0" "attachments after GC"
assert_eq "$(lease_addrs lan)" "10.88.0.2 10.88.0.4" "leases after GC"
assert_eq "$(json "$NSNET" publish ls --json | jq length)" 1 "published ports after GC (c's stays)"
assert_eq "$(ip -n ctr2 -o link show eth0 2>/dev/null | wc -l)" 0 "b's interface after GC"
assert_eq "$(ip -n ctr3 -o link show net1 2>/dev/null | wc -l)" 0 "a/net1 after GC"
ping_ok ctr1 10.88.0.4
run_ok "$NSNET" check >/dev/null
# GC again changes nothing; an empty list removes the rest of the network, not the other one.
before=$(snapshot)
cni_ok GC "$gc" >/dev/null
assert_unchanged "$before" "state after a second GC"
cni_ok GC "$(printf '%s' "$conf" | jq -c '. + {"cni.dev/valid-attachments": []}')" >/dev/null
json "$NSNET" ls --json >"$T_TMP/ls.json"
assert_eq "$(jq -r '[.namespaces[] | select(.cni) | .cni.container_id] | join(" ")' "$T_TMP/ls.json")" z "attachments after GC of everything"
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "published ports after GC of everything"

# STATUS: a full subnet (/30: gateway and one address) answers 50; freeing it makes it ready.
small=$(cni_conf 1.1.0 small '"subnet":"10.90.0.0/30"')
cni_ok STATUS "$small" >/dev/null
cni_ok ADD "$small" CNI_CONTAINERID=s CNI_NETNS=/run/netns/ctr1 >/dev/null
cni_err 50 STATUS "$small"
assert_match "$(cni_msg)" 'full' "STATUS message"
cni_err 999 ADD "$small" CNI_CONTAINERID=s2 CNI_NETNS=/run/netns/ctr2
cni_ok DEL "$small" CNI_CONTAINERID=s >/dev/null
cni_ok STATUS "$small" >/dev/null
# The network's bridge gone (someone deleted it): 51.
ip link del nsnet-other
cni_err 51 STATUS "$other"
# The state dir cannot be written: 50.
cni_err 50 STATUS "$conf" NSNET_STATE_DIR=/proc/nsnet-state
cni_ok DEL "$other" CNI_CONTAINERID=z >/dev/null
cni_net_gone other
cni_net_gone small
cni_net_gone lan
for n in 1 2 3 4; do
	ip netns del "ctr$n"
done
