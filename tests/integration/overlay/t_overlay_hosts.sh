#!/bin/sh
# SPDX-License-Identifier: MIT
# An overlay network (--driver vxlan) across three "hosts" on one machine: each host is a network
# namespace on a shared underlay bridge, with its own mount namespace (own /run, state dir and
# /etc/netns) in which its nsnet runs; etcd runs in a namespace of its own on the underlay, started
# and stopped by PID here; "wan" is the internet. Shows: namespaces on different hosts reach each
# other (ping, TCP) with their own addresses; traffic to wan is masqueraded; a host cut off from
# the underlay leaves the others' FDB within TTL + 2 s and gets its block back when it returns;
# with etcd stopped traffic continues, and a host joins once etcd is back; a join with no store
# fails and changes nothing; teardown leaves no link, rule, process or key.
# timeout: 180
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/overlay_hosts.sh"

command -v etcd >/dev/null 2>&1 || skip "etcd is not installed (tests/deps.sh installs etcd-server)"
command -v etcdctl >/dev/null 2>&1 || skip "etcdctl is not installed (tests/deps.sh installs etcd-client)"
ip link add t_vxprobe type vxlan id 1 dstport 4789 nolearning 2>"$T_TMP/probe.err" || probe_fail "VXLAN devices"
ip link del t_vxprobe

TTL=3
E=http://172.31.0.2:2379
NET="ov --driver vxlan --subnet 10.50.0.0/16 --store $E --ttl $TTL"

# The underlay: bridge ul in the sandbox, etcd's namespace st (172.31.0.2), wan (172.31.0.100,
# holding the internet server 198.51.100.1), hosts h1..h3 (172.31.0.11..13).
ov_underlay
ip netns add st
plug st 172.31.0.2
ip netns add wan
plug wan 172.31.0.100
ip -n wan addr add 198.51.100.1/32 dev lo
OV_GATEWAY=172.31.0.100
ctl() { ip netns exec st etcdctl --endpoints $E "$@"; }

host_up 1
host_up 2
host_up 3

# No store: the join fails with a clear message and changes nothing.
before=$(on 1 ip -o link show | wc -l)
out=$(nsn 1 network create $NET 2>&1) && fail "a join with etcd down succeeded"
assert_match "$out" "ov: the store is unreachable, nothing changed" "the message of a join without a store"
assert_eq "$(on 1 ip -o link show | wc -l)" "$before" "links after the failed join"
assert_eq "$(on 1 ls /run/nsnet/networks 2>/dev/null)" "" "records after the failed join"

etcd_start

# --dry-run shows the ip/bridge commands and the etcd requests, and does nothing.
out=$(nsn 1 --dry-run network create $NET 2>&1) || fail "dry-run: $out"
assert_match "$out" "type vxlan id 1 local 172.31.0.11 dstport 4789 nolearning" "dry-run: the VXLAN device"
assert_match "$out" "etcdctl --endpoints $E txn .*put /nsnet/overlay/ov/blocks/10.50.0.0-24 172.31.0.11" "dry-run: the block"
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys after a dry run"

# Two hosts join; each gets its own block, with a namespace in it.
nsn 1 network create $NET || fail "network create on h1"
nsn 2 network create $NET || fail "network create on h2"
assert_eq "$(ctl get /nsnet/overlay/ov/blocks/10.50.1.0-24 --print-value-only)" "172.31.0.12" "h2's block"
out=$(nsn 2 network create ov --driver vxlan --subnet 10.50.0.0/16 --store $E --vni 7 2>&1) && fail "a differing definition was accepted"
assert_match "$out" "--vni 7, but the network in the store has 1" "a differing definition"
nsn 1 ns add a1 --net ov || fail "ns add a1"
nsn 2 ns add a2 --net ov || fail "ns add a2"
A1=$(addr_of 1 a1)
A2=$(addr_of 2 a2)
assert_match "$A1" "^10\.50\.0\." "a1's address is in h1's block"
assert_match "$A2" "^10\.50\.1\." "a2's address is in h2's block"
assert_eq "$(on 1 ip link show dev nsnet-ov | grep -o 'mtu [0-9]*')" "mtu 1450" "the bridge's MTU (underlay minus 50)"

# Across hosts: ping, and TCP with the client's own address.
wait_until 10 fdb_has 1 172.31.0.12 || fail "h1 never programmed h2"
on 1 ip netns exec a1 ping -n -c1 -W2 "$A2" >/dev/null || { on 1 ip route >&2; fail "ping a1 -> a2"; }
on 2 ip netns exec a2 python3 -c "$SERVER_PY" 8080 >"$T_TMP/a2.log" 2>&1 </dev/null &
S2=$!
track_pid $S2
wait_until 20 sh -c "on() { nsenter -t $HPID2 -m -n -- \"\$@\"; }; on ip netns exec a2 ss -ltnH 'sport = :8080' | grep -q ." ||
	fail "the server in a2 did not start"
got=$(on 1 ip netns exec a1 socat -T2 - "TCP:$A2:8080,connect-timeout=2" </dev/null) || fail "TCP a1 -> a2"
assert_eq "$got" "$A1" "a2 sees a1's own address"
out=$(nsn 1 check 2>&1) || fail "check on h1 with an overlay: $out"
assert_match "$(nsn 1 network ls --json | tr -d ' \n')" '"driver":"vxlan"' "network ls shows the driver"

# Leaving the overlay: masqueraded by the host it leaves from.
ip netns exec wan python3 -c "$SERVER_PY" 8081 >"$T_TMP/wan.log" 2>&1 </dev/null &
track_pid $!
wait_until 20 sh -c "ip netns exec wan ss -ltnH 'sport = :8081' | grep -q ." || fail "the wan server did not start"
got=$(on 1 ip netns exec a1 socat -T2 - "TCP:198.51.100.1:8081,connect-timeout=2" </dev/null) || fail "TCP a1 -> wan"
assert_eq "$got" "172.31.0.11" "wan sees h1's underlay address"

# A third host; then cut it off: the others drop it within TTL + 2 s; back, it has its block again.
nsn 3 network create $NET || fail "network create on h3"
wait_until 10 fdb_has 1 172.31.0.13 || fail "h1 never programmed h3"
ip link set u-h3 down
wait_until $((TTL + 2)) fdb_lacks 1 172.31.0.13 || fail "h1 still has h3 in its FDB $((TTL + 2)) s after the cut"
wait_until 2 fdb_lacks 2 172.31.0.13 || fail "h2 still has h3 in its FDB"
ip link set u-h3 up
wait_until 15 fdb_has 1 172.31.0.13 || fail "h3 did not come back on h1"
assert_eq "$(ctl get /nsnet/overlay/ov/blocks/10.50.2.0-24 --print-value-only)" "172.31.0.13" "h3's block after its return"

# etcd down: traffic between existing hosts continues; etcd back: a new host (h3 again) joins.
nsn 3 network rm ov || fail "network rm on h3"
etcd_stop
on 1 ip netns exec a1 ping -n -c1 -W2 "$A2" >/dev/null || fail "ping a1 -> a2 with etcd down"
etcd_start
nsn 3 network create $NET || fail "network create on h3 after etcd came back"
wait_until 10 fdb_has 1 172.31.0.13 || fail "h1 never programmed h3 after etcd came back"

# Teardown: nothing left on any host, no agent, no key.
nsn 2 ns rm a2 --force || fail "ns rm a2 (and its server)"
wait "$S2" 2>/dev/null || true
untrack_pid "$S2"
for n in 1 2 3; do
	pid=$(on "$n" sh -c 'cut -d: -f1 /run/nsnet/overlay/agent.pid 2>/dev/null' || true)
	[ "$n" != 1 ] || nsn "$n" ns rm "a$n" || fail "ns rm a$n on h$n"
	nsn "$n" network rm ov || fail "network rm on h$n"
	assert_eq "$(on "$n" ip -o link show | grep -c nsnet- || true)" 0 "nsnet links left on h$n"
	assert_eq "$(on "$n" nft list tables | grep -c nsnet || true)" 0 "nsnet tables left on h$n"
	[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null)" = Z ] ||
		fail "the agent of h$n still runs"
done
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys left in etcd"
etcd_stop
for p in $HPIDS; do kill "$p" 2>/dev/null || true; done
for n in 1 2 3; do ip netns del "h$n"; done
ip netns del st
ip netns del wan
ip link del ul
echo "ok: overlay across three hosts: traffic, NAT, dead host, etcd down, teardown"
