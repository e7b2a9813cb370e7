#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 10: networks and publishes that cannot work are refused with the reason, exit 1,
# nothing made. Subnets: the default route, loopback, link-local, multicast, reserved, IPv4-mapped,
# ff00::/8, and one holding an address of the host unless --gateway names that address. Publish:
# host IPs that are not the host's own (another host's, multicast, a namespace's own address);
# 127.0.0.1 stays allowed, and 0.0.0.0 is "every address", the same rule and key as none. On the
# old code all of these were accepted, and `publish b 0.0.0.0:8082:80` left a dead element that
# blocked `8082:80`.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan	# the host's uplink has 192.0.2.1/24
before=$(snapshot)
for s in 0.0.0.0/0 ::/0 127.0.0.0/8 169.254.0.0/16 224.0.0.0/24 240.0.0.0/4 fe80::/64 \
	::ffff:10.9.0.0/120 ff00::/64; do
	pat=$(printf '%s' "$s" | sed 's/\./\\./g')
	run_fail_status 1 "subnet $pat (is the default route|is in the [a-zA-Z4' -]+ range).*not usable" \
		"$NSNET" network create bad --subnet "$s"
	assert_unchanged "$before" "state after network create --subnet $s"
done
run_fail_status 1 'subnet 192\.0\.2\.0/24 holds 192\.0\.2\.1, an address of this host' \
	"$NSNET" network create bad --subnet 192.0.2.0/24
run_fail_status 1 'holds 192\.0\.2\.1' "$NSNET" network create bad --subnet 192.0.2.0/25 --gateway 192.0.2.9
assert_unchanged "$before" "state after a subnet holding the host's address"
# Named on purpose: nsnet's gateway is that address.
run_ok "$NSNET" --dry-run network create adopt --subnet 192.0.2.0/24 --gateway 192.0.2.1 >/dev/null

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
before=$(svc_snapshot)
for ip in 8.8.8.8 224.0.0.1 10.0.0.2 192.0.2.2; do
	pat=$(printf '%s' "$ip" | sed 's/\./\\./g')
	run_fail_status 1 "IPv4 address $pat is not one of this host's" "$NSNET" publish b "$ip:8081:80"
done
run_fail_status 1 "IPv6 address ff02::1 is not one of this host's" "$NSNET" publish b '[ff02::1]:8081:80'
assert_eq "$(svc_snapshot)" "$before" "services after refused publishes"
# The host's own addresses, its loopback, and every address.
run_ok "$NSNET" publish b 192.0.2.1:8081:80 >/dev/null
run_ok "$NSNET" publish b 127.0.0.1:8083:80 >/dev/null
run_ok "$NSNET" publish b 0.0.0.0:8082:80 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -r '.[] | select(.host_port == 8082) | .host_ip')" "" \
	"host_ip of a publish on 0.0.0.0"
run_fail_status 1 '8082' "$NSNET" publish b 8082:80
run_ok "$NSNET" unpublish b 8082 >/dev/null
run_ok "$NSNET" publish b 8082:80 >/dev/null
run_ok "$NSNET" unpublish b 0.0.0.0:8082 >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -r '[.[].host_port] | sort | join(" ")')" "8081 8083" "ports left"
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
