#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet exec hands the command no file descriptor of its own (netlink sockets, namespace files,
# the state dir lock): only what the caller passed.
# One backend: its subject (the file descriptors nsnet exec passes) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
# The command lists its own fds: exactly those the same command gets without nsnet (the test
# runner's shell may pass some of its own down to both).
plain=$(sh -c 'ls /proc/$$/fd' </dev/null 2>/dev/null | sort -n | tr '\n' ' ')
fds=$("$NSNET" exec a -- sh -c 'ls /proc/$$/fd' </dev/null 2>/dev/null | sort -n | tr '\n' ' ')
assert_match "$plain" "^0 1 2 " "fds of the command without nsnet"
assert_eq "$fds" "$plain" "fds seen by a command under nsnet exec"
# And it runs in the namespace: its eth0 holds a's address.
assert_match "$("$NSNET" exec a -- ip -br addr show eth0)" "10.0.0.2/24" "exec runs inside a"
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
