#!/bin/sh
# SPDX-License-Identifier: MIT
# gc removes what a crash or a hand-made change left: a namespace deleted behind nsnet's back
# (its record and its lease), a veth and a bridge carrying this state dir's mark that no record
# explains. It keeps everything that is in use and everything that is not nsnet's (no mark, whatever
# its name: t_trust_gc_marks.sh), and a second gc changes nothing.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add ghost --net lan >/dev/null
run_ok "$NSNET" ns add keep --net lan >/dev/null
assert_eq "$(ns_addrs ghost) $(ns_addrs keep)" "10.0.0.2 10.0.0.3" "addresses"
[ -f "$STATE_DIR/namespaces/ghost.json" ] || fail "no record $STATE_DIR/namespaces/ghost.json"

# The leftovers.
ip netns del ghost
mark=$(jq -r '"nsnet:" + .id' "$STATE_DIR/ids/owner.json")
ip link add nv00000000 type veth peer name nv00000001
ip link add nsnet-zz type bridge
ip link set nv00000000 alias "$mark"
ip link set nsnet-zz alias "$mark"
# Not nsnet's: must survive.
ip netns add user
ip link add userbr type bridge
ip link add nvuser type veth peer name nvuserpeer

run_ok "$NSNET" gc >/dev/null
for l in nv00000000 nv00000001 nsnet-zz; do
	ip link show dev "$l" >/dev/null 2>&1 && fail "gc left link $l"
done
[ -e "$STATE_DIR/namespaces/ghost.json" ] && fail "gc left the stale record namespaces/ghost.json"
assert_no_match "$(ns_names)" '^ghost$' "ns ls after gc"
for l in userbr nvuser nvuserpeer nsnet-lan "$(ns_host_ifname keep lan)"; do
	ip link show dev "$l" >/dev/null 2>&1 || fail "gc removed link $l"
done
[ -e /run/netns/user ] || fail "gc removed the unmanaged namespace user"
[ -e /run/netns/keep ] || fail "gc removed the namespace keep"
fw_present || fail "gc removed the firewall rules"
ping_ok keep 10.0.0.1

before=$(snapshot)
run_ok "$NSNET" gc >/dev/null
assert_unchanged "$before" "state after a second gc"

# ghost's lease was released.
run_ok "$NSNET" ns add new --net lan >/dev/null
assert_eq "$(ns_addrs new)" "10.0.0.2" "address after gc released ghost's lease"
ping_ok new 10.0.0.3

ip link del userbr
ip link del nvuser
ip netns del user
run_ok "$NSNET" ns rm new >/dev/null
run_ok "$NSNET" ns rm keep >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
