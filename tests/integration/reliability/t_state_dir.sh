#!/bin/sh
# SPDX-License-Identifier: MIT
# --state-dir and NSNET_STATE_DIR choose where records live (option over variable); records are
# networks/NAME.json, namespaces/NAME.json and leases/NET.json there, and nothing under the default.
# One backend: its subject (where records live) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

alt=/run/alt-state
run_ok "$NSNET" --state-dir "$alt" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan --state-dir "$alt" >/dev/null
# Records are nobody else's business: the state dir is created 0700.
assert_eq "$(stat -c %a "$alt")" "700" "mode of a state dir nsnet created"
for f in networks/lan.json namespaces/a.json leases/lan/10.0.0.2.json; do
	[ -f "$alt/$f" ] || fail "no record $alt/$f"
	jq -e . "$alt/$f" >/dev/null || fail "record $alt/$f is not JSON"
	[ -e "$STATE_DIR/$f" ] && fail "record $f written to the default state dir $STATE_DIR"
done
assert_eq "$(json "$NSNET" network ls --json)" "[]" "network ls in the default state dir"
assert_eq "$(json env NSNET_STATE_DIR="$alt" "$NSNET" network ls --json | jq -c '[.[].name]')" '["lan"]' "network ls with NSNET_STATE_DIR"
assert_eq "$(json env NSNET_STATE_DIR=/run/nowhere "$NSNET" --state-dir "$alt" network ls --json | jq -c '[.[].name]')" '["lan"]' "--state-dir over NSNET_STATE_DIR"
assert_eq "$(json env NSNET_STATE_DIR="$alt" "$NSNET" ns ls --json | jq -c '.[] | select(.name == "a") | .managed')" "true" "a is managed in its state dir"
ping_ok a 10.0.0.1

NSNET_STATE_DIR=$alt run_ok "$NSNET" ns rm a >/dev/null
NSNET_STATE_DIR=$alt run_ok "$NSNET" network rm lan >/dev/null
left=$(find "$alt/networks" "$alt/namespaces" "$alt/leases" -type f 2>/dev/null)
[ -z "$left" ] || fail "records left in $alt: $left"
leak_check
