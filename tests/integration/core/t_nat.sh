#!/bin/sh
# SPDX-License-Identifier: MIT
# NAT: a namespace reaches the "internet server" 198.51.100.1 in wan, which sees the host's
# uplink address 192.0.2.1 (wan has no route to 10.0.0.0/24: only masquerading makes this work).
# Traffic inside the network is not masqueraded.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
start_server wan 80

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
run_ok "$NSNET" ns add d --net lan >/dev/null
assert_eq "$(sysctl -n net.ipv4.ip_forward)" "1" "net.ipv4.ip_forward on the host"

ping_ok c 198.51.100.1
seen=$(tcp_get c 198.51.100.1 80) || fail "TCP connection from c to 198.51.100.1:80 failed"
assert_eq "$seen" "192.0.2.1" "client address seen by wan"
assert_eq "$(tail -n 1 "$T_TMP/server.wan.80.log")" "192.0.2.1" "wan server log"

start_server d 8080
assert_eq "$(tcp_get c 10.0.0.3 8080)" "10.0.0.2" "client address seen inside the network"
# The host reaching a namespace is not masqueraded either.
assert_eq "$(tcp_get host 10.0.0.3 8080)" "10.0.0.1" "host's address seen by d"
stop_servers

run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" ns rm d >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
