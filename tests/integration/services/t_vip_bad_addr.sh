#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add with an address that cannot be a VIP (unspecified, broadcast, multicast, loopback,
# IPv4-mapped IPv6): exits 1 or 2 with one line naming the address, and changes nothing. (Such a
# VIP never works: one on 127.0.0.1 only makes the host's connections to it time out.)
# One backend: its subject (VIP addresses refused before anything is made) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
before=$(svc_snapshot)

# Each in a subshell (run_fail exits on failure), so one run reports every address accepted.
accepted=
for vip in 0.0.0.0:80 255.255.255.255:80 224.0.0.1:80 127.0.0.1:81 '[::]:80' '[::1]:80' '[ff02::1]:80' '[::ffff:10.100.0.1]:80'; do
	addr=${vip%:*}; addr=${addr#[}; addr=${addr%]}
	(run_fail "$(printf '%s' "$addr" | sed 's/\./\\./g')" "$NSNET" vip add "$vip" b1:8080) || accepted="$accepted $vip"
done
[ -z "$accepted" ] || fail "vip add did not refuse these VIPs as it should:$accepted"
assert_svc_unchanged "$before" "state after vip add of addresses that cannot be VIPs"

run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
