#!/bin/sh
# SPDX-License-Identifier: MIT
# The overlay's data plane (src/kernel/vxlan.c, through vxlan_prog): two "hosts" (namespaces h1, h2)
# on an underlay link, each with a VXLAN device (no learning) holding the first address of its
# block. Programming the other host as a peer (neighbour, FDB, onlink route) makes the blocks reach
# each other over VXLAN with their own addresses; the kernel shows exactly the programmed entries;
# removing the peer takes the path away again; a VNI clash on the same port is refused.
# No firewall is involved: it runs on one backend.
# backends: nft
# timeout: 120
. "$(dirname "$0")/../lib/lib.sh"

PROG=$(dirname "$NSNET")/tests/vxlan_prog
[ -x "$PROG" ] || skip "$PROG is not built (make unit-bins builds it)"
ip link add t_vxprobe type vxlan id 1 dstport 4789 nolearning 2>"$T_TMP/probe.err" || probe_fail "VXLAN devices"
ip link del t_vxprobe

ip netns add h1
ip netns add h2
ip link add u1 netns h1 type veth peer name u2 netns h2
ip -n h1 addr add 172.31.0.1/24 dev u1
ip -n h2 addr add 172.31.0.2/24 dev u2
ip -n h1 link set u1 up
ip -n h2 link set u2 up
ip -n h1 link set lo up
ip -n h2 link set lo up
M1=02:aa:00:00:00:01
M2=02:aa:00:00:00:02

in_ns h1 "$PROG" dev vx 42 4789 172.31.0.1 $M1 10.244.1.0/32 || fail "vxlan device on h1"
in_ns h2 "$PROG" dev vx 42 4789 172.31.0.2 $M2 10.244.2.0/32 || fail "vxlan device on h2"
assert_match "$(ip -n h1 -d link show vx)" "vxlan id 42 local 172.31.0.1 .*dstport 4789 nolearning" "h1's device"
assert_match "$(ip -n h1 link show vx)" "link/ether $M1" "h1's device MAC"

# The underlay works; without peers nothing crosses the overlay.
ping_ok h1 172.31.0.2
ping_fails h1 10.244.2.0

in_ns h1 "$PROG" peer add vx $M2 172.31.0.2 10.244.2.0 10.244.2.0/24 || fail "peer h2 on h1"
in_ns h2 "$PROG" peer add vx $M1 172.31.0.1 10.244.1.0 10.244.1.0/24 || fail "peer h1 on h2"
assert_match "$(ip -n h1 neigh show dev vx)" "^10\.244\.2\.0 lladdr $M2 PERMANENT" "h1's neighbour entry"
assert_match "$(bridge -n h1 fdb show dev vx)" "^$M2 dst 172\.31\.0\.2 self permanent" "h1's FDB entry"
assert_match "$(ip -n h1 route show 10.244.2.0/24)" "^10\.244\.2\.0/24 via 10\.244\.2\.0 dev vx .*onlink" "h1's route"
# Programming is idempotent (replace), as the agent re-applies peers after a re-list.
in_ns h1 "$PROG" peer add vx $M2 172.31.0.2 10.244.2.0 10.244.2.0/24 || fail "peer h2 on h1, again"

ping_ok h1 10.244.2.0
ping_ok h2 10.244.1.0
# The packets really go as VXLAN over the underlay: the underlay link counts UDP to port 4789.
before=$(ip netns exec h2 cat /proc/net/snmp | awk '/^Udp: [0-9]/ { print $2 }')
ping_ok h1 10.244.2.0
after=$(ip netns exec h2 cat /proc/net/snmp | awk '/^Udp: [0-9]/ { print $2 }')
[ "$after" -gt "$before" ] || fail "h2 received no UDP datagrams while h1 pinged it over VXLAN"

# A second device with the same VNI and port on the same host is refused by the kernel.
out=$(in_ns h1 "$PROG" dev vx2 42 4789 172.31.0.1 02:aa:00:00:00:03 10.244.9.0/32 2>&1) && fail "a VNI clash was accepted"
assert_match "$out" "^vxlan_prog: " "VNI clash message"
ip -n h1 link del vx2 2>/dev/null || true

in_ns h1 "$PROG" peer del vx $M2 172.31.0.2 10.244.2.0 10.244.2.0/24 || fail "peer removal on h1"
assert_eq "$(ip -n h1 neigh show dev vx | grep -c PERMANENT || true)" 0 "h1's neighbour entries after removal"
assert_eq "$(bridge -n h1 fdb show dev vx | grep -c "dst 172.31.0.2" || true)" 0 "h1's FDB entries after removal"
assert_eq "$(ip -n h1 route show 10.244.2.0/24)" "" "h1's route after removal"
ping_fails h1 10.244.2.0

ip netns del h1
ip netns del h2
echo "ok: VXLAN data plane: device, peers, traffic, removal"
