#!/bin/sh
# SPDX-License-Identifier: MIT
# A subnet overlapping another network's (equal, inside, around; IPv4 and IPv6) is refused with one
# line naming it, and nothing is created.
# One backend: its subject (subnets refused before anything is made) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
before=$(snapshot)
for s in 10.0.0.0/24 10.0.0.128/25 10.0.0.0/16 fd00:10::/64 fd00:10::/96 fd00::/16; do
	pat=$(printf '%s' "$s" | sed 's/\./\\./g')
	run_fail_status 1 "$pat" "$NSNET" network create other --subnet "$s"
	assert_unchanged "$before" "state after network create other --subnet $s"
done
# Overlap within one command.
run_fail '10\.7\.0\.0/2[45]' "$NSNET" network create other --subnet 10.7.0.0/24 --subnet 10.7.0.0/25
assert_unchanged "$before" "state after two overlapping subnets in one command"
# Adjacent is fine.
run_ok "$NSNET" network create other --subnet 10.0.1.0/24 >/dev/null
run_ok "$NSNET" network rm other >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
