#!/bin/sh
# SPDX-License-Identifier: MIT
# gc --json, check --json and doctor --json print valid JSON, {"findings": [...], "ok": bool},
# when all is well and when they find something: damage done behind nsnet's back (a host veth
# deleted, a namespace deleted, a stray nsnet link, a stray record, a dropping forward chain, an
# overlapping route) comes back as findings naming its kind and object; the human lines say the
# same as the JSON messages; the exit statuses are those of the human form.
. "$(dirname "$0")/../lib/lib.sh"

# jrun STATUS CMD [ARG]...: run CMD, which must exit with STATUS and print JSON on stdout; store
# it compactly in $T_TMP/f.json.
jrun() {
	want=$1
	shift
	rc=0
	timeout -k 2 "$T_CMD_TIMEOUT" "$@" >"$T_TMP/f.out" 2>"$T_TMP/f.err" </dev/null || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited with $rc, expected $want: $(cat "$T_TMP/f.out" "$T_TMP/f.err")"
	jq -c . "$T_TMP/f.out" >"$T_TMP/f.json" 2>"$T_TMP/f.jqerr" ||
		fail "output of '$*' is not JSON: $(cat "$T_TMP/f.out") ($(cat "$T_TMP/f.jqerr"))"
}
# jq_is FILTER EXPECTED WHAT: FILTER applied to the last jrun's JSON gives EXPECTED (jq -c).
jq_is() { assert_eq "$(jq -c "$1" "$T_TMP/f.json")" "$2" "$3"; }
# has KIND OBJECT WHAT: the last jrun's findings include one of KIND about OBJECT.
has() {
	jq -e --arg k "$1" --arg o "$2" 'any(.findings[]; .kind == $k and .object == $o)' "$T_TMP/f.json" >/dev/null ||
		fail "$3: no finding of kind $1 about $2 in $(cat "$T_TMP/f.json")"
}
# shape DOCTOR: every finding has string kind, object and message on one line (DOCTOR=1: also a
# level and a fix that is a string or null).
shape() {
	jq -e --argjson d "$1" '(.ok | type) == "boolean" and (.findings | type) == "array" and
		all(.findings[]; (.kind | type) == "string" and (.object | type) == "string" and
			(.message | type) == "string" and (.message | test("\n") | not) and
			($d == 0 or ((.level | IN("ok", "note", "blocker")) and
				     ((.fix | type) == "string" or .fix == null))))' "$T_TMP/f.json" >/dev/null ||
		fail "findings JSON of the wrong shape: $(cat "$T_TMP/f.json")"
}

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.1:80 a:8080 >/dev/null
run_ok "$NSNET" publish b 8080:80 >/dev/null

# All is well.
jrun 0 "$NSNET" check --json
shape 0
jq_is . '{"findings":[],"ok":true}' "check --json on a healthy setup"
jrun 0 "$NSNET" gc --json
shape 0
jq_is . '{"findings":[],"ok":true}' "gc --json with nothing to do"
jrun 0 "$NSNET" doctor --json
shape 1
jq_is .ok true "doctor --json ok on a clean host"
jq_is '[.findings[] | select(.level == "blocker")]' '[]' "doctor --json blockers on a clean host"
has nftables nftables "doctor --json on a clean host"
jq_is '[.findings[] | select(.kind == "nftables") | .level]' '["ok"]' "doctor --json: nftables level"
# Usage errors stay usage errors.
run_fail_status 2 "unexpected argument 'extra'" "$NSNET" check --json extra
run_fail_status 2 "not with --dry-run" "$NSNET" --dry-run gc --json

# Damage behind nsnet's back: a's host veth, namespace b, a stray nsnet link, a stray record.
ip link del "$(ns_host_ifname a lan)"
ip netns del b
ip link add nv00000000 type veth peer name nv00000001
ip link set nv00000000 alias "$(jq -r '"nsnet:" + .id' "$STATE_DIR/ids/owner.json")"	# this state dir's mark
jq '.name = "ghost"' "$STATE_DIR/namespaces/a.json" >"$STATE_DIR/namespaces/ghost.json"

jrun 1 "$NSNET" check --json
shape 0
jq_is .ok false "check --json ok with differences"
has veth-missing namespace/a "check --json: a's host veth"
has namespace-gone namespace/b "check --json: namespace b"
has namespace-gone namespace/ghost "check --json: the stray record"
has link-stray link/nv00000000 "check --json: the stray link"
# The human form says the same, one "check: " line per finding.
rc=0
"$NSNET" check >"$T_TMP/human.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "check exit status with differences"
assert_eq "$(sort "$T_TMP/human.out")" "$(jq -r '.findings[] | "check: " + .message' "$T_TMP/f.json" | sort)" \
	"check's lines and its JSON messages"

jrun 0 "$NSNET" gc --json
shape 0
jq_is .ok true "gc --json ok after repairs"
has namespace-gone namespace/b "gc --json: namespace b's record"
has namespace-gone namespace/ghost "gc --json: the stray record"
has link-stray link/nv00000000 "gc --json: the stray link"
has lease-orphan lease/lan/10.0.0.3 "gc --json: b's lease"
has port-orphan port/1 "gc --json: b's published port"
[ -e "$STATE_DIR/namespaces/ghost.json" ] && fail "gc --json left the stray record"
jrun 0 "$NSNET" gc --json
jq_is . '{"findings":[],"ok":true}' "a second gc --json"
# What gc cannot repair stays: a's veth.
jrun 1 "$NSNET" check --json
jq_is '[.findings[] | [.kind, .object]]' '[["veth-missing","namespace/a"]]' "check --json after gc"

# A failure is JSON too, with the error, and the error on stderr.
: >"$T_TMP/not-a-dir"
jrun 1 "$NSNET" --state-dir "$T_TMP/not-a-dir" check --json
jq_is '[.ok, (.error | type)]' '[false,"string"]' "check --json failing"
assert_match "$(cat "$T_TMP/f.err")" "^nsnet: " "check --json failing: stderr"

# doctor: another table dropping forwarded traffic, and a route overlapping lan's subnet.
nft add table inet tdrop
nft add chain inet tdrop tfwd '{ type filter hook forward priority 0; policy drop; }'
ip route add 10.0.0.128/25 dev uplink
jrun 1 "$NSNET" doctor --json
shape 1
jq_is .ok false "doctor --json ok with blockers"
has forward-drop "chain/inet tdrop tfwd" "doctor --json: the dropping chain"
has route-overlap route/10.0.0.128/25 "doctor --json: the overlapping route"
jq_is '[.findings[] | select(.kind == "route-overlap") | [.level, .fix]]' \
	'[["blocker","Remove the route or move the network to another subnet."]]' "doctor --json: the route's fix"
jq_is '[.findings[] | select(.object == "chain/inet tdrop tfwd") | .level, (.fix | test("DOCKER-USER"))]' \
	'["blocker",true]' "doctor --json: the chain's fix"
rc=0
out=$("$NSNET" doctor 2>&1) || rc=$?
assert_eq "$rc" 1 "doctor exit status with blockers"
assert_match "$out" "blocker: route 10.0.0.128/25 dev uplink overlaps subnet 10.0.0.0/24 of network lan: traffic for part of the" \
	"doctor's human line"
ip route del 10.0.0.128/25 dev uplink
nft delete table inet tdrop
jrun 0 "$NSNET" doctor --json
jq_is .ok true "doctor --json once the blockers are gone"

run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
