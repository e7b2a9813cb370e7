#!/bin/sh
# SPDX-License-Identifier: MIT
# What ns rm and a CNI DEL leave to later is exact at once and done in the end: check is clean
# right after each of them, even while a host veth is still there (its namespace held open, or
# its deletion left to a process the DEL starts, both marked going); the veths go, gc deletes one still
# there, and the anti-spoofing elements listed stale are removed by gc.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

run_ok "$NSNET" network create lan --subnet 10.20.0.0/24 >/dev/null
run_ok "$NSNET" ns add stay --net lan >/dev/null

alias_of() { cat "/sys/class/net/$1/ifalias" 2>/dev/null; }
link_gone() { ! ip link show "$1" >/dev/null 2>&1; }
guard_has() { nft list set bridge nsnet addr4 | grep -Fwq "$1"; }

# ns rm while something outside holds the namespace open: the namespace, and so the veth, outlive
# the command (as they do for a moment after any ns rm, while the kernel cleans up).
run_ok "$NSNET" ns add held --net lan >/dev/null
host=$(ns_host_ifname held lan)
addr=$(ns_addrs held | head -n 1)
addr=${addr%/*}
[ -n "$host" ] && [ -n "$addr" ] || fail "no host end or address for held"
exec 9</run/netns/held
run_ok "$NSNET" ns rm held >/dev/null
ip link show "$host" >/dev/null 2>&1 || fail "the veth $host went although its namespace is held open"
assert_match "$(alias_of "$host")" ' going$' "mark of $host after ns rm"
out=$("$NSNET" check 2>&1) || fail "check right after ns rm: $out"
# Its anti-spoofing elements are listed stale (deleted in bulk later), not yet deleted.
guard_has "$addr" || fail "the stale element of $addr went already (expected a deferred deletion)"
assert_eq "$(jq 'length' "$STATE_DIR/ids/guard-stale.json")" 1 "entries listed stale"
# gc does what is left: the veth still there, the stale elements.
run_ok "$NSNET" gc >"$T_TMP/gc.out"
assert_match "$(cat "$T_TMP/gc.out")" "removing link $host" "gc output"
link_gone "$host" || fail "gc left $host"
guard_has "$addr" && fail "gc left the anti-spoofing element of $addr"
[ -e "$STATE_DIR/ids/guard-stale.json" ] && fail "gc left the stale list"
exec 9<&-
out=$("$NSNET" check 2>&1) || fail "check after gc: $out"

# The same without anything holding the namespace: the kernel removes the veth by itself.
run_ok "$NSNET" ns add brief --net lan >/dev/null
host=$(ns_host_ifname brief lan)
run_ok "$NSNET" ns rm brief >/dev/null
out=$("$NSNET" check 2>&1) || fail "check right after ns rm brief: $out"
wait_until 10 link_gone "$host" || fail "$host still there 10 s after ns rm"

# CNI DEL: the veth is set down and marked going in one request, deleted by `nsnet __link-del`.
conf=$(cni_conf 1.0.0 cnet '"subnet":"10.21.0.0/24"')
ip netns add keep
cni_ok ADD "$conf" CNI_CONTAINERID=keep CNI_NETNS=/run/netns/keep >/dev/null	# the network stays
for i in 1 2 3; do
	ip netns add "ctr$i"
	cni_ok ADD "$conf" CNI_CONTAINERID="c$i" CNI_NETNS="/run/netns/ctr$i" >"$T_TMP/add.json"
	host=$(jq -r '.interfaces[0].name' "$T_TMP/add.json")
	cni_ok DEL "$conf" CNI_CONTAINERID="c$i" CNI_NETNS="/run/netns/ctr$i" >/dev/null
	out=$("$NSNET" check 2>&1) || fail "check right after DEL $i: $out"
	# Gone already, or down and marked going.
	if ! link_gone "$host"; then
		assert_match "$(alias_of "$host")" ' going$' "mark of $host right after DEL"
		ip -o link show "$host" | grep -q '[<,]UP[,>]' && fail "$host is up after DEL"
	fi
	wait_until 10 link_gone "$host" || fail "$host still there 10 s after DEL $i (the deferred deletion did not happen)"
	ip netns del "ctr$i"
done
cni_ok DEL "$conf" CNI_CONTAINERID=keep CNI_NETNS=/run/netns/keep >/dev/null
ip netns del keep
run_ok "$NSNET" gc >/dev/null	# the DELs' stale elements
out=$("$NSNET" check 2>&1) || fail "check at the end: $out"

run_ok "$NSNET" ns rm stay >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
