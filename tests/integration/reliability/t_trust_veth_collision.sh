#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 5: n512789 and n749192 hash to the same host veth name on lan. The second add
# takes another name (recorded) instead of deleting the first one's veth; a link of that name that
# is not nsnet's (a user's) is never deleted or replaced either.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add n512789 --net lan >/dev/null
run_ok "$NSNET" ns add n749192 --net lan >/dev/null
h1=$(ns_host_ifname n512789 lan)
h2=$(ns_host_ifname n749192 lan)
[ "$h1" != "$h2" ] || fail "both namespaces recorded host veth $h1"
for h in "$h1" "$h2"; do
	ip link show dev "$h" >/dev/null 2>&1 || fail "host veth $h is missing"
done
a1=$(ns_addrs n512789)
a2=$(ns_addrs n749192)
ping_ok n512789 10.0.0.1
ping_ok n749192 10.0.0.1
ping_ok n512789 "$a2"
ping_ok n749192 "$a1"
assert_match "$(run_ok "$NSNET" check)" "agree" "check with colliding names"

# A user's link holding the name nsnet would derive: kept, and another name taken.
run_ok "$NSNET" ns add c --net lan >/dev/null
hc=$(ns_host_ifname c lan)
run_ok "$NSNET" ns rm c >/dev/null
wait_until 30 sh -c "! ip link show dev $hc >/dev/null 2>&1" || fail "$hc did not go away"
ip link add "$hc" type bridge
run_ok "$NSNET" ns add c --net lan >/dev/null
hc2=$(ns_host_ifname c lan)
[ "$hc2" != "$hc" ] || fail "c took the user's link name $hc"
ip -d link show dev "$hc" | grep -q 'bridge ' || fail "the user's bridge $hc was replaced"
ping_ok c 10.0.0.1
gc_out=$(run_ok "$NSNET" gc)
assert_no_match "$gc_out" "$hc" "gc leaves the user's $hc"
ip link show dev "$hc" >/dev/null 2>&1 || fail "gc removed the user's $hc"
assert_match "$(run_ok "$NSNET" check)" "agree" "check after gc"

ip link del "$hc"
for n in c n512789 n749192; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
leak_check
