#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 9: VIP ids name firewall chains, so two VIPs must never share one. A counter that
# reads as garbage ({"next":"x"}) makes the next id come from the records (the largest + 1); a
# record edited to repeat another's id is reported by `check` (kind id-duplicate).
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.1:80 a:8080 --affinity 30 >/dev/null
run_ok "$NSNET" vip add 10.100.0.2:80 a:8080 --affinity 30 >/dev/null
printf '{"next":"x"}\n' >"$STATE_DIR/ids/vip.json"
run_ok "$NSNET" vip add 10.100.0.3:80 a:8080 --affinity 30 >/dev/null
ids=$(run_ok "$NSNET" vip ls --json | jq -r '[.[].id] | sort | map(tostring) | join(",")')
assert_eq "$ids" "1,2,3" "VIP ids after a garbage counter"
run_ok "$NSNET" check >/dev/null

# A hand-edited record repeating another's id: check names it.
f=$(grep -l '"id": *3' "$STATE_DIR"/vips/*.json | head -n 1)
[ -n "$f" ] || fail "no VIP record with id 3"
jq -c '.id = 2' "$f" >"$T_TMP/rec" && cat "$T_TMP/rec" >"$f"
out=$("$NSNET" check --json || true)
assert_eq "$(printf '%s' "$out" | jq -r '[.findings[] | select(.kind == "id-duplicate") | .object] | join(" ")')" \
	"vip/2" "check reports the duplicate VIP id"
jq -c '.id = 3' "$f" >"$T_TMP/rec" && cat "$T_TMP/rec" >"$f"

run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.2:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.3:80 >/dev/null
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
