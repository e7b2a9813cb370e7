#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add/set/rm with bad values: each exits 1 or 2 with one line naming the value, and changes
# nothing (links, addresses, routes, nft ruleset, records, `nsnet ls --json` with its vips).
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add lone >/dev/null
ip netns add foreign
run_ok "$NSNET" vip add 10.100.0.9:80 b1:8080 >/dev/null
before=$(svc_snapshot)

# Ports and protocols.
run_fail "port '0'" "$NSNET" vip add 10.100.0.1:0 b1:80
run_fail "'65536'" "$NSNET" vip add 10.100.0.1:65536 b1:80
run_fail "'abc'" "$NSNET" vip add 10.100.0.1:abc b1:80
run_fail "sctp" "$NSNET" vip add 10.100.0.1:80/sctp b1:80
run_fail "10\.100\.0\.1" "$NSNET" vip add 10.100.0.1 b1:80
run_fail "b1:0" "$NSNET" vip add 10.100.0.1:80 b1:0
run_fail "b1:65536" "$NSNET" vip add 10.100.0.1:80 b1:65536
# Backends that cannot be resolved.
run_fail "nosuch.*does not exist" "$NSNET" vip add 10.100.0.1:80 nosuch:80
run_fail "lone.*no IPv4 address" "$NSNET" vip add 10.100.0.1:80 lone:80
run_fail "foreign" "$NSNET" vip add 10.100.0.1:80 foreign:80
run_fail "10\.0\.0\.2:80.*twice" "$NSNET" vip add 10.100.0.1:80 b1:80 b1:80
# Addresses: inside a network's subnet, duplicates.
run_fail "10\.0\.0\.50:80.*10\.0\.0\.0/24" "$NSNET" vip add 10.0.0.50:80 b1:80
run_fail "10\.100\.0\.9:80.*already exists" "$NSNET" vip add 10.100.0.9:80 b1:80
run_fail "10\.100\.0\.9:80.*already exists" "$NSNET" vip add 10.100.0.9:80/tcp 10.0.0.2:81
# Affinity out of range.
run_fail "--affinity 0" "$NSNET" vip add 10.100.0.1:80 b1:80 --affinity 0
run_fail "--affinity 100000" "$NSNET" vip add 10.100.0.1:80 b1:80 --affinity 100000
run_fail "--affinity -1" "$NSNET" vip add 10.100.0.1:80 b1:80 --affinity -1
run_fail "--affinity x" "$NSNET" vip add 10.100.0.1:80 b1:80 --affinity x
# Family mismatches.
run_fail "fd00::2" "$NSNET" vip add 10.100.0.1:80 '[fd00::2]:80'
run_fail "10\.0\.0\.2:80" "$NSNET" vip add '[fd00:100::1]:80' 10.0.0.2:80
run_fail "b1.*IPv6" "$NSNET" vip add '[fd00:100::1]:80' b1:80
# set and rm of a VIP that does not exist, set with a bad backend.
run_fail "10\.100\.0\.77:80" "$NSNET" vip set 10.100.0.77:80 b1:80
run_fail "10\.100\.0\.77:80" "$NSNET" vip rm 10.100.0.77:80
run_fail "10\.100\.0\.9:80/udp" "$NSNET" vip rm 10.100.0.9:80/udp
run_fail "nosuch" "$NSNET" vip set 10.100.0.9:80 nosuch:80
run_fail "fd00::2" "$NSNET" vip set 10.100.0.9:80 '[fd00::2]:80'
run_fail "--bogus" "$NSNET" vip add 10.100.0.1:80 b1:80 --bogus
assert_svc_unchanged "$before" "state after the failed vip commands"

ip netns del foreign
run_ok "$NSNET" vip rm 10.100.0.9:80 >/dev/null
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm lone >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
