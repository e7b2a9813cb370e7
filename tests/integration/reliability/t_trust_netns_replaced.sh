#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18 item 7: a namespace replaced behind nsnet's back (ip netns del w; ip netns add w) is not
# nsnet's: ns rm refuses and keeps it, ns rm --force forgets the record only, gc drops the record
# and keeps the namespace, check reports it. A namespace nsnet made is still removed as before.
# One backend: its subject (a namespace replaced behind nsnet's back) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add w --net lan >/dev/null
assert_match "$(cat "$STATE_DIR/namespaces/w.json")" '"nsfs"' "the record keeps the namespace's identity"
ip netns del w
ip netns add w
foreign=$(stat -L -c %i /run/netns/w)

run_fail 'namespace w was replaced since nsnet created it' "$NSNET" ns rm w
assert_eq "$RUN_STATUS" 1 "exit status of the refused ns rm"
assert_eq "$(stat -L -c %i /run/netns/w 2>&1)" "$foreign" "the foreign namespace w after ns rm"
# --force must not kill what runs in the foreign namespace, nor remove it.
ip netns exec w sleep 300 </dev/null >/dev/null 2>&1 &
track_pid $!
wait_until 10 sh -c '[ -n "$(ip netns pids w)" ]' || fail "no process in w"
run_ok "$NSNET" ns rm --force w >/dev/null
assert_eq "$(stat -L -c %i /run/netns/w 2>&1)" "$foreign" "the foreign namespace w after ns rm --force"
[ -n "$(ip netns pids w)" ] || fail "ns rm --force killed the processes of the foreign namespace w"
[ -e "$STATE_DIR/namespaces/w.json" ] && fail "ns rm --force kept the record of w"
stop_pid "$(last_pid)"
ip netns del w

# gc: the record goes, the foreign namespace stays.
run_ok "$NSNET" ns add g --net lan >/dev/null
ip netns del g
ip netns add g
foreign=$(stat -L -c %i /run/netns/g)
"$NSNET" check >"$T_TMP/check.out" 2>&1 && fail "check says all agree with a replaced namespace"
assert_match "$(cat "$T_TMP/check.out")" '/run/netns/g is not the namespace nsnet made' "check reports the replaced namespace"
run_ok "$NSNET" gc >/dev/null
assert_eq "$(stat -L -c %i /run/netns/g 2>&1)" "$foreign" "the foreign namespace g after gc"
[ -e "$STATE_DIR/namespaces/g.json" ] && fail "gc kept the record of the replaced namespace g"
ip netns del g

# Ours: removed as before.
run_ok "$NSNET" ns add o --net lan >/dev/null
run_ok "$NSNET" ns rm o >/dev/null
[ -e /run/netns/o ] && fail "ns rm left nsnet's own namespace o"

run_ok "$NSNET" network rm lan >/dev/null
leak_check
