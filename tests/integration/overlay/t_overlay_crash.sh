#!/bin/sh
# SPDX-License-Identifier: MIT
# An overlay join killed at every step (NSNET_FAULT=N, test builds) leaves nothing once the next
# operation (gc) has replayed its journal: no VXLAN device or bridge, no record, and no key in
# etcd (the definition this first host wrote, its block, its host key are journaled before they
# are written). Then the join succeeds, check is clean, and rm leaves no key. One host (the
# sandbox itself) on a veth underlay, etcd in its own namespace, stopped by PID.
# backends: nft
# timeout: 240
. "$(dirname "$0")/../lib/lib.sh"

command -v etcd >/dev/null 2>&1 || skip "etcd is not installed (tests/deps.sh installs etcd-server)"
command -v etcdctl >/dev/null 2>&1 || skip "etcdctl is not installed (tests/deps.sh installs etcd-client)"
ip link add t_vxprobe type vxlan id 1 dstport 4789 nolearning 2>"$T_TMP/probe.err" || probe_fail "VXLAN devices"
ip link del t_vxprobe
require_fault_injection

E=http://172.31.1.2:2379
ip netns add st
ip link add ul0 type veth peer name eth0 netns st
ip addr add 172.31.1.1/24 dev ul0
ip link set ul0 up
ip -n st addr add 172.31.1.2/24 dev eth0
ip -n st link set eth0 up
ip -n st link set lo up
ip netns exec st etcd --data-dir "$T_TMP/etcd" --name st --listen-client-urls $E --advertise-client-urls $E \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster st=http://127.0.0.1:2380 >"$T_TMP/etcd.log" 2>&1 </dev/null &
ETCD=$!
track_pid $ETCD
ctl() { ip netns exec st etcdctl --endpoints $E "$@"; }
wait_until 30 ctl endpoint health || { tail -5 "$T_TMP/etcd.log" >&2; fail "etcd did not become healthy"; }

NET="ov --driver vxlan --subnet 10.60.0.0/16 --store $E --ttl 3"
links_before=$(host_links)
k=1
while :; do
	r=0
	NSNET_FAULT=$k "$NSNET" network create $NET >"$T_TMP/out" 2>&1 || r=$?
	[ "$r" = 0 ] && break
	[ "$k" -lt 40 ] || fail "network create still killed at step $k"
	run_ok "$NSNET" gc
	assert_eq "$(host_links)" "$links_before" "links after a join killed at step $k and gc"
	assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys after a join killed at step $k and gc"
	k=$((k + 1))
done
[ "$k" -gt 3 ] || fail "the join succeeded at step $k: fault injection did not reach the store's steps"

# The whole join: keys, device, agent; check is clean.
assert_eq "$(ctl get /nsnet/overlay/ov/blocks/10.60.0.0-24 --print-value-only)" "172.31.1.1" "the block"
assert_match "$(ctl get /nsnet/overlay/ov/hosts/172.31.1.1 --print-value-only)" '"vtep":"172.31.1.1"' "the host key"
run_ok "$NSNET" check
pid=$(cut -d: -f1 "$STATE_DIR/overlay/agent.pid")
run_ok "$NSNET" network rm ov
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys after network rm"
wait_until 5 sh -c "[ ! -d /proc/$pid ] || [ \"\$(awk '{ print \$3 }' /proc/$pid/stat)\" = Z ]" ||
	fail "the agent still runs after the last overlay was removed"
kill "$ETCD"
wait "$ETCD" 2>/dev/null || true
untrack_pid "$ETCD"
ip link del ul0
ip netns del st
echo "ok: an overlay join killed at every step leaves no device, record or key"
