#!/bin/sh
# SPDX-License-Identifier: MIT
# Anti-spoofing: a namespace can send only from its own MAC and addresses. One that adds a
# foreign address (IPv4 or IPv6) or changes its MAC reaches neither its neighbour nor the wan with
# it, while its own addresses keep working; a namespace re-created under the same name is guarded
# the same way.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null

ping_from() { ns=$1; shift; ip netns exec "$ns" ping -c1 -W1 "$@" >/dev/null 2>&1; }

ping_ok a 10.0.0.3
ping_ok a 198.51.100.1
ping_ok a fd00:10::3

# A foreign IPv4 source: dropped towards the neighbour and towards the outside.
ip -n a addr add 10.0.0.99/24 dev eth0
! ping_from a -I 10.0.0.99 10.0.0.3 || fail "a reached b from the foreign address 10.0.0.99"
! ping_from a -I 10.0.0.99 198.51.100.1 || fail "a reached wan from the foreign address 10.0.0.99"
ping_ok a 10.0.0.3

# A foreign IPv6 source.
ip -n a addr add fd00:10::99/64 dev eth0 nodad
! ping_from a -6 -I fd00:10::99 fd00:10::3 || fail "a reached b from the foreign address fd00:10::99"
# Its own address still works (named: with two addresses the kernel may pick either).
tries=0
until ping_from a -6 -I fd00:10::2 fd00:10::3; do
	tries=$((tries + 1))
	[ "$tries" -lt 10 ] || fail "a no longer reaches b from its own address fd00:10::2"
done

# A foreign MAC: nothing gets through, the own MAC works again.
mac=$(ip -n a -br link show eth0 | awk '{print $3}')
ip -n a link set eth0 address 02:00:00:00:00:99
! ping_from a 10.0.0.3 || fail "a reached b with the foreign MAC 02:00:00:00:00:99"
ip -n a link set eth0 address "$mac"
ping_ok a 10.0.0.3

# Re-created under the same name: guarded again, old elements match nothing.
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
ping_ok a 10.0.0.3
addr=$(ip -n a -4 -br addr show eth0 | awk '{print $3}' | cut -d/ -f1)
other=10.0.0.98
[ "$addr" != "$other" ] || other=10.0.0.97
ip -n a addr add "$other/24" dev eth0
! ping_from a -I "$other" 10.0.0.3 || fail "re-created a reached b from the foreign address $other"

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
