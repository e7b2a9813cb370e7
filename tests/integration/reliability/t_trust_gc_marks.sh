#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 3: gc and check take a link for nsnet's leftover only when it carries this state
# dir's mark (its alias); a name that looks like nsnet's (nv*, nsnet-*) proves nothing. A user's
# nvdeadbeef veth and nsnet-mine bridge, and a network's bridge named nv12345678 (--bridge), stay.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create l4 --subnet 10.3.0.0/24 --bridge nv12345678 >/dev/null
run_ok "$NSNET" ns add a --net l4 >/dev/null
# A user's links with nsnet-like names, no mark.
ip link add nvdeadbeef type veth peer name nvdeadbeee
ip link add nsnet-mine type bridge
# gc with only unmarked look-alikes: none of them is nsnet's.
out=$(run_ok "$NSNET" gc)
assert_no_match "$out" "nv12345678|nvdeadbeef|nvdeadbeee|nsnet-mine" "first gc output"
for l in nv12345678 nvdeadbeef nvdeadbeee nsnet-mine; do
	ip link show dev "$l" >/dev/null 2>&1 || fail "gc removed link $l, which carries no mark"
done
mark=$(jq -r '"nsnet:" + .id' "$STATE_DIR/ids/owner.json")
assert_match "$mark" '^nsnet:[0-9a-f]{16}$' "owner mark"
assert_match "$(ip -d link show dev nv12345678)" "alias $mark" "the bridge carries the mark"
assert_match "$(ip -d link show dev "$(ns_host_ifname a l4)")" "alias $mark" "the host veth carries the mark"

# One with another mark: another state dir's.
ip link add nsnet-other type bridge
ip link set nsnet-other alias nsnet:0123456789abcdef
# A leftover of this state dir: marked, no record.
ip link add nv00000000 type veth peer name nv00000001
ip link set nv00000000 alias "$mark"

out=$("$NSNET" check 2>&1) && fail "check found no difference: $out"
assert_match "$out" "link nv00000000 carries this state dir's mark but no record owns it" "check: marked leftover"
assert_no_match "$out" "nv12345678|nvdeadbeef|nsnet-mine|nsnet-other" "check: unmarked or foreign links"

out=$(run_ok "$NSNET" gc)
assert_match "$out" "removing link nv00000000" "gc: marked leftover"
assert_no_match "$out" "nv12345678|nvdeadbeef|nvdeadbeee|nsnet-mine|nsnet-other" "gc output"
for l in nv12345678 nvdeadbeef nvdeadbeee nsnet-mine nsnet-other; do
	ip link show dev "$l" >/dev/null 2>&1 || fail "gc removed link $l, which is not this state dir's"
done
ip link show dev nv00000000 >/dev/null 2>&1 && fail "gc left the marked leftover nv00000000"
ping_ok a 10.3.0.1
assert_match "$(run_ok "$NSNET" check)" "agree" "check after gc"

ip link del nvdeadbeef
ip link del nsnet-mine
ip link del nsnet-other
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm l4 >/dev/null
leak_check
