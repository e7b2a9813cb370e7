#!/bin/sh
# SPDX-License-Identifier: MIT
# A port published on every address (no host address, 0.0.0.0 or [::]) is reached from the host
# on 127.0.0.1 too, as with Docker and Podman: --dry-run shows route_localnet on that network's
# bridge and the ruleset has the output-only loopback rule; route_localnet is never set on
# all/default/lo/uplink, and goes off again with the last such port (unpublish, or ns rm). The
# guard still holds: neither a namespace on the bridge nor wan (through the uplink) reaches the
# host's loopback, the published port included. [::1] stays refused with its explanation.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
start_name_server b1 8080 b1

plan=$(run_ok "$NSNET" --dry-run publish b1 8080:8080)
assert_match "$plan" 'sysctl -w net\.ipv4\.conf\.nsnet-lan\.route_localnet=1' "--dry-run publish b1 8080:8080"
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 0 "route_localnet of nsnet-lan after --dry-run"
run_ok "$NSNET" publish b1 8080:8080 >/dev/null
run_ok "$NSNET" publish b1 0.0.0.0:8081:8080 >/dev/null
run_ok "$NSNET" publish b1 '[::]:8082:8080' >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.host_ip, .host_port]] | sort')" \
	'[["",8080],["",8081],["",8082]]' "publish ls --json (0.0.0.0 and [::] are every address)"
for port in 8080 8081 8082; do
	assert_eq "$(tcp_counts host 127.0.0.1 "$port" 5)" "b1 5" "connections from the host to 127.0.0.1:$port"
	assert_eq "$(tcp_name wan 192.0.2.1 "$port")" "b1 1" "connection from wan to 192.0.2.1:$port"
done

# The rule that does it: output hook only, 127.0.0.1 only.
if [ "$NSNET_BACKEND" = iptables ]; then
	assert_match "$(iptables-save -t nat)" '-A NSNET-SERVICES -d 127\.0\.0\.1/32 -o lo -j NSNET-PUBANY' "iptables nat rules"
else
	assert_match "$(nft list chain inet nsnet svc-out)" 'ip daddr 127\.0\.0\.1 meta l4proto \. th dport vmap @pubany4' "nft chain svc-out"
	assert_no_match "$(nft list chain inet nsnet svc-pre)" 'daddr 127\.0\.0\.1' "nft chain svc-pre"
fi
for dev in all default lo uplink; do
	assert_eq "$(sysctl -n "net.ipv4.conf.$dev.route_localnet")" 0 "net.ipv4.conf.$dev.route_localnet"
done
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 1 "net.ipv4.conf.nsnet-lan.route_localnet"

# [::1] cannot be routed to a namespace: refused, and said why.
run_fail "::1.*IPv6 cannot route loopback" "$NSNET" publish b1 '[::1]:8083:8080'

# Neighbours send to the host's 127.0.0.1 (their own loopback routes replaced by one via the
# host): nothing may be delivered to a loopback-only service of the host, nor DNAT'ed to b1.
# Counters of our own (a table hooked before and after nsnet's) show the packets reached the host
# and none reached local delivery (input); no answer shows none reached b1.
start_name_server host 7070 host-lo
for n in c wan; do
	ip -n "$n" route del local 127.0.0.0/8 dev lo table local
	ip -n "$n" route del local 127.0.0.1 dev lo table local
	ip netns exec "$n" sysctl -qw net.ipv4.conf.all.route_localnet=1
done
ip -n c route add 127.0.0.0/8 via 10.0.0.1 dev eth0
ip netns exec c sysctl -qw net.ipv4.conf.eth0.route_localnet=1
ip -n wan route add 127.0.0.0/8 via 192.0.2.1 dev eth0
ip netns exec wan sysctl -qw net.ipv4.conf.eth0.route_localnet=1
nft -f - <<'N'
table ip tlocal {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname != "lo" ip daddr 127.0.0.1 counter
	}
	chain in {
		type filter hook input priority 400; policy accept;
		iifname != "lo" ip daddr 127.0.0.1 counter
	}
}
N
for n in c wan; do
	assert_match "$(tcp_name "$n" 127.0.0.1 7070)" '^ERR:' "connection from $n to the host's 127.0.0.1:7070"
	assert_match "$(tcp_name "$n" 127.0.0.1 8080)" '^ERR:' "connection from $n to the host's 127.0.0.1:8080 (published on every address)"
done
counter() { nft list chain ip tlocal "$1" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
arrived=$(counter pre)
delivered=$(counter in)
nft delete table ip tlocal
[ "${arrived:-0}" -ge 4 ] || fail "the test's packets to 127.0.0.1 never reached the host (test setup): ${arrived:-0}"
assert_eq "${delivered:-0}" 0 "packets from neighbours to the host's 127.0.0.1 delivered locally"

# route_localnet goes off with the last port that needs it: unpublish, then ns rm.
run_ok "$NSNET" unpublish b1 8080 >/dev/null
run_ok "$NSNET" unpublish b1 8081 >/dev/null
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 1 "route_localnet of nsnet-lan with 8082 still published"
plan=$(run_ok "$NSNET" --dry-run unpublish b1 8082)
assert_match "$plan" 'sysctl -w net\.ipv4\.conf\.nsnet-lan\.route_localnet=0' "--dry-run unpublish of the last port"
run_ok "$NSNET" unpublish b1 8082 >/dev/null
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 0 "route_localnet of nsnet-lan after the last unpublish"
assert_match "$(tcp_name host 127.0.0.1 8080)" '^ERR:' "connection from the host to 127.0.0.1:8080 after unpublish"
run_ok "$NSNET" publish b1 8080:8080 >/dev/null
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 1 "route_localnet of nsnet-lan, published again"

stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
assert_eq "$(sysctl -n net.ipv4.conf.nsnet-lan.route_localnet)" 0 "route_localnet of nsnet-lan after ns rm of the port's namespace"
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
