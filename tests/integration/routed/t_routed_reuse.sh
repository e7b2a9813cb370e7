#!/bin/sh
# SPDX-License-Identifier: MIT
# An address freed by `ns rm` on a routed network can be given again at once, even while the old
# namespace (and so its veth, and the host's /32 and /128 routes through it) outlives the
# command: ns rm sets the host end down, which takes its routes with it, so the next attach that
# gets the address does not fail with "File exists" and its traffic goes to the new namespace.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64 >/dev/null
run_ok "$NSNET" ns add a >/dev/null
run_ok "$NSNET" attach a rt --ip 10.7.0.50 --ip fd00:7::50 >/dev/null
ping_ok a 169.254.1.1
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
ping_ok b 169.254.1.1
ping_ok host 10.7.0.50
run_ok "$NSNET" check >/dev/null

exec 9<&-
wait_until 10 sh -c "! ip link show $old >/dev/null 2>&1" || fail "the host end $old stayed after its namespace was let go"
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm rt >/dev/null
leak_check
