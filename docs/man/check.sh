#!/bin/sh
# SPDX-License-Identifier: MIT
# Drift check: every command, sub-command and option that `nsnet --help` and `nsnet CMD [SUB] --help`
# print must be documented in the man page source (docs/man/nsnet.8.scd) and in docs/cli.md, and
# every synopsis line of the man page's COMMANDS must be in docs/cli.md word for word (and back).
# Prints one line per thing missing, naming the file, the command and the word; exit 1 if any.
# Usage: docs/man/check.sh NSNET [SCD [CLI_MD]]    (no root, no sandbox: only --help is run)
set -u

NSNET=${1:?usage: docs/man/check.sh NSNET [SCD [CLI_MD]]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCD=${2:-$ROOT/docs/man/nsnet.8.scd}
MD=${3:-$ROOT/docs/cli.md}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsnet-mancheck.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
missing=0

# --- What the help prints ------------------------------------------------------------------------
# Option words of a help text: --long anywhere, -x at the start of an option line ("  -v, --verbose").
opts_of() {
	{
		grep -oE -- '--[a-zA-Z][a-zA-Z0-9-]*' "$1"
		grep -E '^ +-[a-zA-Z],' "$1" | sed -E 's/^ +(-[a-zA-Z]),.*/\1/'
	} | sort -u
}

# Sub-commands of CMD from its help ($1): "usage: nsnet CMD COMMAND" lists them indented below;
# otherwise synopsis lines "nsnet CMD WORD ..." name them.
subs_of() {
	awk -v cmd="$2" '
		/^(usage:)? *nsnet / {
			sub(/^(usage:)? */, "")
			if ($2 == cmd && $3 == "COMMAND") { group = 1; next }
			if ($2 == cmd && $3 ~ /^[a-z][a-z0-9-]*$/) print $3
			next
		}
		group && /^  [a-z][a-z0-9-]*( |$)/ { print $1 }
	' "$1" | sort -u
}

# NSNET_MANCHECK_ITEMS=FILE: reuse the items a previous run saved there (runs nsnet only once).
if [ -n "${NSNET_MANCHECK_ITEMS:-}" ] && [ -s "$NSNET_MANCHECK_ITEMS" ]; then
	cp "$NSNET_MANCHECK_ITEMS" "$TMP/items"
else
	"$NSNET" --help >"$TMP/top" 2>&1 || { echo "check: $NSNET --help failed" >&2; exit 2; }
	awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' "$TMP/top" >"$TMP/cmds"
	[ -s "$TMP/cmds" ] || { echo "check: no Commands: list in $NSNET --help" >&2; exit 2; }
	# Items, one per line: "cmd PATH" or "opt PATH OPTION" (PATH "" for the global options).
	# Global options: those of the top-level help outside its Commands: list (a command's summary
	# there may name its own options).
	awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0; next } !on' "$TMP/top" >"$TMP/top.opts"
	opts_of "$TMP/top.opts" | sed 's/^/opt - /' >"$TMP/items"
	while read -r cmd; do
		echo "cmd $cmd" >>"$TMP/items"
		"$NSNET" "$cmd" --help >"$TMP/h" 2>&1
		opts_of "$TMP/h" >"$TMP/h.opts"
		sed "s/^/opt $cmd /" "$TMP/h.opts" >>"$TMP/items"
		for sub in $(subs_of "$TMP/h" "$cmd"); do
			echo "cmd $cmd $sub" >>"$TMP/items"
			"$NSNET" "$cmd" "$sub" --help >"$TMP/hs" 2>&1
			# Only what the group's help does not name already (vip's sub-commands repeat its help).
			opts_of "$TMP/hs" | grep -vxF -f "$TMP/h.opts" | sed "s/^/opt $cmd $sub /" >>"$TMP/items"
		done
	done <"$TMP/cmds"
	sort -u "$TMP/items" -o "$TMP/items"
	[ -z "${NSNET_MANCHECK_ITEMS:-}" ] || cp "$TMP/items" "$NSNET_MANCHECK_ITEMS"
fi

# --- What the documents say ----------------------------------------------------------------------
# Both become "SECTION<TAB>TEXT" lines: SECTION the "## " heading above (GLOBAL for the global
# options' part), TEXT with scdoc markup removed. Synopsis lines become "SYN<TAB>nsnet ...".
awk '
	/^; / { next }
	{ gsub(/[*_\\]/, ""); sub(/ \+\+$/, "") }
	/^# / { top = substr($0, 3); sec = (top == "GLOBAL OPTIONS") ? "GLOBAL" : top; next }
	/^## / { sec = substr($0, 4); next }
	top == "COMMANDS" && /^nsnet / { l = $0; gsub(/ +/, " ", l); sub(/ $/, "", l); print "SYN\t" l "\t" sec }
	{ print sec "\t" $0 }
' "$SCD" >"$TMP/scd"
awk '
	BEGIN { sec = "GLOBAL" }
	/^## / { sec = substr($0, 4); syn = ""; next }
	/^### / { next }
	function flush() { if (syn != "") { gsub(/ +/, " ", syn); sub(/ $/, "", syn); print "SYN\t" syn "\t" synsec; syn = "" } }
	/^    nsnet / { flush(); syn = $0; synsec = sec; sub(/ +#.*/, "", syn); sub(/^ +/, "", syn); print sec "\t" $0; next }
	syn != "" && /^     +[^ ]/ { l = $0; sub(/^ +/, "", l); syn = syn " " l; print sec "\t" $0; next }
	{ flush(); print sec "\t" $0 }
	END { flush() }
' "$MD" >"$TMP/md"

# check DOC NAME: every item in DOC ($TMP/scd or $TMP/md), NAME for messages. One awk pass.
check() {
	awk -F '\t' -v name="$2" '
		function has(text, w,   i, c0, c1) {	# is w a whole word (letters, digits, -) of text?
			while ((i = index(text, w)) > 0) {
				c0 = substr(text, i - 1, 1); c1 = substr(text, i + length(w), 1)
				if ((i == 1 || c0 !~ /[a-zA-Z0-9-]/) && c1 !~ /[a-zA-Z0-9-]/) return 1
				text = substr(text, i + length(w))
			}
			return 0
		}
		FILENAME == ARGV[1] { n++; kind[n] = $1; path[n] = $2; opt[n] = $3; next }
		$1 == "SYN" { syn[++ns] = $2; synsec[ns] = $3; next }
		{ text[$1] = text[$1] " " $2 }
		END {
			for (i = 1; i <= n; i++) {
				c = "nsnet " path[i]; found = 0
				for (k = 1; k <= ns; k++)
					if (syn[k] == c || index(syn[k], c " ") == 1) { found = k; break }
				if (kind[i] == "cmd") {
					if (!found) print name ": missing command \047" c "\047 (no synopsis line starting with it)"
				} else if (path[i] == "-") {
					if (!has(text["GLOBAL"], opt[i])) print name ": missing global option " opt[i] " (in the global options part)"
				} else if (found) {
					# The option belongs in the section that holds the command synopsis.
					sec = synsec[found]
					if (!has(text[sec], opt[i]))
						print name ": missing option " opt[i] " of \047" c "\047 (section \"" sec "\")"
				}
			}
		}
	' "$TMP/items.tab" "$1"
}
# Items as tab-separated fields: KIND PATH OPTION.
awk '$1 == "cmd" { p = $2; for (i = 3; i <= NF; i++) p = p " " $i; print "cmd\t" p; next }
     { p = $2; for (i = 3; i < NF; i++) p = p " " $i; print "opt\t" p "\t" $NF }' "$TMP/items" >"$TMP/items.tab"
{
	check "$TMP/scd" "docs/man/nsnet.8.scd"
	check "$TMP/md" "docs/cli.md"
} >"$TMP/out"
missing=$(wc -l <"$TMP/out")
cat "$TMP/out"

# Synopsis lines: the same in both, word for word (spaces and markup aside).
grep '^SYN	' "$TMP/scd" | cut -f2 | sort -u >"$TMP/syn.scd"
grep '^SYN	' "$TMP/md" | cut -f2 | sort -u >"$TMP/syn.md"
comm -23 "$TMP/syn.scd" "$TMP/syn.md" | while IFS= read -r l; do
	echo "docs/cli.md: missing synopsis '$l' (as in docs/man/nsnet.8.scd)"
done >"$TMP/syn.out"
comm -13 "$TMP/syn.scd" "$TMP/syn.md" | while IFS= read -r l; do
	echo "docs/man/nsnet.8.scd: missing synopsis '$l' (as in docs/cli.md)"
done >>"$TMP/syn.out"
if [ -s "$TMP/syn.out" ]; then
	cat "$TMP/syn.out"
	missing=$((missing + $(wc -l <"$TMP/syn.out")))
fi

if [ "$missing" -gt 0 ]; then
	echo "check: $missing thing(s) missing from the man page or docs/cli.md (see above)" >&2
	exit 1
fi
echo "check: $(grep -c '^cmd' "$TMP/items") commands and $(grep -c '^opt' "$TMP/items") options documented in both; synopses agree"
