#!/bin/sh
# SPDX-License-Identifier: MIT
# Port 53 of the gateway taken (here a server on the wildcard address): network create fails
# naming the process that holds it, and nothing is changed. --no-dns still works.
# One backend: its subject (port 53 held by another process) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
print("ready", flush=True)
sys.stdin.read()' </dev/zero >"$T_TMP/holder.out" 2>&1 &
track_pid $!
holder=$!
bound() { grep -q ready "$T_TMP/holder.out"; }
wait_until 10 bound || fail "the test's port 53 holder did not start"

before=$(snapshot)
run_fail "port udp/53 of gateway 10\\.0\\.0\\.1 is taken by PID $holder \\(python3\\)" \
	"$NSNET" network create lan --subnet 10.0.0.0/24
assert_unchanged "$before" "state after a refused network create"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --no-dns >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
