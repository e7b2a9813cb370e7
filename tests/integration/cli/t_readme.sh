#!/bin/sh
# SPDX-License-Identifier: MIT
# Every command block of README.md runs, in the README's order, in this sandbox, with `nsnet`
# being the build's binary; every command must succeed, and the README's own teardown must leave
# nothing behind. Which blocks run (the convention is in tests/README.md): a block whose every
# command starts with `nsnet`, or one marked `<!-- readme-test: run -->`; a block marked
# `<!-- readme-test: skip (REASON) -->` or `<!-- readme-test: output -->`, and JSON, do not; any
# other block fails this test until it is marked, so no example goes unrun by accident. Then
# `-vv` as the README describes it: each step with its time.
. "$(dirname "$0")/../lib/lib.sh"

README=$T_ROOT/README.md
mkdir -p "$T_TMP/bin"
ln -s "$NSNET" "$T_TMP/bin/nsnet"

# The blocks: readme.sh runs those that run (each command echoed first, with its line), and
# readme.list says what became of every block ("LINE run|skip|output|data|unmarked TEXT").
python3 - "$README" "$T_TMP/readme.sh" "$T_TMP/readme.list" <<'PY' || fail "README.md: could not parse its blocks"
import re, shlex, sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
marker_re = re.compile(r"^\s*<!--\s*readme-test:\s*(run|skip|output)\b(.*?)-->\s*$")
blocks = []  # (first line number, [lines], marker, marker text)
i, last_nonblank = 0, ""
while i < len(lines):
    line = lines[i]
    fence = re.match(r"^\s*(```|~~~)", line)
    indented = line.startswith("    ") and line.strip() and (i == 0 or not lines[i - 1].strip())
    if fence or indented:
        m = marker_re.match(last_nonblank)
        start, body = i + 1, []
        if fence:
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                body.append(lines[i])
                i += 1
            start += 1
            i += 1
        else:
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
        while body and not body[-1].strip():
            body.pop()
        blocks.append((start, body, m.group(1) if m else None, m.group(2).strip() if m else ""))
        last_nonblank = ""
        continue
    if line.strip():
        last_nonblank = line
    i += 1

# Logical commands of a block: continuation lines joined, comments and blank lines dropped.
def commands(start, body):
    out, cur, at = [], "", None
    for n, l in enumerate(body):
        if not cur and (not l.strip() or l.lstrip().startswith("#")):
            continue
        if at is None:
            at = start + n
        if l.endswith("\\"):
            cur += l[:-1] + " "
            continue
        out.append((at, cur + l))
        cur, at = "", None
    return out

script = open(sys.argv[2], "w")
listing = open(sys.argv[3], "w")
script.write("set -e\n")
for start, body, mark, why in blocks:
    cmds = commands(start, body)
    first = cmds[0][1].lstrip() if cmds else ""
    if mark in ("skip", "output"):
        kind = mark
    elif mark == "run" or (cmds and all(re.match(r"nsnet(\s|$)", c.lstrip()) for _, c in cmds)):
        kind = "run"
    elif not cmds or first[:1] in "{[<":
        kind = "data"
    else:
        kind = "unmarked"
    listing.write("%d %s %s\n" % (start, kind, (why or first)[:100]))
    if kind != "run":
        continue
    for at, c in cmds:
        script.write("printf '%%s\\n' %s >&2\n" % shlex.quote("+ README.md:%d: %s" % (at, c.strip())))
        script.write(c + "\n")
# Background jobs a block started (a server in a namespace) end with the README's teardown.
script.write("wait\n")
PY

sed 's/^/# /' "$T_TMP/readme.list"
unmarked=$(awk '$2 == "unmarked"' "$T_TMP/readme.list")
[ -z "$unmarked" ] || fail "README.md blocks that are neither nsnet commands nor marked (mark them as tests/README.md says):
$unmarked"
runs=$(awk '$2 == "run"' "$T_TMP/readme.list" | wc -l)
# The usage, services, more and teardown blocks at least: fewer means the parser lost some.
[ "$runs" -ge 4 ] || fail "only $runs README.md blocks found to run (expected the usage, services, more and teardown blocks)"
cmds=$(grep -c '^printf' "$T_TMP/readme.sh")

# Run them. The servers a block starts are children of this shell's child; the README's
# teardown stops them (ns rm --force), and `wait` reaps them.
if ! (cd "$T_TMP" && PATH="$T_TMP/bin:$PATH" timeout -k 5 300 sh "$T_TMP/readme.sh") >"$T_TMP/readme.out" 2>"$T_TMP/readme.err"; then
	tail -n 30 "$T_TMP/readme.out" | sed 's/^/# stdout: /' >&2
	tail -n 30 "$T_TMP/readme.err" | sed 's/^/# stderr: /' >&2
	fail "a README.md command failed: $(grep '^+ README.md:' "$T_TMP/readme.err" | tail -n 1)"
fi
ran=$(grep -c '^+ README.md:' "$T_TMP/readme.err")
assert_eq "$ran" "$cmds" "README.md commands run"
leak_check

# -vv: each step with the time since the operation began; -v without; -v -v is -vv.
run_ok "$NSNET" network create t --subnet 10.9.0.0/24 >/dev/null
out=$("$NSNET" -vv ns add t1 --net t 2>&1 >/dev/null) || fail "nsnet -vv ns add t1: $out"
assert_match "$out" '^\+ \[ *[0-9]+\.[0-9]{3} ms\] ip netns add t1$' "nsnet -vv ns add t1 (stderr)"
out=$("$NSNET" -v ns add t2 --net t 2>&1 >/dev/null) || fail "nsnet -v ns add t2: $out"
assert_match "$out" '^\+ ip netns add t2$' "nsnet -v ns add t2 (stderr)"
out=$("$NSNET" ns rm t2 -v -v 2>&1 >/dev/null) || fail "nsnet ns rm t2 -v -v: $out"
assert_match "$out" '^\+ \[ *[0-9]+\.[0-9]{3} ms\] ip netns del t2$' "nsnet ns rm t2 -v -v (stderr)"
run_fail_status 2 "unknown command '-vx'" "$NSNET" -vx ls
run_ok "$NSNET" ns rm t1 >/dev/null
run_ok "$NSNET" network rm t >/dev/null
leak_check
