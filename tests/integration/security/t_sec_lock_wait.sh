#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 12: with the state lock held by another process, a command waits at most
# --wait SECONDS (NSNET_WAIT; default 30 for the command line, 10 for CNI) and then fails with one
# line naming the state dir and the seconds; a CNI request fails with error 11 ("try again
# later"). On the old code `nsnet ls` and a CNI ADD waited without limit.
# One backend: its subject (the bounded wait for the state lock) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ip netns add ctr
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
before=$(snapshot)
# One process holds the lock (the shell that takes it execs sleep, keeping the descriptor), so
# killing it by PID releases the lock.
sh -c 'exec 9>"$1" && flock -x 9 && exec sleep 30' sh "$STATE_DIR/lock" &
holder=$!
track_pid "$holder"
# The holder has the lock once a non-blocking attempt fails.
wait_until 5 sh -c "! flock -n -s '$STATE_DIR/lock' true" || fail "the lock holder did not take the lock"

run_fail_status 1 "state dir $STATE_DIR is locked.*after 1 s" "$NSNET" --wait 1 ls
run_fail_status 1 "state dir $STATE_DIR is locked.*after 1 s" "$NSNET" ns add a --net lan --wait=1
run_fail_status 1 "after 1 s" env NSNET_WAIT=1 "$NSNET" network ls
run_fail_status 1 "after 0 s" "$NSNET" --wait 0 gc
run_fail_status 2 "--wait x: expected seconds" "$NSNET" --wait x ls
run_fail_status 2 "NSNET_WAIT -1: expected seconds" env NSNET_WAIT=-1 "$NSNET" ls

cni_err 11 ADD "$(cni_conf 1.0.0 lan '"subnet":"10.0.0.0/24"')" CNI_NETNS=/run/netns/ctr NSNET_WAIT=1
assert_match "$(cni_msg)" "locked.*after 1 s" "CNI message"

kill "$holder"
wait "$holder" 2>/dev/null || true
untrack_pid "$holder"
# (snapshot runs nsnet ls, which would wait for the lock too: compared once it is free)
assert_unchanged "$before" "state after commands that gave up waiting"
run_ok "$NSNET" --wait 1 network rm lan >/dev/null
ip netns del ctr
leak_check
