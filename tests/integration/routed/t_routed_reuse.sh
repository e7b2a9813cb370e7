#!/bin/sh
# SPDX-License-Identifier: MIT
# An address freed by `ns rm` on a routed network can be given again at once, even while the old
# namespace (and so its veth, and the host's /32 and /128 routes through it) outlives the
# command: ns rm deletes those routes, so the next attach that gets the address does not fail with
# "File exists" and its traffic goes to the new namespace.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64 >/dev/null
run_ok "$NSNET" ns add a >/dev/null
run_ok "$NSNET" attach a rt --ip 10.7.0.50 --ip fd00:7::50 >/dev/null
ping_ok a 10.7.0.1
old=$(ns_host_ifname a rt)
[ -n "$old" ] || fail "no host end for a"
assert_match "$(ip -4 route show 10.7.0.50)" "dev $old" "the host route to a"

# Something outside holds a's namespace open: it, its veth and the veth's host end outlive ns rm.
exec 9</run/netns/a
run_ok "$NSNET" ns rm a >/dev/null
ip link show "$old" >/dev/null 2>&1 || fail "the host end $old went although a's namespace is held open"
assert_no_match "$(ip -4 route show 10.7.0.50)" "dev $old" "the host route through $old after ns rm"
assert_no_match "$(ip -6 route show fd00:7::50)" "dev $old" "the host route (IPv6) through $old after ns rm"

run_ok "$NSNET" ns add b >/dev/null
run_ok "$NSNET" attach b rt --ip 10.7.0.50 --ip fd00:7::50 >/dev/null
new=$(ns_host_ifname b rt)
assert_match "$(ip -4 route show 10.7.0.50)" "dev $new" "the host route to b"
assert_match "$(ip -6 route show fd00:7::50)" "dev $new" "the host route (IPv6) to b"
ping_ok b 10.7.0.1
ping_ok host 10.7.0.50
run_ok "$NSNET" check >/dev/null

exec 9<&-
wait_until 10 sh -c "! ip link show $old >/dev/null 2>&1" || fail "the host end $old stayed after its namespace was let go"
run_ok "$NSNET" ns rm b >/dev/null

# An IPv4-only routed network's host ends take no part in IPv6 (each one's ff00::/8 route made
# every link change walk all the others'); a dual-stack one's keep it (IPv6 is forwarded to them).
run_ok "$NSNET" network create r4 --driver routed --subnet 10.8.0.0/24 >/dev/null
run_ok "$NSNET" ns add c --net r4 >/dev/null
h4=$(ns_host_ifname c r4)
assert_eq "$(cat /proc/sys/net/ipv6/conf/$h4/disable_ipv6)" 1 "IPv6 on the host end of an IPv4-only network"
assert_eq "$(ip -6 route show table all dev "$h4")" "" "IPv6 routes through $h4"
ping_ok c 10.8.0.1
run_ok "$NSNET" ns add d --net rt >/dev/null
assert_eq "$(cat /proc/sys/net/ipv6/conf/$(ns_host_ifname d rt)/disable_ipv6)" 0 "IPv6 on a dual-stack host end"
ping_ok d fd00:7::1
run_ok "$NSNET" check >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" ns rm d >/dev/null
run_ok "$NSNET" network rm r4 >/dev/null
run_ok "$NSNET" network rm rt >/dev/null
leak_check
