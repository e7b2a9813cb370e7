#!/bin/sh
# SPDX-License-Identifier: MIT
# --internal: namespaces get no default route and nothing is forwarded out of the network (not
# even with a default route added by hand), but the gateway and the peers are reachable.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
start_server wan 80

run_ok "$NSNET" network create priv --subnet 10.5.0.0/24 --internal >/dev/null
assert_eq "$(net_json priv | jq -c '.internal')" "true" "internal in network ls --json"
run_ok "$NSNET" ns add a --net priv >/dev/null
run_ok "$NSNET" ns add b --net priv >/dev/null
assert_eq "$(default_route a)" "" "default route in a (none expected)"

ping_ok a 10.5.0.1
ping_ok a 10.5.0.3
ping_fails a 198.51.100.1
tcp_get a 198.51.100.1 80 >/dev/null && fail "a reached wan from an internal network"

# Even with a route out, and a route back in wan (so NAT is not needed), the host must not
# forward it.
ip -n a route add default via 10.5.0.1
ip -n wan route add 10.5.0.0/24 via 192.0.2.1
ping_fails a 198.51.100.1
tcp_get a 198.51.100.1 80 >/dev/null && fail "a reached wan from an internal network through a default route added by hand"
# ... while wan itself is fine (the failure is the network's, not the test's).
ping_ok host 198.51.100.1
ip -n wan route del 10.5.0.0/24 via 192.0.2.1
stop_servers

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm priv >/dev/null
leak_check
