#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 2: a VIP backend that is loopback, unspecified, multicast or broadcast (IPv4 and
# IPv6) is refused with exit 1 and one line naming it, by vip add and vip set, and nothing changes.
# On the old code `vip add 10.100.0.4:80 127.0.0.1:9999` was accepted: with a publish on 127.0.0.1
# (route_localnet=1 on the bridge) a namespace reached a service listening only on the host's
# loopback (CVE-2020-8558).
# One backend: its subject (VIP backends refused before anything is made) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.5:80 b1:80 >/dev/null
before=$(svc_snapshot)
for b in 127.0.0.1:9999 127.1.2.3:80 0.0.0.0:80 224.0.0.1:80 255.255.255.255:80 169.254.169.254:80; do
	pat=$(printf '%s' "${b%:*}" | sed 's/\./\\./g')
	run_fail_status 1 "backend '$pat:[0-9]+': $pat is (loopback|unspecified|multicast|broadcast|link-local)" \
		"$NSNET" vip add 10.100.0.4:80 "$b"
	run_fail_status 1 "$pat is" "$NSNET" vip set 10.100.0.5:80 "$b"
	run_fail_status 1 "$pat is" "$NSNET" vip add 10.100.0.4:80 b1:80 "$b"
done
for b in '[::1]:80' '[::]:80' '[ff02::1]:80' '[::ffff:127.0.0.1]:80'; do
	a=${b#[}; a=${a%]*}
	run_fail_status 1 "$a is (loopback|unspecified|multicast|IPv4-mapped)" "$NSNET" vip add '[fd00:100::4]:80' "$b"
done
assert_eq "$(svc_snapshot)" "$before" "services after refused backends"
# Ordinary backends still work.
run_ok "$NSNET" vip add 10.100.0.4:80 10.0.0.99:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.4:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.5:80 >/dev/null
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
