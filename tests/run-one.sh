#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one integration test on one firewall backend in its own sandbox and report it (tests/run.sh's job).
#
# Usage: tests/run-one.sh BACKEND TEST_PATH
# Environment (set by tests/run.sh): NSNET (binary under test), NSNET_RUN_RESULTS (file the
# result line is appended to), NSNET_RUN_LABEL (prefix of the test's name, e.g. "valgrind: "),
# NSNET_RUN_TIMEOUT (default seconds; a "# timeout: SECONDS" line in the test may ask for more).
# Prints "ok - NAME (TIME)", "skip - NAME: REASON (TIME)" or the test's output, indented, and then
# "not ok - NAME: WHY (TIME)"; several jobs may print at once, so each report is written whole
# under a lock on the results file.
set -u
[ $# -eq 2 ] || { echo "usage: tests/run-one.sh BACKEND TEST_PATH" >&2; exit 2; }
backend=$1 t=$2
: "${NSNET_RUN_RESULTS:?set by tests/run.sh}"
export NSNET_BACKEND=$backend

label=${NSNET_RUN_LABEL:-}
[ "$backend" = nft ] || label="$label$backend: "
name=$label${t##*/}; name=${name%.sh}
timeout=${NSNET_RUN_TIMEOUT:-120}
t_timeout=$(sed -n 's/^# timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
[ -n "$t_timeout" ] && [ "$t_timeout" -gt "$timeout" ] || t_timeout=$timeout

out=$(mktemp "${TMPDIR:-/tmp}/nsnet-test.XXXXXX")
report=$(mktemp "${TMPDIR:-/tmp}/nsnet-report.XXXXXX")
trap 'rm -f "$out" "$report"' EXIT
now() { date +%s.%N; }
t0=$(now)
# Output goes to a file, not a pipe: a stray background process cannot hang the runner.
timeout -k 5 "$t_timeout" sh tests/sandbox.sh sh "$t" >"$out" 2>&1 </dev/null
rc=$?
took=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }')
case $rc in
0) line="ok - $name ($took)" ;;
77) line="skip - $name: $(tail -n 1 "$out") ($took)" ;;
124|137) line="not ok - $name: timed out after ${t_timeout}s ($took)" ;;
*) line="not ok - $name: exit status $rc ($took)" ;;
esac
case $line in "not ok"*) sed 's/^/    # /' "$out" >"$report" ;; esac
echo "$line" >>"$report"
flock "$NSNET_RUN_RESULTS" sh -c 'cat "$1"; echo "$2" >>"$3"' sh "$report" "$line" "$NSNET_RUN_RESULTS"
