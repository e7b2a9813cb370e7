#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add: a TCP VIP with two backends spreads connections over both, from the host, from a
# namespace on the network and from outside (wan, through the host); vip ls --json shows it;
# after vip rm the VIP answers no more.
. "$(dirname "$0")/../lib/lib.sh"

# The host needs a route for the VIP (its default route via wan) before output NAT runs.
make_wan
# Wan sends to the VIP range through the host.
ip -n wan route add 10.100.0.0/16 via 192.0.2.1

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
start_name_server b2 8080 b2

run_ok "$NSNET" vip add 10.100.0.1:80/tcp b1:8080 b2:8080 --name web >/dev/null
assert_eq "$(json "$NSNET" vip ls --json)" \
	'[{"id":1,"name":"web","address":"10.100.0.1","port":80,"protocol":"tcp","affinity":0,"backends":[{"address":"10.0.0.2","port":8080,"namespace":"b1"},{"address":"10.0.0.3","port":8080,"namespace":"b2"}]}]' \
	"vip ls --json"
assert_eq "$(json "$NSNET" ls --json | jq -c '.vips')" "$(json "$NSNET" vip ls --json)" "vips of ls --json"
assert_match "$(run_ok "$NSNET" vip ls)" '10\.100\.0\.1' "vip ls (text)"

# spread FROM: 100 connections from FROM, all answered, each backend more than 10.
spread() {
	counts=$(tcp_counts "$1" 10.100.0.1 80 100)
	assert_eq "$(( $(count_of "$counts" b1) + $(count_of "$counts" b2) ))" 100 \
		"connections from $1 answered by a backend ($(echo $counts))"
	[ "$(count_of "$counts" b1)" -gt 10 ] && [ "$(count_of "$counts" b2)" -gt 10 ] ||
		fail "connections from $1 not spread over both backends: $(echo $counts)"
}
spread host
spread c
spread wan

run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
assert_eq "$(json "$NSNET" vip ls --json)" "[]" "vip ls --json after vip rm"
for from in host c wan; do
	counts=$(tcp_name "$from" 10.100.0.1 80)
	assert_eq "$(count_of "$counts" b1)$(count_of "$counts" b2)" "00" "answers from $from after vip rm ($(echo $counts))"
done
# The backends themselves still answer: only the VIP went.
assert_eq "$(tcp_name c 10.0.0.2 8080)" "b1 1" "b1 directly after vip rm"

stop_servers
for ns in b1 b2 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
