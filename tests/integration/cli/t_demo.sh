#!/bin/sh
# SPDX-License-Identifier: MIT
# README's main job, `make demo`, is demo/demo.sh: it runs here as it does there (this test's
# sandbox stands for the one the demo makes itself), so a change that breaks a step of the demo
# fails CI instead of waiting for someone to try it. The demo checks each step itself and ends
# with "demo finished: all N steps passed".
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

out=$(NSNET_IN_SANDBOX=1 timeout -k 5 300 sh "$T_ROOT/demo/demo.sh" "$NSNET" 2>&1)
rc=$?
[ "$rc" = 0 ] || fail "demo/demo.sh exited with status $rc:
$out"
last=$(printf '%s\n' "$out" | tail -n 1)
assert_match "$last" '^demo finished: all [0-9]+ steps passed$' "the demo's last line"
leak_check
