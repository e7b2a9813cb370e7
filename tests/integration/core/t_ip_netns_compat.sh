#!/bin/sh
# SPDX-License-Identifier: MIT
# Namespaces made by nsnet are ordinary persistent namespaces: `ip netns list` shows them and
# `ip netns exec` works in them, with traffic.
# One backend: its subject (namespaces usable by ip netns) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add http2 --net lan >/dev/null
run_ok "$NSNET" ns add http3 --net lan >/dev/null
assert_match "$(ip netns list)" '^http2( |$)' "ip netns list"
assert_match "$(ip netns list)" '^http3( |$)' "ip netns list"
assert_match "$(ip netns exec http2 ip -o -4 addr show dev eth0)" 'inet 10\.0\.0\.2/24 ' "ip netns exec http2"
ip netns exec http2 ping -n -c1 -W1 10.0.0.3 >/dev/null || fail "ip netns exec http2 ping 10.0.0.3 failed"
# A server started with ip netns exec is reachable from a peer.
ip netns exec http3 python3 -c "$SERVER_PY" 8080 >/dev/null 2>&1 </dev/null &
track_pid $!
wait_listen http3 8080
assert_eq "$(tcp_get http2 10.0.0.3 8080)" "10.0.0.2" "TCP from http2 to http3"
stop_servers
run_ok "$NSNET" ns rm http2 >/dev/null
run_ok "$NSNET" ns rm http3 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
