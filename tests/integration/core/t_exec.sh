#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet exec runs the command inside the namespace, passes its arguments untouched, returns its
# exit status, and shows the namespace's resolv.conf at /etc/resolv.conf (only to the command).
# One backend: its subject (nsnet exec) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add x --net lan --dns 192.0.2.99 >/dev/null

st=0; "$NSNET" exec x -- sh -c 'exit 7' || st=$?
assert_eq "$st" "7" "exit status of exec x -- sh -c 'exit 7'"
st=0; "$NSNET" exec x -- false || st=$?
assert_eq "$st" "1" "exit status of exec x -- false"
run_ok "$NSNET" exec x -- true >/dev/null
# A command that cannot be run is nsnet's error: one line naming it, non-zero status.
st=0; "$NSNET" exec x -- /nonexistent/cmd 2>"$T_TMP/err" || st=$?
[ "$st" != 0 ] || fail "exec of a missing command exited 0"
assert_eq "$(grep -c '' "$T_TMP/err")" "1" "stderr lines of exec of a missing command"
assert_match "$(cat "$T_TMP/err")" '^nsnet: .*/nonexistent/cmd' "stderr of exec of a missing command"

out=$(run_ok "$NSNET" exec x -- printf '%s|' 'a b' '' '-v' '--' '$HOME')
assert_eq "$out" 'a b||-v|--|$HOME|' "arguments passed through exec"

out=$(run_ok "$NSNET" exec x -- ip -o -4 addr show dev eth0)
assert_match "$out" 'inet 10\.0\.0\.2/24 ' "exec runs in x's network namespace"
assert_eq "$(run_ok "$NSNET" exec x -- readlink /proc/self/ns/net)" "$(ip netns exec x readlink /proc/self/ns/net)" "netns of exec"
run_ok "$NSNET" exec x -- ping -n -c1 -W1 10.0.0.1 >/dev/null

assert_eq "$(run_ok "$NSNET" exec x -- cat /etc/resolv.conf | grep -v "^#")" "nameserver 192.0.2.99" "resolv.conf inside x"
# The host's view is unchanged by exec.
assert_eq "$(cat /etc/resolv.conf)" "$(printf 'nameserver 127.0.0.53\nnameserver 192.0.2.53')" "host resolv.conf after exec"

# stdin and stdout are the caller's.
assert_eq "$(echo hello | "$NSNET" exec x -- cat)" "hello" "stdin through exec"

run_ok "$NSNET" ns rm x >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
