#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI errors: each bad request gets the spec's error code as JSON on stdout, a message on stderr,
# a non-zero exit, and leaves nothing behind: malformed JSON (6), missing or bad environment (4),
# unknown or too old cniVersion (1), bad values (7), unsupported fields (2), a configuration that
# conflicts with the existing network (7), a container namespace that is not one (4).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ip netns add ctr
good=$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')
# A failed ADD that created the network for itself takes it away again, but leaves forwarding on
# (nsnet never switches it off: see docs/design.md).
sysctl -qw net.ipv4.ip_forward=1
before=$(snapshot)

# Decoding.
cni_err 6 ADD 'not json' CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'not JSON' "message"
cni_err 6 ADD '' CNI_NETNS=/run/netns/ctr
cni_err 6 ADD '{"cniVersion": "1.0.0", "name": "lan"' CNI_NETNS=/run/netns/ctr
cni_err 6 ADD '["a"]' CNI_NETNS=/run/netns/ctr
cni_err 6 DEL 'garbage'
# Versions.
cni_err 1 ADD "$(cni_conf 9.9.9 lan)" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" "'9.9.9'.*0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0" "message"
cni_err 1 ADD '{"name":"lan","type":"nsnet"}' CNI_NETNS=/run/netns/ctr
cni_err 1 ADD "$(cni_conf 0.2.0 lan)" CNI_NETNS=/run/netns/ctr
for v in 0.3.0 0.3.1; do
	cni_err 1 CHECK "$(cni_conf $v lan)" CNI_NETNS=/run/netns/ctr
done
for v in 0.3.1 0.4.0 1.0.0; do
	cni_err 1 GC "$(cni_conf $v lan '"cni.dev/valid-attachments":[]')"
	cni_err 1 STATUS "$(cni_conf $v lan)"
	# The error is in the configuration's version.
	assert_eq "$(jq -r .cniVersion "$T_TMP/cni.out")" "$v" "cniVersion of the error"
done
# Environment.
cni_err 4 ADD "$good" CNI_COMMAND=FROB CNI_NETNS=/run/netns/ctr
cni_err 4 ADD "$good"
assert_match "$(cni_msg)" 'CNI_NETNS' "message"
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_CONTAINERID=
assert_match "$(cni_msg)" 'CNI_CONTAINERID' "message"
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_IFNAME=
assert_match "$(cni_msg)" 'CNI_IFNAME' "message"
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_PATH=
assert_match "$(cni_msg)" 'CNI_PATH' "message"
cni_err 4 DEL "$good" CNI_CONTAINERID=
cni_err 4 CHECK "$good"
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_CONTAINERID='a/b'
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_IFNAME=this-name-is-too-long
cni_err 4 ADD "$good" CNI_NETNS=relative/path
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/missing
assert_match "$(cni_msg)" '/run/netns/missing: does not exist' "message"
: >"$T_TMP/plainfile"
cni_err 4 ADD "$good" CNI_NETNS="$T_TMP/plainfile"
assert_match "$(cni_msg)" 'is not a network namespace' "message"
cni_err 4 ADD "$good" CNI_NETNS=/proc/self/ns/mnt
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_ARGS='IP=10.88.0.300'
cni_err 4 ADD "$good" CNI_NETNS=/run/netns/ctr CNI_ARGS='novalue'
# Values.
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.5/24"')" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" '10.88.0.5/24.*10.88.0.0/24' "message"
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","mtu":"big"')" CNI_NETNS=/run/netns/ctr
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","ipMasq":1')" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'ipMasq.*true or false' "message"
cni_err 7 ADD "$(cni_conf 1.0.0 'bad name')" CNI_NETNS=/run/netns/ctr
cni_err 7 ADD '{"cniVersion":"1.0.0","name":"lan","type":"bridge"}' CNI_NETNS=/run/netns/ctr
cni_err 7 ADD "$(cni_conf 1.0.0 lan)" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'does not exist and the configuration gives no subnet' "message"
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","gateway":"10.99.0.1"')" CNI_NETNS=/run/netns/ctr
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","runtimeConfig":{"ips":["10.77.0.5"]}')" CNI_NETNS=/run/netns/ctr
cni_err 7 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","ipam":{"type":"no-such-plugin"}')" CNI_NETNS=/run/netns/ctr
cni_err 7 GC "$(cni_conf 1.1.0 lan)"
# Unsupported.
cni_err 2 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","isolate":false')" CNI_NETNS=/run/netns/ctr
cni_err 2 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","vlan":3')" CNI_NETNS=/run/netns/ctr
cni_err 2 ADD "$(cni_conf 1.0.0 lan '"ranges":[[{"subnet":"10.88.0.0/24","rangeStart":"10.88.0.10"}]]')" CNI_NETNS=/run/netns/ctr
cni_err 2 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"sctp"}]}')" CNI_NETNS=/run/netns/ctr
# A failed ADD made nothing: no network, no bridge, no record.
assert_unchanged "$before" "state after refused ADDs"

# A configuration that conflicts with the network that exists.
cni_ok ADD "$good" CNI_NETNS=/run/netns/ctr >/dev/null
ip netns add ctr2
after_one=$(snapshot)
for extra in '"subnet":"10.89.0.0/24"' '"subnet":"10.88.0.0/24","bridge":"other0"' \
	'"subnet":"10.88.0.0/24","ipMasq":false' '"subnet":"10.88.0.0/24","mtu":1400' \
	'"subnet":"10.88.0.0/24","internal":true' '"subnet":"10.88.0.0/24","gateway":"10.88.0.254"'; do
	cni_err 7 ADD "$(cni_conf 1.0.0 lan "$extra")" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
	assert_match "$(cni_msg)" 'conflicting configuration: network lan exists with' "message for $extra"
done
# Another network's subnet, or a bridge someone else owns.
cni_err 7 ADD "$(cni_conf 1.0.0 lan2 '"subnet":"10.88.0.128/25"')" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
assert_match "$(cni_msg)" 'overlaps' "message"
ip link add owned0 type bridge
cni_err 7 ADD "$(cni_conf 1.0.0 lan2 '"subnet":"10.90.0.0/24","bridge":"owned0"')" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
ip link del owned0
# The same container and ifname twice; an ifname the namespace has already.
cni_err 999 ADD "$good" CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'container c1 already has interface eth0' "message"
cni_err 999 ADD "$good" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr
assert_match "$(cni_msg)" 'already has an interface eth0' "message"
# A static address that is taken.
cni_err 999 ADD "$(cni_conf 1.0.0 lan '"runtimeConfig":{"ips":["10.88.0.2/24"]}')" CNI_CONTAINERID=c2 CNI_NETNS=/run/netns/ctr2
assert_match "$(cni_msg)" '10.88.0.2 is already in use' "message"
assert_unchanged "$after_one" "state after refused ADDs"

cni_ok DEL "$good" CNI_NETNS=/run/netns/ctr >/dev/null
ip netns del ctr
ip netns del ctr2
cni_net_gone lan
