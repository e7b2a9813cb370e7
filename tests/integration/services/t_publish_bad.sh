#!/bin/sh
# SPDX-License-Identifier: MIT
# publish/unpublish with bad values: each exits 1 or 2 with one line naming the value, and
# changes nothing (nft ruleset, route_localnet, records, `nsnet ls --json`).
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create lan2 --subnet 10.0.1.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add b2 --net lan >/dev/null
run_ok "$NSNET" ns add lone >/dev/null
run_ok "$NSNET" publish b1 8080:8080 >/dev/null
before=$(svc_snapshot)

run_fail "'0'" "$NSNET" publish b1 0:80
run_fail "'0'" "$NSNET" publish b1 80:0
run_fail "65536" "$NSNET" publish b1 65536:80
run_fail "'abc'" "$NSNET" publish b1 abc:80
run_fail "sctp" "$NSNET" publish b1 8081:80/sctp
run_fail "8081" "$NSNET" publish b1 8081
run_fail "nosuch.*does not exist" "$NSNET" publish nosuch 8081:80
run_fail "lone" "$NSNET" publish lone 8081:80
run_fail "lan2" "$NSNET" publish b1 8081:80 --net lan2
run_fail "::1" "$NSNET" publish b1 '[::1]:8081:80'
run_fail "b1.*IPv6" "$NSNET" publish b1 '[fd00::1]:8081:80'
run_fail "not-an-ip" "$NSNET" publish b1 not-an-ip:8081:80
run_fail "bad/name" "$NSNET" publish bad/name 8081:80
# unpublish of what is not published, or published by another namespace.
run_fail "9999" "$NSNET" unpublish b1 9999
run_fail "8080/udp" "$NSNET" unpublish b1 8080/udp
run_fail "b2.*8080" "$NSNET" unpublish b2 8080
run_fail "127\.0\.0\.1" "$NSNET" unpublish b1 127.0.0.1:8080
# A network that does not exist is named as such (not "no IPv6 address on network nosuch").
run_fail "network nosuch does not exist" "$NSNET" publish b1 8081:80 --net nosuch
assert_svc_unchanged "$before" "state after the failed publish commands"

run_ok "$NSNET" unpublish b1 8080 >/dev/null
for ns in b1 b2 lone; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm lan2 >/dev/null
svc_leak_check
leak_check
