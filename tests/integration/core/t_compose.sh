#!/bin/sh
# SPDX-License-Identifier: MIT
# Composing operations: ONE operation chains network create, two ns add, a vip add and a publish
# (tests/integration/core/compose_prog.c calls the in-operation forms of src/core/core.h). A bad value
# in the last step, or a failing step in the middle, rolls all of them back: nothing is left, id
# counters included. Killed at any step, the next command rolls the whole operation back. The same
# sequence without a bad step works: traffic through the VIP and the published port.
# timeout: 900
. "$(dirname "$0")/../lib/lib.sh"

PROG=$(dirname "$NSNET")/tests/compose_prog
[ -x "$PROG" ] || skip "$PROG is not built (make unit-bins builds it)"

set -- "network lan 10.0.0.0/24" "ns web lan" "ns cli lan" "vip 10.100.0.1:80/tcp web:8080" "publish web 8081:8080"

# nothing_left WHAT [quick]: no link, namespace, rule, record or id counter of the rolled-back
# steps; unless quick, nsnet ls and check agree.
nothing_left() {
	wait_until 30 no_leaks || { leaks | sed 's/^/leak: /' >&2; fail "$1: left things behind"; }
	for id in vip port; do
		[ ! -e "$STATE_DIR/ids/$id.json" ] || fail "$1: id counter $id was not rolled back: $(cat "$STATE_DIR/ids/$id.json")"
	done
	[ "${2:-}" != quick ] || return 0
	assert_eq "$(json "$NSNET" ls --json | jq -c '[.networks, .namespaces, .vips, .ports]')" '[[],[],[],[]]' "$1: nsnet ls --json"
	run_ok "$NSNET" check >/dev/null
}

# compose_fails ERE STEP...: the composed operation fails with status 1 and a message matching ERE.
compose_fails() {
	pattern=$1; shift
	rc=0
	"$PROG" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || rc=$?
	assert_eq "$rc" 1 "exit status of compose_prog $*"
	assert_match "$(cat "$T_TMP/err")" "^compose_prog: $pattern" "error of compose_prog"
}

# 1. A bad value in the last step (a VIP inside the network's subnet): the four steps before go too.
compose_fails 'VIP 10\.0\.0\.77:80 is inside subnet 10\.0\.0\.0/24 of network lan' "$@" "vip 10.0.0.77:80/tcp cli:80"
nothing_left "bad last step"
# 2. A step failing in the middle, after kernel work: the second "ns web" exists already.
compose_fails 'namespace web already exists' "network lan 10.0.0.0/24" "ns web lan" "vip 10.100.0.1:80/tcp web:8080" "ns web lan" "publish web 8081:8080"
nothing_left "failing middle step"
# The bad step must be what failed: the same sequence without it succeeds (and is undone here by hand).
run_ok "$PROG" "network lan 10.0.0.0/24" "ns web lan" >/dev/null
run_ok "$NSNET" ns rm web >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
nothing_left "network and ns removed by hand"

# 3. Killed at each step boundary in turn: the next command (gc) rolls back every step done so far.
n=1
while [ "$n" -le 80 ]; do
	rc=0
	NSNET_FAULT=$n "$PROG" "$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] && break
	[ "$rc" = 137 ] || fail "killed at step $n: exit status $rc, expected 137 (killed) or 0"
	[ -n "$(find "$STATE_DIR/journal" -type f 2>/dev/null)" ] || fail "killed at step $n: no journal left to replay"
	run_ok "$NSNET" gc >/dev/null
	nothing_left "killed at step $n, then gc" quick
	n=$((n + 1))
done
[ "$n" -gt 10 ] || fail "the composed operation was killed at only $((n - 1)) steps: fault injection did not reach its steps"
[ "$n" -le 80 ] || fail "the composed operation was still killed after 80 steps"
echo "ok: composed operation killed at steps 1..$((n - 1)), each time rolled back whole; then completed"

# 4. The completed composition works as the five commands would.
assert_eq "$(json "$NSNET" ls --json | jq -c '[.networks[].name, .namespaces[].name, .vips[].address, .ports[].host_port]')" \
	'["lan","cli","web","10.100.0.1",8081]' "nsnet ls --json after the composed operation"
run_ok "$NSNET" check >/dev/null
make_wan
start_server web 8080
# (A client on the backend's own network reaches it masqueraded: web sees the gateway, docs/services.md.)
[ -n "$(tcp_get cli 10.100.0.1 80)" ] || fail "cli gets no answer through VIP 10.100.0.1:80 from web"
assert_eq "$(tcp_get wan 192.0.2.1 8081)" "192.0.2.2" "wan through published port 8081 to web"
stop_servers

run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
run_ok "$NSNET" ns rm web >/dev/null
run_ok "$NSNET" ns rm cli >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
