#!/bin/sh
# SPDX-License-Identifier: MIT
# The commands --dry-run prints are the equivalent of the real operation: replayed with sh (no
# nsnet involved), the plans of network create and ns add give a working namespace (gateway,
# NAT to wan), the plans of publish and vip add a port reached from wan and a VIP reached from
# the host, and the plans of their removal, ns rm and network rm take it all down again. Run on
# each backend: with iptables the plans are iptables commands.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
start_server wan 80

# Record the four plans, each against the state the real command would meet.
run_ok "$NSNET" --dry-run network create lan --subnet 10.0.0.0/24 --no-dns >"$T_TMP/1-create.sh"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --no-dns >/dev/null
run_ok "$NSNET" --dry-run ns add http2 --net lan >"$T_TMP/2-add.sh"
run_ok "$NSNET" ns add http2 --net lan >/dev/null
run_ok "$NSNET" --dry-run publish http2 8080:80 >"$T_TMP/2b-publish.sh"
run_ok "$NSNET" publish http2 8080:80 >/dev/null
run_ok "$NSNET" --dry-run vip add 10.100.0.1:81 http2:80 >"$T_TMP/2c-vip.sh"
run_ok "$NSNET" vip add 10.100.0.1:81 http2:80 >/dev/null
run_ok "$NSNET" --dry-run vip rm 10.100.0.1:81 >"$T_TMP/2d-vip-rm.sh"
run_ok "$NSNET" vip rm 10.100.0.1:81 >/dev/null
run_ok "$NSNET" --dry-run unpublish http2 8080 >"$T_TMP/2e-unpublish.sh"
run_ok "$NSNET" unpublish http2 8080 >/dev/null
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
start_server http2 80
replay 2b-publish.sh
assert_eq "$(tcp_get wan 192.0.2.1 8080)" "192.0.2.2" "published port from wan after replay"
replay 2c-vip.sh
assert_eq "$(tcp_get host 10.100.0.1 81)" "192.0.2.1" "VIP from the host after replay"
replay 2d-vip-rm.sh
replay 2e-unpublish.sh
assert_match "$(tcp_name wan 192.0.2.1 8080)" '^ERR:' "published port from wan after the unpublish plan"
replay 3-rm.sh
replay 4-rm.sh
stop_servers
leak_check
