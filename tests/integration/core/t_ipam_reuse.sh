#!/bin/sh
# SPDX-License-Identifier: MIT
# IPAM: addresses are handed out lowest first, a released address is handed out again, and the
# lease record goes with the network.
# One backend: its subject (IPAM's order and reuse of addresses) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for n in a b c; do run_ok "$NSNET" ns add "$n" --net lan >/dev/null; done
assert_eq "$(ns_addrs a) $(ns_addrs b) $(ns_addrs c)" "10.0.0.2 10.0.0.3 10.0.0.4" "first three addresses"
[ -f "$STATE_DIR/leases/lan/10.0.0.3.json" ] || fail "no lease record $STATE_DIR/leases/lan/10.0.0.3.json"

run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" ns add d --net lan >/dev/null
assert_eq "$(ns_addrs d)" "10.0.0.3" "address after 10.0.0.3 was released"
run_ok "$NSNET" ns add e --net lan >/dev/null
assert_eq "$(ns_addrs e)" "10.0.0.5" "next address"
ping_ok d 10.0.0.2
ping_ok d 10.0.0.5

for n in a c d e; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
[ -e "$STATE_DIR/leases/lan" ] && fail "lease records survive network rm: $(ls "$STATE_DIR/leases/lan")"
# A new network of the same name starts afresh.
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add f --net lan >/dev/null
assert_eq "$(ns_addrs f)" "10.0.0.2" "first address of a re-created network"
run_ok "$NSNET" ns rm f >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
