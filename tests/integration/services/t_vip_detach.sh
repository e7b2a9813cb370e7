#!/bin/sh
# SPDX-License-Identifier: MIT
# detach NS NET removes NS's backends on NET from every VIP and unpublishes its ports through NET;
# its backends and ports on another network stay.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create lan2 --subnet 10.0.1.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan --net lan2 >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
start_name_server b1 8080 b1

# b1:8080 resolves to b1's first network (lan); 10.0.1.2:8080 is its lan2 address.
run_ok "$NSNET" vip add 10.100.0.1:80 b1:8080 >/dev/null
run_ok "$NSNET" vip add 10.100.0.2:80 10.0.1.2:8080 >/dev/null
run_ok "$NSNET" publish b1 8080:8080 --net lan >/dev/null
run_ok "$NSNET" publish b1 8081:8080 --net lan2 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, [.backends[] | .address]]] | sort')" \
	'[["10.100.0.1",["10.0.0.2"]],["10.100.0.2",["10.0.1.2"]]]' "vip ls --json"
assert_eq "$(tcp_name c 10.100.0.1 80)" "b1 1" "VIP 10.100.0.1 before detach"
assert_eq "$(tcp_name c 192.0.2.1 8080)" "b1 1" "port 8080 before detach"

run_ok "$NSNET" detach b1 lan >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, [.backends[] | .address]]] | sort')" \
	'[["10.100.0.1",[]],["10.100.0.2",["10.0.1.2"]]]' "vip ls --json after detach b1 lan"
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .network, .host_port, .target]]')" \
	'[["b1","lan2",8081,"10.0.1.2"]]' "publish ls --json after detach b1 lan"
assert_eq "$(tcp_name c 10.100.0.1 80)" "ERR:ConnectionRefusedError 1" "VIP 10.100.0.1 after detach"
assert_eq "$(tcp_name c 10.100.0.2 80)" "b1 1" "VIP 10.100.0.2 (backend on lan2) after detach"
assert_match "$(tcp_name c 192.0.2.1 8080)" '^ERR:' "port 8080 (published through lan) after detach"
assert_eq "$(tcp_name c 192.0.2.1 8081)" "b1 1" "port 8081 (published through lan2) after detach"

run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.2:80 >/dev/null
run_ok "$NSNET" unpublish b1 8081 >/dev/null
stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm lan2 >/dev/null
svc_leak_check
leak_check
