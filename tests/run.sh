#!/bin/sh
# SPDX-License-Identifier: MIT
# Run nsnet's test suites and print one closing line "N passed, N failed, N skipped".
#
# Usage: tests/run.sh BUILD_DIR [unit|integration|fuzz|all] [NAME...]
#   unit:        every executable BUILD_DIR/tests/test_*; each prints its own lines and, last,
#                "# passed=N failed=M"; the counts are added (a crash or a missing summary line
#                counts as one failure).
#   integration: every t_*.sh under tests/integration (in an area folder such as core/ or cni/,
#                or at the top; see tests/README.md) is one test, run in its own sandbox
#                (tests/sandbox.sh) with NSNET=BUILD_DIR/nsnet, in the order of their paths.
#                Exit 0 = pass, 77 = skip, anything else = fail (its output is shown then).
#                Needs root.
#   fuzz:        every libFuzzer target in BUILD_DIR/fuzz, NSNET_FUZZ_SECONDS (10) each (make
#                check builds them when clang has libFuzzer; without, the suite counts as skipped).
#   NAME...:     only the integration tests whose name (t_foo) contains one of these words; a word
#                ending in '$' (t_gc$) names one test whole.
# Environment: NSNET_BACKENDS (firewall backends the integration tests run on, default
#              "nft iptables"; each test once per backend, exported as NSNET_BACKEND),
#              NSNET_VALGRIND_DIR (with `all`: a few integration tests again under valgrind),
#              NSNET_TEST_TIMEOUT (seconds per integration test, default 300: a guard against hangs),
#              NSNET_TEST_JOBS (integration tests run at once, default 1; each has its own sandbox;
#              a test with a "# serial: REASON" line always runs alone, after the others),
#              NSNET_CMD_TIMEOUT (seconds per command a test runs through run_ok/run_fail, 90).
# Exit status: 1 if anything failed, 0 otherwise.
set -u

usage() { echo "usage: tests/run.sh BUILD_DIR [unit|integration|fuzz|all] [NAME...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD_DIR=$1; shift
SUITE=all
if [ $# -ge 1 ]; then
	case $1 in unit|integration|fuzz|all) SUITE=$1; shift ;; esac
fi
[ -d "$BUILD_DIR" ] || { echo "run.sh: build directory $BUILD_DIR does not exist (run make first)" >&2; exit 2; }
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TIMEOUT=${NSNET_TEST_TIMEOUT:-300}

PASSED=0
FAILED=0
SKIPPED=0
OUT=$(mktemp "${TMPDIR:-/tmp}/nsnet-run.XXXXXX")
trap 'rm -f "$OUT"' EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

run_unit() {
	found=0
	for bin in "$BUILD_DIR"/tests/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		name=${bin##*/}
		t0=$(now)
		"$bin" >"$OUT" 2>&1 </dev/null
		rc=$?
		took=$(elapsed "$t0")
		summary=$(tail -n 1 "$OUT" | sed -n 's/^# passed=\([0-9][0-9]*\) failed=\([0-9][0-9]*\)[[:space:]]*$/\1 \2/p')
		# The binary's own per-test lines, without its summary line.
		if [ -n "$summary" ]; then sed '$d' "$OUT"; else cat "$OUT"; fi | sed 's/^/    /'
		if [ -z "$summary" ]; then
			FAILED=$((FAILED + 1))
			echo "not ok - $name: exit status $rc and no '# passed=N failed=M' line ($took)"
			continue
		fi
		p=${summary% *}
		f=${summary#* }
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			# E.g. a sanitizer report at exit after all checks passed.
			FAILED=$((FAILED + 1))
			echo "not ok - $name: passed=$p failed=$f but exit status $rc ($took)"
		elif [ "$f" != 0 ]; then
			echo "not ok - $name: passed=$p failed=$f ($took)"
		else
			echo "ok - $name: passed=$p failed=$f ($took)"
		fi
	done
	[ "$found" = 1 ] || echo "unit: no test binaries in $BUILD_DIR/tests"
}

selected() {
	[ $# -eq 1 ] && return 0
	n=$1; shift
	for w in "$@"; do
		case $w in
		*'$') [ "$n" = "${w%?}" ] && return 0 ;;
		*) case $n in *"$w"*) return 0 ;; esac ;;
		esac
	done
	return 1
}

run_integration() {
	tests=
	for t in $(find tests/integration -name 't_*.sh' -type f | LC_ALL=C sort); do
		name=${t##*/}; name=${name%.sh}
		selected "$name" "$@" || continue
		# A test's name is its identity (NAME filters, results): two files may not share one.
		case " $tests " in *"/$name.sh "*)
			echo "run.sh: two integration tests are named $name" >&2; exit 2 ;;
		esac
		tests="$tests $t"
	done
	if [ -z "$tests" ]; then
		echo "integration: no tests selected"
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		n=0
		for t in $tests; do n=$((n + 1)); done
		echo "integration: skipping $n tests: they need root (unshare --net --mount)"
		SKIPPED=$((SKIPPED + n))
		return
	fi
	NSNET=${NSNET_UNDER_TEST:-$BUILD_DIR/nsnet}
	export NSNET
	# Tests use the default state dir inside their sandbox unless they say otherwise.
	unset NSNET_STATE_DIR
	# Every test runs once per firewall backend, the backend a parameter (NSNET_BACKEND), unless
	# a "# backends: ..." line in it names fewer (a test of one backend's own rules). One job is
	# one test on one backend: "BACKEND PATH", the long ones (a "# timeout:" line) first so that
	# parallel jobs finish together, "# serial:" ones last, each alone.
	jobs=$(mktemp -d "${TMPDIR:-/tmp}/nsnet-jobs.XXXXXX")
	for backend in ${NSNET_BACKENDS:-nft iptables}; do
		for t in $tests; do
			only=$(sed -n 's/^# backends: *//p' "$t" | head -n 1)
			if [ -n "$only" ]; then
				case " $only " in *" $backend "*) ;; *) continue ;; esac
			fi
			if grep -q '^# serial:' "$t"; then
				echo "$backend $t" >>"$jobs/serial"
			elif grep -q '^# timeout:' "$t"; then
				echo "$backend $t" >>"$jobs/long"
			else
				echo "$backend $t" >>"$jobs/short"
			fi
		done
	done
	: >"$jobs/results"
	export NSNET_RUN_RESULTS="$jobs/results" NSNET_RUN_LABEL="${LABEL:-}" NSNET_RUN_TIMEOUT="$TIMEOUT"
	cat "$jobs/long" "$jobs/short" 2>/dev/null |
		xargs -r -L 1 -P "${NSNET_TEST_JOBS:-1}" sh tests/run-one.sh
	[ ! -f "$jobs/serial" ] || xargs -r -L 1 sh tests/run-one.sh <"$jobs/serial"
	PASSED=$((PASSED + $(grep -c '^ok' "$jobs/results")))
	FAILED=$((FAILED + $(grep -c '^not ok' "$jobs/results")))
	SKIPPED=$((SKIPPED + $(grep -c '^skip' "$jobs/results")))
	if [ "${NSNET_TEST_JOBS:-1}" != 1 ] && grep -q '^not ok' "$jobs/results"; then
		echo "# failed (their output is above):"
		grep '^not ok' "$jobs/results"
	fi
	rm -rf "$jobs"
	unset NSNET_BACKEND
}

# Each libFuzzer target built in BUILD_DIR/fuzz runs for NSNET_FUZZ_SECONDS (default 10) from its
# seed corpus; new inputs go to a temporary directory. A finding (crash, leak, failed check) fails it.
run_fuzz() {
	found=0
	for bin in "$BUILD_DIR"/fuzz/fuzz_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		name=${bin##*/}
		seeds=tests/fuzz/corpus/${name#fuzz_}
		[ -d "$seeds" ] || seeds=
		work=$(mktemp -d "${TMPDIR:-/tmp}/nsnet-fuzz.XXXXXX")
		t0=$(now)
		"$bin" -max_total_time="${NSNET_FUZZ_SECONDS:-10}" -timeout=10 "$work" $seeds >"$OUT" 2>&1 </dev/null
		rc=$?
		took=$(elapsed "$t0")
		runs=$(grep -o 'Done [0-9]* runs' "$OUT" | tail -n 1)
		rm -rf "$work"
		if [ "$rc" = 0 ]; then
			PASSED=$((PASSED + 1))
			echo "ok - $name: ${runs:-ran} without a finding ($took)"
		else
			FAILED=$((FAILED + 1))
			tail -n 40 "$OUT" | sed 's/^/    # /'
			echo "not ok - $name: exit status $rc ($took)"
		fi
	done
	[ "$found" = 1 ] || { echo "fuzz: no targets built (clang with libFuzzer missing): skipped"; SKIPPED=$((SKIPPED + 1)); }
}

# A few integration tests again with every nsnet run under valgrind memcheck, when make check
# prepared NSNET_VALGRIND_DIR (a plain build wrapped by tests/valgrind-nsnet): `make valgrind`
# runs the whole suite that way.
run_valgrind() {
	[ -n "${NSNET_VALGRIND_DIR:-}" ] && [ -x "${NSNET_VALGRIND_DIR}/nsnet" ] || return 0
	NSNET_UNDER_TEST=$(cd "$NSNET_VALGRIND_DIR" && pwd)/nsnet LABEL="valgrind: " NSNET_BACKENDS=nft \
		run_integration ${NSNET_VALGRIND_TESTS:-t_ns_ping t_vip_udp t_publish_basic t_gc\$ t_bad_cidr t_apply\$}
}

case $SUITE in
unit) run_unit ;;
integration) run_integration "$@" ;;
fuzz) run_fuzz ;;
all) run_unit; run_integration "$@"; run_fuzz; run_valgrind ;;
esac

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
