#!/bin/sh
# SPDX-License-Identifier: MIT
# Randomized crash test: mutating operations killed (SIGKILL) after a random delay, each followed
# by `nsnet gc`; `nsnet check` must then find records and kernel in agreement, no address may be
# leased twice, and at the end everything is removed without leftovers.
# NSNET_CRASH_ROUNDS (default 40; `make stress` runs 200).
# timeout: 600
. "$(dirname "$0")/../lib/lib.sh"

ROUNDS=${NSNET_CRASH_ROUNDS:-40}
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create l2 --subnet 10.1.0.0/24 >/dev/null
killed=0 completed=0
i=0
# At least ROUNDS rounds, and on until 10 operations were really cut short (a kill can land
# after the command finished): bounded at ten times ROUNDS.
while { [ "$i" -lt "$ROUNDS" ] || [ "$killed" -lt 10 ]; } && [ "$i" -lt $((ROUNDS * 10)) ]; do
	i=$((i + 1))
	r=$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%d %d", int(rand() * 6), int(rand() * 2000) }')
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
	kill -9 "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# 137: died of the SIGKILL before finishing; anything else: it had finished.
	if [ "$rc" = 137 ]; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
	run_ok "$NSNET" gc >/dev/null
	out=$("$NSNET" check 2>&1) || fail "round $i ($*, killed after ${delay_us} us): check after gc: $out"
	dups=$(ls "$STATE_DIR"/leases/*/ 2>/dev/null | grep -v '^next\.json$' | grep '\.json$' | sort | uniq -d)
	[ -z "$dups" ] || fail "round $i: addresses leased twice: $dups"
done
echo "rounds: $i, killed mid-way: $killed, finished before the kill: $completed"
[ "$killed" -ge 10 ] || fail "only $killed operations were interrupted in $i rounds: the test proved too little"

for n in 0 1 2 3 4; do
	"$NSNET" vip rm "10.100.0.$n:80" >/dev/null 2>&1 || true
	"$NSNET" ns rm "p$n" --force >/dev/null 2>&1 || true
done
run_ok "$NSNET" network rm l2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" check >/dev/null
leak_check
