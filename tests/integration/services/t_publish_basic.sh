#!/bin/sh
# SPDX-License-Identifier: MIT
# publish NS HOSTPORT:PORT forwards the host's port on every address to the namespace: reached
# from outside (wan, client address kept), from the host and from another namespace through the
# host's uplink address, and from the host on 127.0.0.1 (as Docker and Podman do); publish ls
# shows it; after unpublish it is gone. (t_publish_loopback: the loopback part in detail.)
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
start_server b1 8080

run_ok "$NSNET" publish b1 8080:8080 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" \
	'[{"id":1,"namespace":"b1","network":"lan","host_ip":"","host_port":8080,"port":8080,"protocol":"tcp","target":"10.0.0.2"}]' \
	"publish ls --json"
assert_eq "$(json "$NSNET" ls --json | jq -c '.ports')" "$(json "$NSNET" publish ls --json)" "ports of ls --json"
assert_match "$(run_ok "$NSNET" publish ls)" '8080' "publish ls (text)"

# From outside: the backend sees the real client (no SNAT).
assert_eq "$(tcp_get wan 192.0.2.1 8080)" "192.0.2.2" "client address seen by b1 from wan"
for from in host c; do
	seen=$(tcp_get "$from" 192.0.2.1 8080) || fail "TCP connection from $from to 192.0.2.1:8080 failed"
	[ -n "$seen" ] || fail "no answer from $from to 192.0.2.1:8080"
done
# Several connections in a row, from each side.
for from in wan host c; do
	for i in 1 2 3 4 5; do
		tcp_get "$from" 192.0.2.1 8080 >/dev/null || fail "connection $i from $from to 192.0.2.1:8080 failed"
	done
done
# Every address includes the host's loopback.
assert_eq "$(tcp_get host 127.0.0.1 8080)" "10.0.0.1" "client address seen by b1 from the host's 127.0.0.1 (masqueraded)"

run_ok "$NSNET" unpublish b1 8080 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "publish ls --json after unpublish"
for from in wan host c; do
	if out=$(tcp_get "$from" 192.0.2.1 8080); then fail "192.0.2.1:8080 still reaches b1 from $from after unpublish: $out"; fi
done
if out=$(tcp_get host 127.0.0.1 8080); then fail "127.0.0.1:8080 still reaches b1 after unpublish: $out"; fi
# b1 itself still answers on its own address.
assert_eq "$(tcp_get c 10.0.0.2 8080)" "10.0.0.3" "b1 directly after unpublish"

stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
