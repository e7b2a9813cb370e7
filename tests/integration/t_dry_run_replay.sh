#!/bin/sh
# SPDX-License-Identifier: MIT
# The commands --dry-run prints are the equivalent of the real operation: replayed with sh (no
# nsnet involved), the plans of network create and ns add give a working namespace (gateway,
# NAT to wan), and the plans of ns rm and network rm take it all down again.
. "$(dirname "$0")/lib.sh"

make_wan
start_server wan 80

# Record the four plans, each against the state the real command would meet.
run_ok "$NSNET" --dry-run network create lan --subnet 10.0.0.0/24 >"$T_TMP/1-create.sh"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" --dry-run ns add http2 --net lan >"$T_TMP/2-add.sh"
run_ok "$NSNET" ns add http2 --net lan >/dev/null
run_ok "$NSNET" --dry-run ns rm http2 >"$T_TMP/3-rm.sh"
run_ok "$NSNET" ns rm http2 >/dev/null
run_ok "$NSNET" --dry-run network rm lan >"$T_TMP/4-rm.sh"
run_ok "$NSNET" network rm lan >/dev/null
leak_check

replay() {
	sh -e "$T_TMP/$1" >"$T_TMP/replay.out" 2>&1 || {
		sed 's/^/  plan: /' "$T_TMP/$1" >&2
		sed 's/^/  output: /' "$T_TMP/replay.out" >&2
		fail "replaying the plan $1 failed"
	}
}
replay 1-create.sh
replay 2-add.sh
assert_match "$(ip -n http2 -o -4 addr show dev eth0)" 'inet 10\.0\.0\.2/24 ' "address after replay"
ping_ok http2 10.0.0.1
assert_eq "$(tcp_get http2 198.51.100.1 80)" "192.0.2.1" "NAT after replay"
assert_eq "$(ip netns exec http2 cat /etc/resolv.conf | grep '^nameserver')" "nameserver 192.0.2.53" "resolv.conf after replay"
replay 3-rm.sh
replay 4-rm.sh
stop_servers
leak_check
