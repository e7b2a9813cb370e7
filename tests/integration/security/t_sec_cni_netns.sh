#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 8: a CNI ADD (or CHECK, DEL) whose CNI_NETNS is the plugin's own network namespace
# (/proc/self/ns/net, or any path to it) is refused with error 4 before anything is made (nsnet as
# the interface plugin; as an IPAM plugin it touches no namespace and CNI_NETNS is not used). On the
# old code the ADD succeeded and put eth0, an address and a default route into the host.
# One backend: its subject (a CNI namespace refused before anything is made) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

conf=$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')
before=$(snapshot)
cni_err 4 ADD "$conf" CNI_NETNS=/proc/self/ns/net
assert_match "$(cni_msg)" "CNI_NETNS '/proc/self/ns/net' is the plugin's own network namespace" "message"
# Another path to the same namespace: pid 1 of the sandbox runs in it.
cni_err 4 ADD "$conf" CNI_NETNS="/proc/$$/ns/net"
touch /run/netns-self && mount --bind /proc/self/ns/net /run/netns-self
cni_err 4 ADD "$conf" CNI_NETNS=/run/netns-self
cni_err 4 CHECK "$conf" CNI_NETNS=/proc/self/ns/net
assert_unchanged "$before" "state after CNI requests into the host's namespace"
ip link show eth0 >/dev/null 2>&1 && fail "eth0 appeared on the host"
umount /run/netns-self
# A container's own namespace still works.
ip netns add ctr
cni_ok ADD "$conf" CNI_NETNS=/run/netns/ctr >/dev/null
cni_ok DEL "$conf" CNI_NETNS=/run/netns/ctr >/dev/null
ip netns del ctr
leak_check
