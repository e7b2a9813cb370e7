#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 9: an nsnet network and nsnet's IPAM pools each run their own allocator, so two
# of them on one address range would hand out the same addresses. An IPAM pool on a network's
# subnet, a network on a pool's, and two pools that overlap are refused, naming both; the pool or
# network that was first keeps working.
# One backend: its subject (IPAM pools and subnets overlapping) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ipam_conf() { # NAME SUBNET
	printf '{"cniVersion":"1.0.0","name":"%s","type":"bridge","bridge":"cni0","ipam":{"type":"nsnet","subnet":"%s"}}' "$1" "$2"
}
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null

# A pool on (part of) the network's subnet.
cni ADD "$(ipam_conf p1 10.0.0.0/25)" CNI_CONTAINERID=c1 CNI_NETNS=/proc/self/ns/net
[ "$CNI_RC" != 0 ] || fail "a pool on a network's subnet was accepted"
assert_match "$(cni_msg)" 'overlaps subnet 10\.0\.0\.0/24 of network lan' "pool on a network's subnet"
[ ! -e "$STATE_DIR/pools/p1.json" ] || fail "a refused pool left its record"

# A pool elsewhere works; a network on it, and a second pool overlapping it, are refused.
cni_ok ADD "$(ipam_conf p2 10.5.0.0/24)" CNI_CONTAINERID=c2 CNI_NETNS=/proc/self/ns/net >/dev/null
run_fail 'subnet 10\.5\.0\.0/16 overlaps subnet 10\.5\.0\.0/24 of IPAM pool p2' "$NSNET" network create db --subnet 10.5.0.0/16
cni ADD "$(ipam_conf p3 10.5.0.128/25)" CNI_CONTAINERID=c3 CNI_NETNS=/proc/self/ns/net
[ "$CNI_RC" != 0 ] || fail "a pool overlapping another pool was accepted"
assert_match "$(cni_msg)" 'overlaps subnet 10\.5\.0\.0/24 of IPAM pool p2' "two pools overlapping"

# The first ones still work: the network's next address and the pool's lease are untouched.
run_ok "$NSNET" ns add b --net lan >/dev/null
assert_eq "$(ns_addrs b)" 10.0.0.3 "the network's allocator after the refusals"
cni_ok DEL "$(ipam_conf p2 10.5.0.0/24)" CNI_CONTAINERID=c2 CNI_NETNS=/proc/self/ns/net >/dev/null
[ ! -e "$STATE_DIR/pools/p2.json" ] || fail "the pool outlived its last lease"
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
