#!/bin/sh
# SPDX-License-Identifier: MIT
# gc repairs a network whose own link was taken away by hand: a bridge deleted with `ip link del`
# is made again with its gateway addresses, the namespaces' host ends are put back on it with
# their hairpin mode, and traffic and names work again; a bridge set down is set up; a routed
# network's gateway link is made again. check reports each before gc, and nothing after.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
ping_ok a 10.0.0.3
port_a=$(jq -r '.attachments[0].host_ifname' "$STATE_DIR/namespaces/a.json")

# 1. The bridge deleted: check says so, gc makes it again with both ports.
ip link del nsnet-lan
out=$("$NSNET" check 2>&1) && fail "check found nothing with the bridge gone: $out"
assert_match "$out" 'bridge nsnet-lan is missing' "check with the bridge gone"
assert_match "$(run_ok "$NSNET" gc)" 'network lan: nsnet-lan was missing: made again, 2 port\(s\) put back' "gc output"
run_ok "$NSNET" check >/dev/null
assert_eq "$(ip -o -4 addr show dev nsnet-lan | awk '{ print $4 }')" 10.0.0.1/24 "the gateway address on the new bridge"
assert_match "$(ip -d link show dev "$port_a")" 'master nsnet-lan' "a's host end on the bridge"
assert_match "$(ip -d link show dev "$port_a")" 'hairpin on' "a's host end hairpin mode"
ping_ok a 10.0.0.3
ping_ok a 10.0.0.1
assert_match "$(ip netns exec a getent ahostsv4 b | head -1)" '^10\.0\.0\.3 ' "b's name from a"
assert_eq "$(run_ok "$NSNET" gc)" "gc: nothing to do" "a second gc"

# 2. The bridge set down: gc sets it up.
ip link set nsnet-lan down
assert_match "$("$NSNET" check 2>&1 || true)" 'bridge nsnet-lan is down' "check with the bridge down"
assert_match "$(run_ok "$NSNET" gc)" 'network lan: nsnet-lan was down: set up' "gc output, bridge down"
run_ok "$NSNET" check >/dev/null
ping_ok a 10.0.0.3

# 3. Another link in the bridge's name: not nsnet's, left alone (check keeps reporting; gc
# fails, as the resolver cannot answer without its address).
ip link del nsnet-lan
ip link add nsnet-lan type veth peer name nsnet-lanp
"$NSNET" gc >/dev/null 2>&1 || true
assert_match "$(ip -d link show dev nsnet-lan)" 'veth' "a link of someone else's in the bridge's name"
"$NSNET" check >/dev/null 2>&1 && fail "check agrees while a veth holds the bridge's name"
ip link del nsnet-lan
run_ok "$NSNET" gc >/dev/null
run_ok "$NSNET" check >/dev/null
ping_ok b 10.0.0.2

# 4. A routed network's gateway link deleted: made again, the namespace reaches it.
run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 >/dev/null
run_ok "$NSNET" ns add c --net rt >/dev/null
ip link del nsnet-rt
assert_match "$("$NSNET" check 2>&1 || true)" 'gateway link nsnet-rt is missing' "check, routed"
assert_match "$(run_ok "$NSNET" gc)" 'network rt: nsnet-rt was missing: made again, 0 port\(s\) put back' "gc output, routed"
run_ok "$NSNET" check >/dev/null
ping_ok c 10.7.0.1

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm rt >/dev/null
