#!/bin/sh
# SPDX-License-Identifier: MIT
# --dry-run and explain print the equivalent ip/sysctl/nft (or iptables) commands and change nothing (not the
# kernel, not the records, not the leases); --dry-run may stand anywhere before `--`.
. "$(dirname "$0")/../lib/lib.sh"

before=$(snapshot)
net_plan=$(run_ok "$NSNET" --dry-run network create lan --subnet 10.0.0.0/24)
assert_unchanged "$before" "state after --dry-run network create"
assert_match "$net_plan" 'nsnet-lan' "dry-run of network create names the bridge"
assert_match "$net_plan" '^ip (-[^ ]+ )*link add (name )?nsnet-lan .*type bridge' "dry-run: bridge"
assert_match "$net_plan" '^ip (-[^ ]+ )*addr(ess)? add 10\.0\.0\.1/24 dev nsnet-lan' "dry-run: gateway address"
if [ "$NSNET_BACKEND" = iptables ]; then
	assert_match "$net_plan" '^iptables -w -t nat -A NSNET-POSTROUTING -s 10\.0\.0\.0/24 ! -o nsnet-lan -j MASQUERADE$' "dry-run: masquerade"
	assert_match "$net_plan" '^iptables -w -t filter -I FORWARD -j NSNET-FORWARD$' "dry-run: forward jump"
	assert_match "$net_plan" "^nft 'add table bridge nsnet'" "dry-run: anti-spoofing table"
else
	assert_match "$net_plan" '^nft ' "dry-run: nft"
fi
assert_eq "$(run_ok "$NSNET" explain network create lan --subnet 10.0.0.0/24)" "$net_plan" "explain network create"
assert_unchanged "$before" "state after explain network create"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
before=$(snapshot)
plan=$(run_ok "$NSNET" --dry-run ns add http2 --net lan)
assert_unchanged "$before" "state after --dry-run ns add"
assert_match "$plan" '^ip netns add http2$' "dry-run: netns"
assert_match "$plan" '^ip link add .*type veth peer name eth0( .*)? netns http2( |$)' "dry-run: veth"
assert_match "$plan" '^ip -n http2 addr add 10\.0\.0\.2/24 dev eth0$' "dry-run: address"
assert_match "$plan" '^ip -n http2 route add default via 10\.0\.0\.1' "dry-run: default route"
assert_match "$net_plan
$plan" '^sysctl -w net\.ipv4\.ip_forward=1$' "dry-run: forwarding"
assert_eq "$(run_ok "$NSNET" explain ns add http2 --net lan)" "$plan" "explain ns add"
assert_eq "$(run_ok "$NSNET" ns add http2 --net lan --dry-run)" "$plan" "--dry-run after the command"
assert_unchanged "$before" "state after explain ns add"
# Nothing was leased: the real command gets the address the plan showed.
run_ok "$NSNET" ns add http2 --net lan >/dev/null
assert_eq "$(ns_addrs http2)" "10.0.0.2" "address after dry runs"

before=$(snapshot)
plan=$(run_ok "$NSNET" --dry-run ns rm http2)
assert_match "$plan" 'http2' "dry-run of ns rm"
run_ok "$NSNET" --dry-run network rm lan --force >/dev/null
run_ok "$NSNET" explain detach http2 lan >/dev/null
assert_unchanged "$before" "state after dry-run rm and detach"
ping_ok http2 10.0.0.1

run_ok "$NSNET" ns rm http2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
