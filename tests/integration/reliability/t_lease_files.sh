#!/bin/sh
# SPDX-License-Identifier: MIT
# Leases are one record per address (core/leases.c): with 3,000 leases on a network, ns add and
# ns rm open only their own lease records and the next-free hint (counted with strace), the new
# namespace gets the lowest free address, a released address below the hint is the next one
# picked, and gc still reads the whole folder (it releases the 3,000 leases nobody holds). An old
# single leases/NET.json record is converted by the first attach to that network.
# One backend: its subject (the lease records and the files opened) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

command -v strace >/dev/null || skip "strace is not installed"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/16 >/dev/null
run_ok "$NSNET" ns add first --net lan >/dev/null
assert_eq "$(ns_addrs first)" 10.0.0.2 "address of first"
# 3,000 more leases (10.0.0.3 .. 10.0.11.186) held by namespaces that do not exist, and the hint
# where nsnet would have left it after picking them one by one.
python3 - "$STATE_DIR/leases/lan" <<'PY'
import json, os, sys
d = sys.argv[1]
for n in range(3, 3003):
    a = f"10.0.{n // 256}.{n % 256}"
    with open(f"{d}/{a}.json", "w") as f:
        json.dump({"owner": f"ghost{n}", "ifname": "eth0"}, f)
json.dump({"ipv4": a}, open(f"{d}/next.json", "w"))
PY
assert_eq "$(ls "$STATE_DIR/leases/lan" | wc -l)" 3002 "lease records and the hint"

# LeakSanitizer does not work under ptrace (ASan builds).
no_lsan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# opened FILE...: the files under leases/ that the traced command opened (any mode), one per line.
opened() {
	sed -n 's/.*openat([^"]*"\([^"]*\)".*/\1/p' "$T_TMP/trace" | grep "/leases/" | sed 's|.*/leases/||' | sort -u
}
run_ok env ASAN_OPTIONS="$no_lsan" strace -f -qq -e trace=openat -o "$T_TMP/trace" "$NSNET" ns add x --net lan >/dev/null
assert_eq "$(ns_addrs x)" 10.0.11.187 "address of x (the lowest free one)"
# Its own lease is written (a temporary file renamed), never read: the probe that found it free
# told the undo there was nothing to put back.
assert_eq "$(opened | tr '\n' ' ')" "lan/10.0.11.187.json.tmp lan/next.json lan/next.json.tmp " "lease files ns add opened (its own written only, the hint read and written)"

run_ok env ASAN_OPTIONS="$no_lsan" strace -f -qq -e trace=openat -o "$T_TMP/trace" "$NSNET" ns rm first >/dev/null
assert_eq "$(opened | tr '\n' ' ')" "lan lan/10.0.0.2.json lan/next.json lan/next.json.tmp " "lease files ns rm opened"
[ -e "$STATE_DIR/leases/lan/10.0.0.2.json" ] && fail "the lease of first survives ns rm"
assert_eq "$(jq -r .ipv4 "$STATE_DIR/leases/lan/next.json")" 10.0.0.2 "hint after 10.0.0.2 was released"
run_ok "$NSNET" ns add y --net lan >/dev/null
assert_eq "$(ns_addrs y)" 10.0.0.2 "address of y (the released one)"
assert_eq "$(jq -c . "$STATE_DIR/leases/lan/10.0.0.2.json")" '{"ifname":"eth0","owner":"y"}' "lease record of y"

# gc reads them all: the 3,000 leases of namespaces that do not exist go.
run_ok "$NSNET" gc >/dev/null
assert_eq "$(lease_addrs lan)" "10.0.0.2 10.0.11.187" "leases after gc"
out=$("$NSNET" check 2>&1) || fail "check after gc: $out"

# A state dir from before: one record for the whole network, converted on the first attach.
run_ok "$NSNET" network create old --subnet 10.9.0.0/24 >/dev/null
printf '{"10.9.0.2": {"owner": "ghost1", "ifname": "eth0"}, "10.9.0.4": {"owner": "ghost2", "ifname": "eth0"}}\n' \
	>"$STATE_DIR/leases/old.json"
assert_eq "$(json "$NSNET" network ls --json | jq -c '[.[] | select(.name == "old") | .leases // .namespaces] | length')" 1 "old network listed"
run_ok "$NSNET" ns add z --net old >/dev/null
assert_eq "$(ns_addrs z)" 10.9.0.3 "address of z (between the two old leases)"
[ -e "$STATE_DIR/leases/old.json" ] && fail "the old single lease record survives the first attach"
assert_eq "$(lease_addrs old)" "10.9.0.2 10.9.0.3 10.9.0.4" "leases of old after the conversion"

for n in x y z; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
run_ok "$NSNET" gc >/dev/null
for n in lan old; do run_ok "$NSNET" network rm "$n" >/dev/null; done
leak_check
