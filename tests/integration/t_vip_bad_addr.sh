#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add with an address that cannot be a VIP (unspecified, broadcast, multicast, loopback,
# IPv4-mapped IPv6): exits 1 or 2 with one line naming the address, and changes nothing. (Such a
# VIP never works: a 127.0.0.1 VIP, for one, only makes the host's connections time out.)
. "$(dirname "$0")/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
before=$(svc_snapshot)

run_fail "0\.0\.0\.0" "$NSNET" vip add 0.0.0.0:80 b1:8080
run_fail "255\.255\.255\.255" "$NSNET" vip add 255.255.255.255:80 b1:8080
run_fail "224\.0\.0\.1" "$NSNET" vip add 224.0.0.1:80 b1:8080
run_fail "127\.0\.0\.1" "$NSNET" vip add 127.0.0.1:81 b1:8080
run_fail "::" "$NSNET" vip add '[::]:80' b1:8080
run_fail "::1" "$NSNET" vip add '[::1]:80' b1:8080
run_fail "ff02::1" "$NSNET" vip add '[ff02::1]:80' b1:8080
run_fail "::ffff:10\.100\.0\.1" "$NSNET" vip add '[::ffff:10.100.0.1]:80' b1:8080
assert_svc_unchanged "$before" "state after vip add of addresses that cannot be VIPs"

run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
