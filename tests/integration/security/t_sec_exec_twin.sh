#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, "exec": a file in /etc/netns/NS with no twin in /etc is skipped with a warning on
# stderr, as `ip netns exec` does, and the command runs with the other files bound. On the old
# code the bind mount failed and the command did not run.
# One backend: its subject (the files nsnet exec binds) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

twin=nsnet-test-no-twin-$$
[ ! -e "/etc/$twin" ] || skip "/etc/$twin exists"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan --dns 192.0.2.53 >/dev/null
echo hello >"/etc/netns/a/$twin"
rc=0
out=$(timeout 30 "$NSNET" exec a -- cat /etc/resolv.conf 2>"$T_TMP/exec.err") || rc=$?
assert_eq "$rc" 0 "exit status of exec with a file without twin (stderr: $(cat "$T_TMP/exec.err"))"
assert_match "$out" '^nameserver 192\.0\.2\.53$' "resolv.conf inside a"
assert_match "$(cat "$T_TMP/exec.err")" "^nsnet: warning: /etc/netns/a/$twin: no /etc/$twin" "warning"
# Same as ip netns exec: it runs, too.
ip netns exec a true 2>/dev/null || fail "ip netns exec a true failed"
rm -f "/etc/netns/a/$twin"
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
