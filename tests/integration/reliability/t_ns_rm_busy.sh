#!/bin/sh
# SPDX-License-Identifier: MIT
# ns rm refuses while a process runs in the namespace (naming its PID) and changes nothing;
# ns rm --force kills the processes first and removes the namespace.
# One backend: its subject (processes in a namespace) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add busy --net lan >/dev/null
"$NSNET" exec busy -- sleep 300 </dev/null >/dev/null 2>&1 &
track_pid $!
has_pids() { [ -n "$(ip netns pids busy)" ]; }
wait_until 5 has_pids || fail "no process appeared in busy"
inside=$(ip netns pids busy | head -n 1)

before=$(snapshot)
run_fail_status 1 "(^|[^0-9])$inside([^0-9]|\$)" "$NSNET" ns rm busy
assert_unchanged "$before" "state after the refused ns rm"
kill -0 "$inside" 2>/dev/null || fail "the refused ns rm killed $inside"
ping_ok busy 10.0.0.1

run_ok "$NSNET" ns rm busy --force >/dev/null
[ -e /run/netns/busy ] && fail "/run/netns/busy survives ns rm --force"
# Gone, or a zombie waiting for this shell (its parent) to reap it.
gone() { case $(ps -o stat= -p "$inside") in '' | Z*) return 0 ;; esac; return 1; }
# The process may be the exec'd command or nsnet exec's child: either way it must be gone.
wait_until 5 gone || fail "process $inside still runs after ns rm --force"
stop_servers
run_ok "$NSNET" network rm lan >/dev/null
leak_check
