#!/bin/sh
# SPDX-License-Identifier: MIT
# Publishing over IPv6: on the host's IPv6 address ([HOSTIP6]:HOSTPORT:PORT) to the namespace's
# IPv6 address of a dual-stack network, and on every address for a namespace of an IPv6-only
# network; reached from wan over IPv6, the client address kept. ::1 is refused.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan
ip addr add 2001:db8:2::1/64 dev uplink nodad
ip -n wan addr add 2001:db8:2::2/64 dev eth0 nodad

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create v6 --subnet fd00:20::/64 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add b6 --net v6 >/dev/null
start_server b1 8080
start_server b6 8080

run_ok "$NSNET" publish b1 '[2001:db8:2::1]:8080:8080' >/dev/null
run_ok "$NSNET" publish b6 8082:8080 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .network, .host_ip, .host_port, .port, .target]] | sort')" \
	'[["b1","lan","2001:db8:2::1",8080,8080,"fd00:10::2"],["b6","v6","",8082,8080,"fd00:20::2"]]' "publish ls --json"

# The first connection may wait for duplicate address detection and neighbour discovery.
got() { [ "$(tcp_get wan 2001:db8:2::1 "$1")" = 2001:db8:2::2 ]; }
wait_until 5 got 8080 || fail "[2001:db8:2::1]:8080 from wan: got '$(tcp_get wan 2001:db8:2::1 8080)', expected b1 to see 2001:db8:2::2"
wait_until 5 got 8082 || fail "[2001:db8:2::1]:8082 from wan: got '$(tcp_get wan 2001:db8:2::1 8082)', expected b6 to see 2001:db8:2::2"

run_fail "::1" "$NSNET" publish b1 '[::1]:8081:8080'

run_ok "$NSNET" unpublish b1 '[2001:db8:2::1]:8080' >/dev/null
run_ok "$NSNET" unpublish b6 8082 >/dev/null
if out=$(tcp_get wan 2001:db8:2::1 8080); then fail "[2001:db8:2::1]:8080 still answers after unpublish: $out"; fi
stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm b6 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm v6 >/dev/null
svc_leak_check
leak_check
