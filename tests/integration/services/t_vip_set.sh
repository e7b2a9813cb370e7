#!/bin/sh
# SPDX-License-Identifier: MIT
# vip set replaces a VIP's backend list: afterwards every connection goes to the new backends
# (and none to the old); the id and name stay; an empty list makes the VIP reject; vip set of a
# VIP that does not exist fails and changes nothing.
. "$(dirname "$0")/../lib/lib.sh"

# A route for the VIP range (the host's default route via wan): without one, a packet to a VIP
# without backends is never routed to the filter hooks that reject it.
make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 b3 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
for ns in b1 b2 b3; do start_name_server "$ns" 8080 "$ns"; done

run_ok "$NSNET" vip add 10.100.0.1:80/tcp b1:8080 b2:8080 --name web >/dev/null
counts=$(tcp_counts c 10.100.0.1 80 30)
assert_eq "$(( $(count_of "$counts" b1) + $(count_of "$counts" b2) ))" 30 "connections to b1 and b2 before vip set ($(echo $counts))"

run_ok "$NSNET" vip set 10.100.0.1:80/tcp b3:8080 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.id, .name, .address, .port, [.backends[] | .namespace, .address, .port]]]')" \
	'[[1,"web","10.100.0.1",80,["b3","10.0.0.4",8080]]]' "vip ls --json after vip set"
assert_eq "$(tcp_counts c 10.100.0.1 80 30)" "b3 30" "30 connections after 'vip set 10.100.0.1:80/tcp b3:8080'"

# An empty list: the VIP rejects at once.
run_ok "$NSNET" vip set 10.100.0.1:80/tcp >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.id, .name, .backends]]')" '[[1,"web",[]]]' "vip ls --json after vip set without backends"
assert_eq "$(tcp_counts c 10.100.0.1 80 3)" "ERR:ConnectionRefusedError 3" "connections after vip set without backends"

# And back to two backends, given as IP:PORT this time.
run_ok "$NSNET" vip set 10.100.0.1:80/tcp 10.0.0.3:8080 10.0.0.4:8080 >/dev/null
counts=$(tcp_counts c 10.100.0.1 80 40)
assert_eq "$(count_of "$counts" b1)" 0 "connections to b1 after vip set to b2, b3 ($(echo $counts))"
assert_eq "$(( $(count_of "$counts" b2) + $(count_of "$counts" b3) ))" 40 "connections to b2 and b3 ($(echo $counts))"
[ "$(count_of "$counts" b2)" -gt 0 ] && [ "$(count_of "$counts" b3)" -gt 0 ] ||
	fail "40 connections did not reach both b2 and b3: $(echo $counts)"

before=$(svc_snapshot)
run_fail '10\.100\.0\.9:80' "$NSNET" vip set 10.100.0.9:80/tcp b1:8080
run_fail 'nosuch' "$NSNET" vip set 10.100.0.1:80/tcp nosuch:8080
assert_svc_unchanged "$before" "state after failed vip set"

run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
stop_servers
for ns in b1 b2 b3 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
