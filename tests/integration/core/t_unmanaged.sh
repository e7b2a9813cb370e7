#!/bin/sh
# SPDX-License-Identifier: MIT
# A namespace nsnet did not create is listed as not managed, ns rm refuses it (and leaves it
# intact), and attach/detach work on it.
# One backend: its subject (namespaces nsnet did not make) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

ip netns add foo
ip -n foo link set lo up
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
assert_eq "$(ns_json foo | jq -c '[.managed, .attachments]')" '[false,[]]' "foo in ns ls --json"
assert_match "$(run_ok "$NSNET" ns ls)" 'foo' "ns ls"

before=$(snapshot)
run_fail_status 1 'foo' "$NSNET" ns rm foo
assert_unchanged "$before" "state after ns rm of an unmanaged namespace"
run_fail_status 1 'foo' "$NSNET" ns rm foo --force
assert_unchanged "$before" "state after ns rm --force of an unmanaged namespace"
[ -e /run/netns/foo ] || fail "ns rm removed the unmanaged namespace foo"

run_ok "$NSNET" attach foo lan >/dev/null
assert_match "$(ip -n foo -o -4 addr show dev eth0)" 'inet 10\.0\.0\.2/24 ' "eth0 of foo"
ping_ok foo 10.0.0.1
ping_ok host 10.0.0.2
assert_eq "$(ns_json foo | jq -c '[.managed, [.attachments[].network]]')" '[false,["lan"]]' "foo after attach"
run_ok "$NSNET" detach foo lan >/dev/null
ip -n foo link show dev eth0 >/dev/null 2>&1 && fail "eth0 still in foo after detach"
[ -e /run/netns/foo ] || fail "detach removed the unmanaged namespace foo"
assert_eq "$(ns_json foo | jq -c '[.managed, .attachments]')" '[false,[]]' "foo after detach"

ip netns del foo
run_ok "$NSNET" network rm lan >/dev/null
leak_check
