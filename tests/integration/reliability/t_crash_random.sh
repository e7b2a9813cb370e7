#!/bin/sh
# SPDX-License-Identifier: MIT
# Randomized crash test: mutating operations killed (SIGKILL) after a random delay, each followed
# by `nsnet gc`; `nsnet check` must then find records and kernel in agreement, no address may be
# leased twice, and at the end everything is removed without leftovers.
# The delay is drawn from each kind of operation's measured length (killafter.c starts the command
# and kills it that many microseconds later), so kills land all along a command, in a fast build
# as in a sanitizer build.
# NSNET_CRASH_ROUNDS (default 40; `make stress` runs 200).
# timeout: 600
. "$(dirname "$0")/../lib/lib.sh"

KILLAFTER=$(dirname "$NSNET")/tests/killafter
[ -x "$KILLAFTER" ] || fail "$KILLAFTER is missing (make unit-bins builds it)"

ROUNDS=${NSNET_CRASH_ROUNDS:-40}
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create l2 --subnet 10.1.0.0/24 >/dev/null
killed=0 completed=0
# Each kind of operation's length in microseconds, as last measured by a run that succeeded: the
# delays are drawn below 1.1 times it, so most kills land inside the command. Measured first by
# one run of each, not killed; each kill stretches it by a tenth, so it follows a slower machine.
calibrate() {
	k=$1; shift
	res=$("$KILLAFTER" 60000000 "$NSNET" "$@") || fail "killafter failed: $res"
	case $res in "done "*" 0") ;; *) fail "$*: expected to succeed, killafter said: $res" ;; esac
	res=${res#done }
	eval "len$k=${res% *}"
}
calibrate 0 ns add p0 --net lan
calibrate 2 attach p0 l2
calibrate 3 vip add 10.100.0.0:80 p0:8080
calibrate 5 publish p0 8080:80
calibrate 4 vip rm 10.100.0.0:80
calibrate 1 ns rm p0 --force
echo "lengths in us: ns add $len0, ns rm $len1, attach $len2, vip add $len3, vip rm $len4, publish $len5"
i=0
# At least ROUNDS rounds, and on until 10 operations were really cut short: bounded at ten times ROUNDS.
while { [ "$i" -lt "$ROUNDS" ] || [ "$killed" -lt 10 ]; } && [ "$i" -lt $((ROUNDS * 10)) ]; do
	i=$((i + 1))
	op=$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%d", int(rand() * 6) }')
	eval "len=\$len$op"
	delay_us=$(awk -v s="$i$$" -v l="$len" 'BEGIN { srand(s); rand(); printf "%d", rand() * l * 1.1 }')
	n=$((i % 5))
	case $op in
	0) set -- ns add "p$n" --net lan ;;
	1) set -- ns rm "p$n" --force ;;
	2) set -- attach "p$n" l2 ;;
	3) set -- vip add "10.100.0.$n:80" "p$n:8080" ;;
	4) set -- vip rm "10.100.0.$n:80" ;;
	5) set -- publish "p$n" "808$n:80" ;;
	esac
	# The random delay is the point of this test: kill the command wherever it happens to be.
	res=$("$KILLAFTER" "$delay_us" "$NSNET" "$@") || fail "round $i: killafter failed: $res"
	set -- "$@" "#" $res
	case $res in
	killed*) killed=$((killed + 1)); eval "len$op=$((len * 11 / 10))" ;;
	# A run that failed (its namespace or VIP absent) says nothing of the length of one that works.
	done*" 0") completed=$((completed + 1)); res=${res#done }; eval "len$op=${res% *}" ;;
	done*) completed=$((completed + 1)) ;;
	*) fail "round $i: killafter said: $res" ;;
	esac
	run_ok "$NSNET" gc >/dev/null
	out=$("$NSNET" check 2>&1) || fail "round $i ($*, kill planned after ${delay_us} us): check after gc: $out"
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
