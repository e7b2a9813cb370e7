#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash consistency of a large CNI ADD: 64 port mappings (about 3 undo entries each, far past the
# 64-entry undo stack nsnet once had) killed at sampled steps across the whole ADD (NSNET_FAULT=N,
# test builds only) is rolled back completely by the next command and gc, up to its last steps.
# Steps sampled: 1, 97, 193, 289, ... (every 96th) until the ADD completes: the ADD has some 400
# step boundaries, and each kill with its rollback, gc and comparisons costs about 10 s under ASan
# on a loaded machine, so all of them would take an hour. Once a kill past step 200 has been
# rolled back (beyond the old 64-entry stack) and 60 s have passed, sampling stops early.
# timeout: 400
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

require_fault_injection

cni_crash_setup

maps=$(awk 'BEGIN { for (i = 0; i < 64; i++) printf "%s{\"hostPort\":%d,\"containerPort\":%d,\"protocol\":\"%s\"}", i ? "," : "", 21000 + i, 80 + i, i % 2 ? "udp" : "tcp" }')
conf=$(cni_conf 1.1.0 lan "\"subnet\":\"10.87.0.0/24\",\"runtimeConfig\":{\"portMappings\":[$maps]}")
run_ok "$NSNET" network create lan --subnet 10.87.0.0/24 >/dev/null
before=$(world)
# The ADD works whole first (and its 64 ports exist), so a kill below is the only difference.
plugin ADD "$conf" || fail "ADD with 64 port mappings failed"
assert_eq "$(find "$STATE_DIR/ports" -name '*.json' | wc -l)" 64
plugin DEL "$conf" || fail "DEL failed"
run_ok "$NSNET" gc >/dev/null	# the stale anti-spoofing elements of the port
same_as_before "ADD then DEL"

n=1 last_killed=0 kills=0 t0=$(date +%s)
while [ "$n" -le 5000 ]; do
	rc=0
	NSNET_FAULT=$n plugin ADD "$conf" || rc=$?
	[ "$rc" = 0 ] && break
	[ "$rc" = 137 ] || fail "ADD killed at step $n: exit status $rc, expected 137 (killed) or 0"
	last_killed=$n kills=$((kills + 1))
	"$NSNET" vip rm 192.0.2.250:1/udp >/dev/null 2>&1 || true	# any mutating command replays the journal
	same_as_before "ADD killed at step $n, rolled back by the next command"
	run_ok "$NSNET" gc >/dev/null
	wait_until 5 "$NSNET" check || fail "check after ADD killed at step $n: $("$NSNET" check)"
	same_as_before "ADD killed at step $n, then gc"
	if [ "$last_killed" -gt 200 ] && [ $(($(date +%s) - t0)) -gt 60 ]; then
		echo "note: stopping after $kills kills (60 s); the ADD runs whole below"
		plugin ADD "$conf" || fail "ADD after the last kill failed"
		break
	fi
	n=$((n + 96))
done
# 64 ports hold about 190 undo entries: kills past step 2 * 64 prove the old limit is gone.
[ "$last_killed" -gt 200 ] || fail "the last kill was at step $last_killed: not past the old 64-entry undo stack"
echo "ok: ADD with 64 port mappings killed $kills times (steps 1, 97, ..., $last_killed), each rolled back; then completed"
assert_eq "$(find "$STATE_DIR/ports" -name '*.json' | wc -l)" 64
plugin DEL "$conf" || fail "last DEL failed"
run_ok "$NSNET" gc >/dev/null
same_as_before "the last ADD then DEL"
ip netns del ctr
run_ok "$NSNET" network rm lan >/dev/null
