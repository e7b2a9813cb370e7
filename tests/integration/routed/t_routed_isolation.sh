#!/bin/sh
# SPDX-License-Identifier: MIT
# A routed network is isolated like a bridge network: from a bridge network and from another
# routed network, both ways, over IPv4 and IPv6. Anti-spoofing: a namespace that sends from an
# address not leased to it (a new one, or its neighbour's) reaches neither its neighbour nor the
# outside, while its own address keeps working. --dry-run shows the routed steps and changes
# nothing; gc rebuilds the rules and everything still holds; check stays clean.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan
before=$(snapshot)
plan=$(run_ok "$NSNET" --dry-run network create rt --driver routed --subnet 10.7.0.0/24)
assert_unchanged "$before" "state after --dry-run network create --driver routed"
assert_no_match "$plan" 'master' "dry-run of a routed network makes a bridge port"
assert_match "$plan" 'ip addr add 10\.7\.0\.1/32 dev nsnet-rt' "dry-run: the gateway, a host address on the gateway link"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64 >/dev/null
run_ok "$NSNET" network create rt2 --driver routed --subnet 10.8.0.0/24 --subnet fd00:8::/64 >/dev/null
run_ok "$NSNET" ns add x --net lan >/dev/null
run_ok "$NSNET" ns add a --net rt >/dev/null
run_ok "$NSNET" ns add b --net rt >/dev/null
run_ok "$NSNET" ns add c --net rt2 >/dev/null

plan=$(run_ok "$NSNET" --dry-run ns add d --net rt)
assert_match "$plan" 'ip link add nv[0-9a-f]* address ee:ee:ee:ee:ee:ee mtu 1500 group [0-9]+ up type veth' \
	"dry-run: the host end in the network's group, with the fixed MAC"
assert_match "$plan" 'ip -n d neigh add 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent' \
	"dry-run: the gateway's neighbour entry"
assert_match "$plan" 'ip neigh add 10.7.0.4 lladdr ([0-9a-f]{2}:){5}[0-9a-f]{2} dev nv[0-9a-f]* nud permanent' \
	"dry-run: the host's neighbour entry"
assert_no_match "$plan" 'addr add 169.254.1.1' "dry-run: 169.254.1.1 as an address"
assert_match "$plan" 'ip -n d route add default via 169.254.1.1 dev eth0 onlink' "dry-run: the default route"
assert_match "$plan" 'ip route add 10.7.0.4/32 dev nv' "dry-run: the host route"

isolated() {
	ping_ok a 10.7.0.3
	ping_ok a fd00:7::3
	ping_ok x 198.51.100.1
	ping_ok c 198.51.100.1
	pings_fail a 10.0.0.2 a fd00:10::2 a 10.8.0.2 a fd00:8::2 \
		x 10.7.0.2 c 10.7.0.2 x fd00:7::2 c fd00:7::2 c 10.0.0.2 x 10.8.0.2
}
isolated

# Anti-spoofing, seen from the receiver: a UDP sink in b and in wan logs each datagram; a sends one
# from a foreign source, then one from its own address; once the second has arrived, the first
# must not have (a reply could never come back to a spoofed source, so pings would prove nothing).
sink() { # NS FAMILY(4|6) PORT: log datagrams to $T_TMP/sink.NS.PORT
	ip netns exec "$1" socat -u "UDP$2-RECV:$3" "OPEN:$T_TMP/sink.$1.$3,creat,append" </dev/null &
	track_pid $!
	wait_until 20 udp_bound "$1" "$3" || fail "no UDP sink on port $3 in $1"
}
got() { grep -qx "$2" "$T_TMP/sink.$1" 2>/dev/null; }
send() { # FROM_ADDR DST_ADDR PORT WORD ("" FROM_ADDR: the kernel's choice)
	case $2 in *:*) fam=6 dst="[$2]" src="[$1]" ;; *) fam=4 dst=$2 src=$1 ;; esac
	echo "$4" | ip netns exec a socat -u - "UDP$fam-SENDTO:$dst:$3${1:+,bind=$src}"
}
spoof_dropped() { # FOREIGN_SRC OWN_SRC DST_NS DST_ADDR PORT
	n=$((n + 1))
	send "$1" "$4" "$5" "spoof$n"
	send "$2" "$4" "$5" "legit$n"
	wait_until 10 got "$3.$5" "legit$n" || fail "nothing from a's own address $2 reached $4:$5"
	! got "$3.$5" "spoof$n" || fail "a reached $4 from the foreign address $1"
}
n=0
sink b 4 9999
sink b 6 9998
sink wan 4 9999
ip -n a addr add 10.7.0.99/32 dev eth0
spoof_dropped 10.7.0.99 10.7.0.2 b 10.7.0.3 9999
spoof_dropped 10.7.0.99 10.7.0.2 wan 198.51.100.1 9999
ip -n a addr del 10.7.0.99/32 dev eth0
# Another namespace's address (c's on rt2) is not a's either.
ip -n a addr add 10.8.0.2/32 dev eth0
spoof_dropped 10.8.0.2 10.7.0.2 wan 198.51.100.1 9999
ip -n a addr del 10.8.0.2/32 dev eth0
ip -n a addr add fd00:7::99/128 dev eth0 nodad
spoof_dropped fd00:7::99 fd00:7::2 b fd00:7::3 9998
ip -n a addr del fd00:7::99/128 dev eth0
stop_servers
ping_ok a 10.7.0.3

run_ok "$NSNET" gc >/dev/null
isolated
run_ok "$NSNET" check >/dev/null

for ns in a b c x; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
for n in rt rt2 lan; do run_ok "$NSNET" network rm "$n" >/dev/null; done
leak_check
