#!/bin/sh
# SPDX-License-Identifier: MIT
# The VXLAN filter of an overlay network, with crafted VXLAN packets: two "hosts" (network
# namespace + own mount namespace, as in t_overlay_hosts) and a rogue namespace on the underlay,
# etcd in its own namespace. A packet a peer (h2) sends to h1's VTEP reaches a namespace on h1;
# the same packet from the rogue is dropped (the filter's counter shows it) and never arrives.
# check reports a filter that lost a peer, gc rebuilds it. The agent, killed, is started again by
# the next `ns add` on the network. A peer that leaves is removed from the filter, and its
# packets are dropped from then on. Teardown leaves no link, rule, process or key. With UNDERLAY=6
# (t_overlay_ipv6 runs this file so) the same over IPv6 underlay addresses (--underlay; etcd
# stays on IPv4), with the MTU minus 70 instead of 50.
# timeout: 180
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/overlay_hosts.sh"

command -v etcd >/dev/null 2>&1 || skip "etcd is not installed (tests/deps.sh installs etcd-server)"
command -v etcdctl >/dev/null 2>&1 || skip "etcdctl is not installed (tests/deps.sh installs etcd-client)"
ip link add t_vxprobe type vxlan id 1 dstport 4789 nolearning 2>"$T_TMP/probe.err" || probe_fail "VXLAN devices"
ip link del t_vxprobe

E=http://172.31.0.2:2379
NET="ov --driver vxlan --subnet 10.50.0.0/16 --store $E --ttl 3"
if [ "${UNDERLAY:-4}" = 6 ]; then
	U1=fd31::11 U2=fd31::12 UR=fd31::66 OVERHEAD=70 IPT=ip6tables MASK=128
else
	U1=172.31.0.11 U2=172.31.0.12 UR=172.31.0.66 OVERHEAD=50 IPT=iptables MASK=32
fi

# The underlay: bridge ul; etcd's namespace st (172.31.0.2), the rogue (172.31.0.66), hosts h1, h2.
ov_underlay
ip netns add st
plug st 172.31.0.2
ip netns add rogue
plug rogue 172.31.0.66

nsn_ok() { _out=$(nsn "$@" 2>&1) || fail "on h$1: nsnet $*: $_out"; }
ctl() { ip netns exec st etcdctl --endpoints $E "$@"; }
agent_pid() { on "$1" sh -c 'cut -d: -f1 /run/nsnet/overlay/agent.pid 2>/dev/null'; }
alive() { [ -d "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# The filter on host N: its peers, its drop counter, nft or iptables alike.
if [ "${NSNET_BACKEND:-nft}" = iptables ]; then
	filter_peers() { on "$1" $IPT -w -S NSNET-VX-nsnet-ov | sed -n "s|^-A NSNET-VX-nsnet-ov -s \(.*\)/$MASK -j RETURN\$|\1|p"; }
	filter_drops() { on "$1" $IPT -w -L NSNET-VX-nsnet-ov -v -x -n | awk '$3 == "DROP" { print $1 }'; }
	filter_forget() { on "$1" $IPT -w -D NSNET-VX-nsnet-ov -s "$2/$MASK" -j RETURN; }
else
	filter_peers() { on "$1" nft -j list set inet nsnet vxpeers-ov |
		python3 -c 'import json,sys; [print(e) for o in json.load(sys.stdin)["nftables"] for e in o.get("set", {}).get("elem", [])]'; }
	filter_drops() { on "$1" nft list chain inet nsnet vx-ov | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }
	filter_forget() { on "$1" nft delete element inet nsnet vxpeers-ov "{ $2 }"; }
fi
filter_has() { filter_peers "$1" | grep -qx "$2"; }
filter_lacks() { ! filter_has "$@"; }
drops_above() { [ "$(filter_drops "$1")" -gt "$2" ]; }

# A VXLAN packet by hand: outer UDP from argv[1] to argv[2]:argv[3] (VNI argv[4]), an Ethernet
# frame to MAC argv[5] holding IPv4/UDP from argv[6] to argv[7]:argv[8] with payload argv[9].
VXLAN_PY='
import socket, struct, sys
src, dst, port, vni, mac, isrc, idst, dport, payload = sys.argv[1:10]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
data = payload.encode()
udp = struct.pack("!HHHH", 40000, int(dport), 8 + len(data), 0) + data
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                 socket.inet_aton(isrc), socket.inet_aton(idst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
eth = bytes.fromhex(mac.replace(":", "")) + bytes.fromhex("0e00deadbeef") + b"\x08\x00"
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.sendto(struct.pack("!II", 0x08000000, int(vni) << 8) + eth + ip + udp, (dst, int(port)))
'
# A UDP listener: each datagram as "PAYLOAD SOURCE", one a line.
LISTEN_PY='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(2048)
    print(d.decode(errors="replace"), a[0], flush=True)
'

host_up 1
host_up 2
etcd_start

nsn 1 network create $NET --underlay $U1 || fail "network create on h1"
nsn 2 network create $NET --underlay $U2 || fail "network create on h2"
nsn 1 ns add a1 --net ov || fail "ns add a1"
nsn 2 ns add a2 --net ov || fail "ns add a2"
assert_eq "$(on 1 ip link show dev nsnet-ov | grep -o 'mtu [0-9]*')" "mtu $((1500 - OVERHEAD))" "the bridge's MTU (underlay minus $OVERHEAD)"
A1=$(on 1 ip -n a1 -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }')
# In the routed model a frame from a peer is addressed to h1's VXLAN device, which routes it on.
MAC1=$(on 1 ip -o link show dev "$(vx_of 1)" | sed -n 's|.* link/ether \([0-9a-f:]*\) .*|\1|p')
assert_match "$MAC1" "^0e:00:" "the MAC of h1's VXLAN device"
wait_until 10 filter_has 1 $U2 || fail "h1's filter never accepted h2 (peers: $(filter_peers 1 | tr '\n' ' '))"
assert_eq "$(filter_peers 1)" "$U2" "h1's filter holds its one peer"
wait_until 10 sh -c "nsenter -t $HPID1 -m -n -- bridge fdb show dev $(vx_of 1) | grep -q 'dst $U2 '" || fail "h1 never programmed h2"
A2=$(on 2 ip -n a2 -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }')
on 1 ip netns exec a1 ping -n -c1 -W2 "$A2" >/dev/null || fail "ping a1 -> a2 over the overlay"
nsn_ok 1 check

on 1 ip netns exec a1 python3 -c "$LISTEN_PY" 9999 >"$T_TMP/a1.log" 2>&1 </dev/null &
L1=$!
track_pid $L1
wait_until 20 sh -c "nsenter -t $HPID1 -m -n -- ip netns exec a1 ss -lunH 'sport = :9999' | grep -q ." ||
	fail "the listener in a1 did not start"
send() { # FROM-NETNS FROM-ADDR PAYLOAD
	ip netns exec "$1" python3 -c "$VXLAN_PY" "$2" $U1 4789 1 "$MAC1" 10.50.1.99 "$A1" 9999 "$3"
}
got() { grep -q "^$1 10.50.1.99$" "$T_TMP/a1.log"; }

# The positive control: a known peer's packet arrives.
send h2 $U2 from-peer || fail "sending from h2"
wait_until 10 got from-peer || { cat "$T_TMP/a1.log" >&2; fail "a1 never got the packet from the peer h2"; }

# The rogue's: dropped by the filter (its counter moves), never delivered; the peer still passes.
drops=$(filter_drops 1)
send rogue $UR from-rogue || fail "sending from the rogue"
wait_until 10 drops_above 1 "$drops" || fail "the filter's counter did not move for the rogue's packet"
send h2 $U2 from-peer-again || fail "sending from h2 again"
wait_until 10 got from-peer-again || fail "a1 never got the second packet from h2"
got from-rogue && fail "the rogue's packet reached a1"

# A filter that lost its peer: check says so, gc rebuilds it from the FDB.
filter_forget 1 $U2 || fail "removing h2 from h1's filter by hand"
out=$(nsn 1 check 2>&1) && fail "check did not see the filter's drift"
assert_match "$out" "the VXLAN filter accepts 0 underlay address.*the FDB has 1 peer" "check names the drift"
nsn_ok 1 gc
assert_eq "$(filter_peers 1)" "$U2" "h1's filter after gc"
nsn_ok 1 check

# A dead agent (killed; a zombie counts as dead) is started again by the next operation on the network.
pid=$(agent_pid 1)
[ -n "$pid" ] && alive "$pid" || fail "h1 has no running agent"
kill -9 "$pid"
wait_until 10 sh -c "! { [ -d /proc/$pid ] && [ \"\$(awk '{ print \$3 }' /proc/$pid/stat 2>/dev/null)\" != Z ]; }" ||
	fail "the agent did not die"
nsn 1 ns add a3 --net ov || fail "ns add a3 with the agent dead"
pid2=$(agent_pid 1)
[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && alive "$pid2" || fail "ns add did not start the agent again (pid '$pid2')"
nsn_ok 1 check

# A peer that leaves: gone from the filter, and what it sends from then on is dropped.
nsn 2 ns rm a2 || fail "ns rm a2"
nsn 2 network rm ov || fail "network rm on h2"
wait_until 10 filter_lacks 1 $U2 || fail "h1's filter still accepts h2 after it left"
assert_eq "$(filter_peers 1)" "" "h1's filter with no peer left"
drops=$(filter_drops 1)
send h2 $U2 after-leaving || fail "sending from h2 after it left"
wait_until 10 drops_above 1 "$drops" || fail "the filter's counter did not move for the departed peer's packet"
got after-leaving && fail "the departed peer's packet reached a1"

# Teardown: nothing left, no agent, no key.
pid=$(agent_pid 1)
nsn 1 ns rm a1 --force || fail "ns rm a1 (and its listener)"
wait "$L1" 2>/dev/null || true
untrack_pid "$L1"
nsn 1 ns rm a3 || fail "ns rm a3"
nsn 1 network rm ov || fail "network rm on h1"
for n in 1 2; do
	assert_eq "$(on "$n" ip -o link show | grep -c nsnet- || true)" 0 "nsnet links left on h$n"
	assert_eq "$(on "$n" nft list tables | grep -c nsnet || true)" 0 "nsnet tables left on h$n"
	assert_eq "$(on "$n" sh -c 'iptables-save; ip6tables-save' 2>/dev/null | grep -c NSNET || true)" 0 "NSNET chains left on h$n"
done
wait_until 5 sh -c "! { [ -d /proc/$pid ] && [ \"\$(awk '{ print \$3 }' /proc/$pid/stat 2>/dev/null)\" != Z ]; }" ||
	fail "the agent of h1 still runs"
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys left in etcd"
kill "$ETCD"
wait "$ETCD" 2>/dev/null || true
untrack_pid "$ETCD"
for p in $HPIDS; do kill "$p" 2>/dev/null || true; done
for n in 1 2; do ip netns del "h$n"; done
ip netns del st
ip netns del rogue
ip link del ul
echo "ok: the VXLAN filter: a peer's packet passes, a rogue's is dropped, drift repaired, a leaving peer removed; the agent restarted by ns add"
