#!/bin/sh
# SPDX-License-Identifier: MIT
# resolv.conf of a namespace: --dns IP (repeatable, in order) or, without it, its network's
# resolver (the gateway, search domain), or on a network made with --no-dns the host's
# nameservers except 127.x (the host's stub resolver is unreachable from a namespace). It is at
# /etc/netns/NAME/resolv.conf (so ip netns exec uses it too) and goes with ns rm.
# One backend: its subject (the resolv.conf written for a namespace) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create nodns --subnet 10.0.1.0/24 --no-dns >/dev/null
run_ok "$NSNET" ns add plain --net nodns >/dev/null
run_ok "$NSNET" ns add named --net lan >/dev/null
run_ok "$NSNET" ns add one --net lan --dns 192.0.2.10 >/dev/null
run_ok "$NSNET" ns add two --net lan --dns 192.0.2.10 --dns 2001:db8::53 >/dev/null

assert_eq "$(cat /etc/netns/plain/resolv.conf | grep '^nameserver')" "nameserver 192.0.2.53" "host nameservers without 127.x"
assert_eq "$(grep -v '^#' /etc/netns/named/resolv.conf | tr '\n' ' ')" "nameserver 10.0.0.1 search lan " "the network's resolver"
assert_eq "$(cat /etc/netns/one/resolv.conf | grep '^nameserver')" "nameserver 192.0.2.10" "--dns"
assert_eq "$(cat /etc/netns/two/resolv.conf | grep '^nameserver' | tr '\n' ' ')" "nameserver 192.0.2.10 nameserver 2001:db8::53 " "two --dns, in order"
assert_eq "$(ip netns exec one cat /etc/resolv.conf | grep '^nameserver')" "nameserver 192.0.2.10" "ip netns exec sees it"
assert_eq "$(run_ok "$NSNET" exec plain -- cat /etc/resolv.conf | grep '^nameserver')" "nameserver 192.0.2.53" "nsnet exec sees it"

before=$(snapshot)
run_fail 'bogus' "$NSNET" ns add three --net lan --dns bogus
run_fail '10\.0\.0\.300' "$NSNET" ns add three --net lan --dns 10.0.0.300
assert_unchanged "$before" "state after a bad --dns"

for n in plain named one two; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
[ -e /etc/netns/one ] && fail "/etc/netns/one survives ns rm"
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm nodns >/dev/null
leak_check
