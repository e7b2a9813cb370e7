#!/bin/sh
# SPDX-License-Identifier: MIT
# The man page renders (scdoc, then `man -l` without warnings) and cannot drift from the CLI:
# docs/man/check.sh finds every command and option of --help in it and in docs/cli.md, and fails
# naming what is missing when one is not.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

command -v scdoc >/dev/null 2>&1 || skip "scdoc is not installed (tests/deps.sh installs it)"
command -v man >/dev/null 2>&1 || skip "man (man-db) is not installed (tests/deps.sh installs it)"
SCD=$T_ROOT/docs/man/nsnet.8.scd

# Everything --help prints is documented, in both documents, with the same synopses. The items
# (commands and options read from --help) are kept for the runs on doctored pages below.
export NSNET_MANCHECK_ITEMS="$T_TMP/items"
out=$(sh "$T_ROOT/docs/man/check.sh" "$NSNET" 2>&1) || fail "drift between --help, the man page and docs/cli.md:
$out"
assert_match "$out" 'synopses agree' "check.sh's summary"

# The check can fail, and says what is missing: an option, a command, a synopsis.
sed 's/\[\*--mtu\* _N_\]//; s/^\*--mtu\* _N_$/(gone)/' "$SCD" >"$T_TMP/no-mtu.scd"
out=$(sh "$T_ROOT/docs/man/check.sh" "$NSNET" "$T_TMP/no-mtu.scd" 2>&1) && fail "check.sh passed without --mtu"
assert_match "$out" "missing option --mtu of 'nsnet network create'" "an option missing from the man page"
assert_match "$out" "docs/man/nsnet.8.scd: missing synopsis 'nsnet network create NAME" "a synopsis that differs"
sed '/^\*nsnet detach\*/d' "$SCD" >"$T_TMP/no-detach.scd"
out=$(sh "$T_ROOT/docs/man/check.sh" "$NSNET" "$T_TMP/no-detach.scd" 2>&1) && fail "check.sh passed without detach"
assert_match "$out" "missing command 'nsnet detach'" "a command missing from the man page"
# A binary that grew a command and an option (as other branches add them) no document knows of.
unset NSNET_MANCHECK_ITEMS
cat >"$T_TMP/nsnet-grown" <<'EOS'
#!/bin/sh
case $* in
--help) printf 'usage: nsnet COMMAND\n\nCommands:\n  network    create: networks\n  frob       FOO: new\n\n  --version  print the version\n' ;;
"network --help") printf 'usage: nsnet network COMMAND ...\n\n  create NAME --subnet CIDR\n' ;;
"network create --help") printf 'usage: nsnet network create NAME --subnet CIDR [--rate-in RATE]\n' ;;
"frob --help") printf 'usage: nsnet frob FOO [--frob-rate RATE]\n' ;;
esac
EOS
chmod +x "$T_TMP/nsnet-grown"
out=$(sh "$T_ROOT/docs/man/check.sh" "$T_TMP/nsnet-grown" 2>&1) && fail "check.sh passed with an undocumented command"
assert_match "$out" "docs/man/nsnet.8.scd: missing command 'nsnet frob'" "a new command, man page"
assert_match "$out" "docs/cli.md: missing command 'nsnet frob'" "a new command, docs/cli.md"
assert_match "$out" "docs/man/nsnet.8.scd: missing option --rate-in of 'nsnet network create'" "a new option, man page"
assert_match "$out" "docs/cli.md: missing option --rate-in of 'nsnet network create'" "a new option, docs/cli.md"
assert_no_match "$out" "subnet|version" "options that are documented"

# It renders: scdoc accepts it, man formats it without a warning, sections and commands are there.
scdoc <"$SCD" >"$T_TMP/nsnet.8" || fail "scdoc rejected $SCD"
MANWIDTH=100 man --warnings -l "$T_TMP/nsnet.8" >"$T_TMP/man.txt" 2>"$T_TMP/man.err" || fail "man -l failed: $(cat "$T_TMP/man.err")"
[ ! -s "$T_TMP/man.err" ] || fail "man -l warned: $(cat "$T_TMP/man.err")"
txt=$(cat "$T_TMP/man.txt")
for w in 'NAME' 'SYNOPSIS' 'GLOBAL OPTIONS' 'COMMANDS' 'EXIT STATUS' 'nsnet network create' 'nsnet ns add' 'nsnet publish'; do
	assert_match "$txt" "$w" "rendered man page"
done
