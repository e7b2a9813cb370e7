#!/bin/sh
# SPDX-License-Identifier: MIT
# A Linux bridge holds at most 1,023 ports (the kernel's BR_MAX_PORTS). The test fills bridge
# nsnet-lan with 1,022 ports (veth pairs whose peers sit in one namespace, deleted at once at the
# end: no namespace per port), so `ns add` makes the 1,023rd port, which works, and the 1,024th, which the kernel refuses (EXFULL while enslaving): the same code
# path as a bridge full of namespaces. nsnet says the network is full and what to do, exits 1 and
# leaves nothing behind (namespace, veth, records, anti-spoofing elements). A routed network has
# no such limit (its veths are ports of nothing).
# One backend: its subject (the kernel's limit of bridge ports and nsnet's message) does not depend
# on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/20 >/dev/null
ip netns add filler
i=1
while [ "$i" -le 1022 ]; do
	echo "link add fill$i master nsnet-lan type veth peer name p$i netns filler"
	i=$((i + 1))
done >"$T_TMP/fill.batch"
ip -batch "$T_TMP/fill.batch"
assert_eq "$(ip -o link show master nsnet-lan | grep -c .)" 1022 "ports of nsnet-lan after filling"

run_ok "$NSNET" ns add p1023 --net lan >/dev/null
assert_eq "$(ip -o link show master nsnet-lan | grep -c .)" 1023 "ports of nsnet-lan with the 1,023rd"
before=$(snapshot)
run_fail_status 1 '^nsnet: network lan is full: a Linux bridge holds at most 1,023 ports; use --driver routed for more$' \
	"$NSNET" ns add p1024 --net lan
assert_unchanged "$before" "state after the refused 1,024th attach"
[ ! -e /run/netns/p1024 ] || fail "the refused namespace p1024 is left behind"

# A port freed: the next attach works again.
ip link del fill1
run_ok "$NSNET" ns add p1024 --net lan >/dev/null
run_ok "$NSNET" check >/dev/null

# The filler's namespace takes its veth pairs with it, in one batch (deleting 1,021 links one by
# one would take half a minute).
ip netns del filler
no_fill() { ! ip -o link show master nsnet-lan | grep -q ' fill'; }
wait_until 30 no_fill || fail "the filling ports are still there 30 s after their namespace went"
run_ok "$NSNET" ns rm p1023 >/dev/null
run_ok "$NSNET" ns rm p1024 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
