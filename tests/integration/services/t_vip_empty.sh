#!/bin/sh
# SPDX-License-Identifier: MIT
# A VIP without backends rejects at once: a TCP connect from the host and from a namespace gets
# "connection refused" (a reset), not a timeout; from outside (wan) too; it lists with no backends.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
ip -n wan route add 10.100.0.0/16 via 192.0.2.1
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null

run_ok "$NSNET" vip add 10.100.0.2:80 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, .port, .protocol, .backends]]')" \
	'[["10.100.0.2",80,"tcp",[]]]' "vip ls --json"
# COUNT_CLIENT_PY has 1 s timeouts: ConnectionRefusedError means refused within 1 s.
for from in host c wan; do
	assert_eq "$(tcp_counts "$from" 10.100.0.2 80 3)" "ERR:ConnectionRefusedError 3" "connections from $from to the empty VIP"
done

run_ok "$NSNET" vip rm 10.100.0.2:80 >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
