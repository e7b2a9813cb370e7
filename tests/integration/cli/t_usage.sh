#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage errors exit 2 with one line naming the problem; --help and --version exit 0; missing
# objects exit 1 naming them. Nothing is changed by any of them.
# One backend: its subject (usage errors, help and exit codes) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

before=$(snapshot)
run_fail_status 2 'frobnicate' "$NSNET" frobnicate
run_fail_status 2 '--bogus' "$NSNET" network create lan --subnet 10.0.0.0/24 --bogus
run_fail_status 2 'subnet' "$NSNET" network create lan --subnet
run_fail_status 2 'name|NAME|network' "$NSNET" network create
run_fail_status 2 'subnet' "$NSNET" network create lan
run_fail_status 2 'name|NAME|namespace' "$NSNET" ns add
run_fail_status 2 'teleport' "$NSNET" ns teleport x
run_fail_status 2 '--|command|CMD' "$NSNET" exec x
assert_unchanged "$before" "state after usage errors"

out=$(run_ok "$NSNET" --version)
assert_match "$out" '[0-9]+\.[0-9]+' "--version"
out=$(run_ok "$NSNET" --help)
assert_match "$out" 'network' "--help"
assert_match "$out" 'exec' "--help"
out=$(run_ok "$NSNET" -h)
assert_match "$out" 'network' "-h"

# Objects that do not exist.
run_fail_status 1 'nosuch' "$NSNET" network rm nosuch
run_fail_status 1 'nosuch' "$NSNET" ns rm nosuch
run_fail_status 1 'nosuch' "$NSNET" ns add a --net nosuch
assert_unchanged "$before" "state after commands on missing objects"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
before=$(snapshot)
run_fail_status 1 'nosuch' "$NSNET" attach a nosuch
run_fail_status 1 'nosuch' "$NSNET" attach nosuch lan
run_fail_status 1 'nosuch' "$NSNET" detach a nosuch
run_fail_status 1 'nosuch' "$NSNET" exec nosuch -- true
run_fail_status 1 'a|lan' "$NSNET" attach a lan
assert_unchanged "$before" "state after commands on missing objects"
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
