#!/bin/sh
# SPDX-License-Identifier: MIT
# Hairpin: a backend reaches a VIP whose only backend is itself, and with two backends it
# reaches both (the reply must come back through the host to be un-DNAT'ed).
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
start_name_server b2 8080 b2

run_ok "$NSNET" vip add 10.100.0.1:80/tcp b1:8080 >/dev/null
assert_eq "$(tcp_counts b1 10.100.0.1 80 20)" "b1 20" "20 connections from b1 to the VIP of b1 alone"

run_ok "$NSNET" vip set 10.100.0.1:80/tcp b1:8080 b2:8080 >/dev/null
counts=$(tcp_counts b1 10.100.0.1 80 40)
assert_eq "$(( $(count_of "$counts" b1) + $(count_of "$counts" b2) ))" 40 "connections from b1 answered ($(echo $counts))"
[ "$(count_of "$counts" b1)" -gt 0 ] && [ "$(count_of "$counts" b2)" -gt 0 ] ||
	fail "40 connections from b1 did not reach both backends: $(echo $counts)"

run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
stop_servers
for ns in b1 b2; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
