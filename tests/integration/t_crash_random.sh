#!/bin/sh
# SPDX-License-Identifier: MIT
# Randomized crash test: mutating operations killed (SIGKILL) after a random delay, each followed
# by `nsnet gc`; `nsnet check` must then find records and kernel in agreement, no address may be
# leased twice, and at the end everything is removed without leftovers.
# NSNET_CRASH_ROUNDS (default 40; `make stress` runs 200).
. "$(dirname "$0")/lib.sh"

ROUNDS=${NSNET_CRASH_ROUNDS:-40}
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create l2 --subnet 10.1.0.0/24 >/dev/null
killed=0 completed=0
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	i=$((i + 1))
	r=$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%d %d", int(rand() * 6), int(rand() * 4000) }')
	op=${r% *} delay_us=${r#* }
	n=$((i % 5))
	case $op in
	0) set -- ns add "p$n" --net lan ;;
	1) set -- ns rm "p$n" --force ;;
	2) set -- attach "p$n" l2 ;;
	3) set -- vip add "10.100.0.$n:80" "p$n:8080" ;;
	4) set -- vip rm "10.100.0.$n:80" ;;
	5) set -- publish "p$n" "808$n:80" ;;
	esac
	"$NSNET" "$@" >/dev/null 2>&1 &
	pid=$!
	# The random delay is the point of this test: kill the command wherever it happens to be.
	sleep "$(awk -v u="$delay_us" 'BEGIN { printf "%.6f", u / 1e6 }')"
	if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
	wait "$pid" 2>/dev/null || true
	run_ok "$NSNET" gc >/dev/null
	out=$("$NSNET" check 2>&1) || fail "round $i ($*, killed after ${delay_us} us): check after gc: $out"
	dups=$(cat "$STATE_DIR"/leases/*.json 2>/dev/null | jq -r 'keys[]' | sort | uniq -d)
	[ -z "$dups" ] || fail "round $i: addresses leased twice: $dups"
done
echo "rounds: $ROUNDS, killed mid-way: $killed, finished before the kill: $completed"
[ "$killed" -gt 0 ] || fail "no operation was ever interrupted: the test proved nothing"

for n in 0 1 2 3 4; do
	"$NSNET" vip rm "10.100.0.$n:80" >/dev/null 2>&1 || true
	"$NSNET" ns rm "p$n" --force >/dev/null 2>&1 || true
done
run_ok "$NSNET" network rm l2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" check >/dev/null
leak_check
