#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18 item 11: a record that cannot be read (garbage in namespaces/a.json) does not make ls,
# check, gc and ns rm fail: ls skips it with a warning, check reports it (record-broken), gc
# moves it to quarantine/ and reports it, ns rm --force removes it (and nsnet's resolv.conf) but
# not the namespace, which nsnet can no longer prove it made.
# One backend: its subject (an unreadable record) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan --dns 192.0.2.1 >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
printf 'garbage{' >"$STATE_DIR/namespaces/a.json"

out=$(run_ok "$NSNET" ls)
assert_match "$out" 'b' "ls lists the readable namespace b"
assert_match "$(cat "$T_TMP/run.err")" 'namespaces/a cannot be read' "ls warns about the broken record"
run_ok "$NSNET" ls --json >/dev/null

"$NSNET" check >"$T_TMP/check.out" 2>&1 && fail "check says all agree with a broken record"
assert_match "$(cat "$T_TMP/check.out")" 'namespaces/a cannot be read' "check reports the broken record"
"$NSNET" check --json >"$T_TMP/check.json" 2>/dev/null || true
assert_match "$(cat "$T_TMP/check.json")" 'record-broken' "check --json: kind record-broken"

# ns rm without --force explains; with --force it drops the record and nsnet's file only.
run_fail 'ns rm --force a' "$NSNET" ns rm a
run_ok "$NSNET" ns rm --force a >/dev/null
[ -e "$STATE_DIR/namespaces/a.json" ] && fail "ns rm --force kept the broken record of a"
[ -e /etc/netns/a/resolv.conf ] && fail "ns rm --force kept the resolv.conf nsnet wrote for a"
[ -e /run/netns/a ] || fail "ns rm --force removed namespace a without a record proving nsnet made it"
ip netns del a

# gc: quarantine and report.
printf '{"name": 7}' >"$STATE_DIR/namespaces/b.json"
out=$(run_ok "$NSNET" gc)
assert_match "$out" 'namespaces/b cannot be read: moved to quarantine/namespaces-b-' "gc reports the quarantined record"
[ -e "$STATE_DIR/namespaces/b.json" ] && fail "gc left the broken record in place"
ls "$STATE_DIR/quarantine/" | grep -q '^namespaces-b-[0-9]*\.json$' || fail "no quarantine/namespaces-b-TIME.json"
run_ok "$NSNET" ls >/dev/null
ip netns del b
rm -rf /etc/netns/b	# nsnet's file, but no readable record names it: kept by gc
run_ok "$NSNET" gc >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
rm -rf "$STATE_DIR/quarantine"
leak_check
