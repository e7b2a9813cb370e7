#!/bin/sh
# SPDX-License-Identifier: MIT
# publish NS 127.0.0.1:HOSTPORT:PORT: the host's loopback port reaches the namespace, and only
# there (not the uplink address). route_localnet is turned on for that network's bridge alone
# (never all/lo/default). A namespace on the bridge cannot use it to reach the host's loopback
# services. unpublish ends it.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
start_name_server b1 8080 b1

run_ok "$NSNET" publish b1 127.0.0.1:9090:8080 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .host_ip, .host_port, .port, .protocol, .target]]')" \
	'[["b1","127.0.0.1",9090,8080,"tcp","10.0.0.2"]]' "publish ls --json"
assert_eq "$(tcp_counts host 127.0.0.1 9090 10)" "b1 10" "connections from the host to 127.0.0.1:9090"
assert_match "$(tcp_name host 192.0.2.1 9090)" '^ERR:' "connection from the host to 192.0.2.1:9090 (published on 127.0.0.1 only)"
assert_match "$(tcp_name wan 192.0.2.1 9090)" '^ERR:' "connection from wan to 192.0.2.1:9090 (published on 127.0.0.1 only)"

assert_eq "$(sysctl -n net.ipv4.conf.all.route_localnet)" 0 "net.ipv4.conf.all.route_localnet"
assert_eq "$(sysctl -n net.ipv4.conf.default.route_localnet)" 0 "net.ipv4.conf.default.route_localnet"
assert_eq "$(sysctl -n net.ipv4.conf.lo.route_localnet)" 0 "net.ipv4.conf.lo.route_localnet"
assert_eq "$(sysctl -n net.ipv4.conf.uplink.route_localnet)" 0 "net.ipv4.conf.uplink.route_localnet"
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 1 "net.ipv4.conf.nsnet-lan.route_localnet"

# A namespace on the bridge sends to the host's 127.0.0.1 (its own loopback routes replaced by
# one via the gateway): nothing may be delivered to the host's loopback-only service. Counters of
# our own (a table hooked before and after nsnet's) show the packets reached the host through the
# bridge, and none reached local delivery (input).
start_name_server host 7070 host-lo
ip -n c route del local 127.0.0.0/8 dev lo table local
ip -n c route del local 127.0.0.1 dev lo table local
ip -n c route add 127.0.0.0/8 via 10.0.0.1 dev eth0
ip netns exec c sysctl -qw net.ipv4.conf.eth0.route_localnet=1 net.ipv4.conf.all.route_localnet=1
nft -f - <<'N'
table ip tlocal {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname "nsnet-lan" ip daddr 127.0.0.1 tcp dport 7070 counter
	}
	chain in {
		type filter hook input priority 400; policy accept;
		iifname "nsnet-lan" ip daddr 127.0.0.1 tcp dport 7070 counter
	}
}
N
assert_match "$(tcp_name c 127.0.0.1 7070)" '^ERR:' "connection from c through the bridge to the host's 127.0.0.1:7070"
counter() { nft list chain ip tlocal "$1" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
arrived=$(counter pre)
delivered=$(counter in)
nft delete table ip tlocal
[ "${arrived:-0}" -gt 0 ] || fail "the test's packets from c to 127.0.0.1 never reached the host's bridge (test setup)"
assert_eq "${delivered:-0}" 0 "packets from c to the host's 127.0.0.1:7070 delivered locally"

run_ok "$NSNET" unpublish b1 127.0.0.1:9090 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "publish ls --json after unpublish"
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 0 "route_localnet of nsnet-lan after the last loopback port is unpublished"
assert_match "$(tcp_name host 127.0.0.1 9090)" '^ERR:' "connection from the host to 127.0.0.1:9090 after unpublish"

stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
