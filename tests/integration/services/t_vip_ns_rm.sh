#!/bin/sh
# SPDX-License-Identifier: MIT
# ns rm of a backend namespace removes it from every VIP's backends (a VIP left without backends
# rejects) and unpublishes its ports, in the records and in the kernel (traffic); the other
# namespace's backends and ports stay.
. "$(dirname "$0")/../lib/lib.sh"

# A route for the VIP range, so a VIP left without backends is rejected by the filter hooks.
make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
b1_server=$(last_pid)
start_name_server b2 8080 b2

run_ok "$NSNET" vip add 10.100.0.1:80 b1:8080 b2:8080 --name both >/dev/null
run_ok "$NSNET" vip add 10.100.0.2:80 b1:8080 --name only-b1 >/dev/null
run_ok "$NSNET" vip add 10.100.0.3:80 b2:8080 b1:8080 --affinity 30 >/dev/null
run_ok "$NSNET" publish b1 8080:8080 >/dev/null
run_ok "$NSNET" publish b1 5353:5353/udp >/dev/null
run_ok "$NSNET" publish b2 9090:8080 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .host_port, .protocol]] | sort')" \
	'[["b1",5353,"udp"],["b1",8080,"tcp"],["b2",9090,"tcp"]]' "publish ls --json"
assert_eq "$(tcp_name c 10.100.0.2 80)" "b1 1" "VIP of b1 alone before ns rm"
assert_eq "$(tcp_name c 192.0.2.1 8080)" "b1 1" "port 8080 published by b1 before ns rm"

stop_pid "$b1_server"
run_ok "$NSNET" ns rm b1 >/dev/null

backends() { json "$NSNET" vip ls --json | jq -c '[.[] | [.address, .name, [.backends[] | .namespace, .address, .port]]] | sort'; }
assert_eq "$(backends)" '[["10.100.0.1","both",["b2","10.0.0.3",8080]],["10.100.0.2","only-b1",[]],["10.100.0.3","",["b2","10.0.0.3",8080]]]' \
	"vip ls --json after ns rm b1"
assert_eq "$(json "$NSNET" ls --json | jq -c '[.vips[] | [.address, [.backends[].namespace]]] | sort')" \
	'[["10.100.0.1",["b2"]],["10.100.0.2",[]],["10.100.0.3",["b2"]]]' "vips of ls --json after ns rm b1"
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .host_port, .protocol]]')" \
	'[["b2",9090,"tcp"]]' "publish ls --json after ns rm b1"

# Traffic: the VIPs reach b2 only, the emptied VIP rejects, b1's published port is gone.
assert_eq "$(tcp_counts c 10.100.0.1 80 20)" "b2 20" "connections to VIP 10.100.0.1 after ns rm b1"
assert_eq "$(tcp_counts c 10.100.0.3 80 10)" "b2 10" "connections to VIP 10.100.0.3 after ns rm b1"
assert_eq "$(tcp_counts c 10.100.0.2 80 3)" "ERR:ConnectionRefusedError 3" "connections to the emptied VIP 10.100.0.2"
assert_match "$(tcp_name c 192.0.2.1 8080)" '^ERR:' "connection to port 8080 once published by b1"
assert_eq "$(tcp_name c 192.0.2.1 9090)" "b2 1" "port 9090 published by b2"

for v in 10.100.0.1:80 10.100.0.2:80 10.100.0.3:80; do run_ok "$NSNET" vip rm "$v" >/dev/null; done
run_ok "$NSNET" unpublish b2 9090 >/dev/null
stop_servers
for ns in b2 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
