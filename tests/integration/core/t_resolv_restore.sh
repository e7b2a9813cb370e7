#!/bin/sh
# SPDX-License-Identifier: MIT
# A namespace's resolv.conf is put back as it was when an operation that rewrote it is rolled
# back: x is on network a (its resolv.conf names a's resolver), `attach x b` (which rewrites it
# for both networks) is killed at every step, and after each kill gc leaves the file byte for byte
# as before; the attach that completes names both resolvers, detach goes back to a's only.
# One backend: its subject (a resolv.conf rolled back; attach killed at each step on both backends
# is t_crash's) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
require_fault_injection

run_ok "$NSNET" network create a --subnet 10.1.0.0/24 >/dev/null
run_ok "$NSNET" network create b --subnet 10.2.0.0/24 >/dev/null
run_ok "$NSNET" ns add x --net a >/dev/null
conf=/etc/netns/x/resolv.conf
before=$(cat "$conf")
assert_match "$before" 'nameserver 10\.1\.0\.1' "resolv.conf of x on a"

n=1
while :; do
	rc=0
	NSNET_FAULT=$n "$NSNET" attach x b >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] && break
	[ "$rc" = 137 ] || fail "attach x b at step $n: exit status $rc, expected a kill (137) or success"
	run_ok "$NSNET" gc >/dev/null
	[ -f "$conf" ] || fail "resolv.conf of x is gone after attach was killed at step $n"
	assert_eq "$(cat "$conf")" "$before" "resolv.conf of x after attach was killed at step $n"
	n=$((n + 1))
	[ $n -lt 200 ] || fail "attach x b never completed"
done
[ $n -gt 3 ] || fail "attach x b completed at step $n: the kills covered nothing"
both=$(cat "$conf")
assert_match "$both" 'nameserver 10\.1\.0\.1' "resolv.conf of x on a and b (a's resolver)"
assert_match "$both" 'nameserver 10\.2\.0\.1' "resolv.conf of x on a and b (b's resolver)"
run_ok "$NSNET" detach x b >/dev/null
assert_eq "$(cat "$conf")" "$before" "resolv.conf of x after detach from b"

run_ok "$NSNET" ns rm x >/dev/null
run_ok "$NSNET" network rm b >/dev/null
run_ok "$NSNET" network rm a >/dev/null
leak_check
