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

"$NSNET" --help >"$TMP/top" 2>&1 || { echo "check: $NSNET --help failed" >&2; exit 2; }
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' "$TMP/top" >"$TMP/cmds"
[ -s "$TMP/cmds" ] || { echo "check: no Commands: list in $NSNET --help" >&2; exit 2; }
# Items, one per line: "cmd PATH" or "opt PATH OPTION" (PATH "" for the global options).
opts_of "$TMP/top" | sed 's/^/opt - /' >"$TMP/items"
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

# --- What the documents say ----------------------------------------------------------------------
# Both become "SECTION<TAB>TEXT" lines: SECTION the "## " heading above (GLOBAL for the global
# options' part), TEXT with scdoc markup removed. Synopsis lines become "SYN<TAB>nsnet ...".
awk '
	/^; / { next }
	{ gsub(/[*_\\]/, ""); sub(/ \+\+$/, "") }
	/^# / { top = substr($0, 3); sec = (top == "GLOBAL OPTIONS") ? "GLOBAL" : top; next }
	/^## / { sec = substr($0, 4); next }
	top == "COMMANDS" && /^nsnet / { l = $0; gsub(/ +/, " ", l); sub(/ $/, "", l); print "SYN\t" l }
	{ print sec "\t" $0 }
' "$SCD" >"$TMP/scd"
awk '
	BEGIN { sec = "GLOBAL" }
	/^## / { sec = substr($0, 4); syn = ""; next }
	/^### / { next }
	function flush() { if (syn != "") { gsub(/ +/, " ", syn); sub(/ $/, "", syn); print "SYN\t" syn; syn = "" } }
	/^    nsnet / { flush(); syn = $0; sub(/ +#.*/, "", syn); sub(/^ +/, "", syn); print sec "\t" $0; next }
	syn != "" && /^     +[^ ]/ { l = $0; sub(/^ +/, "", l); syn = syn " " l; print sec "\t" $0; next }
	{ flush(); print sec "\t" $0 }
	END { flush() }
' "$MD" >"$TMP/md"

report() { echo "$1"; missing=$((missing + 1)); }

# check DOC NAME: every item in DOC ($TMP/scd or $TMP/md), NAME for messages.
check() {
	doc=$1 name=$2
	while read -r kind path; do
		case $kind in
		cmd)
			grep -qE "^SYN	nsnet $path( |$)" "$doc" ||
				report "$name: missing command 'nsnet $path' (no synopsis line starting with it)"
			;;
		opt)
			cmd=${path% *} opt=${path##* }
			if [ "$cmd" = - ]; then
				grep -E '^GLOBAL	' "$doc" | grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|$)" ||
					report "$name: missing global option $opt (in the global options part)"
				continue
			fi
			# The section that holds the command's synopsis must name the option.
			sec=$(grep -E "^SYN	nsnet $cmd( |$)" "$doc" >/dev/null &&
				awk -F '\t' -v c="nsnet $cmd" '$1 != "SYN" && (index($2, c " ") || $2 ~ ("(^| )" c "$")) && $2 ~ /nsnet/ { print $1; exit }' "$doc")
			[ -n "$sec" ] || continue	# the missing command is reported already
			awk -F '\t' -v s="$sec" '$1 == s { print $2 }' "$doc" |
				grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|$)" ||
				report "$name: missing option $opt of 'nsnet $cmd' (section \"$sec\")"
			;;
		esac
	done <"$TMP/items"
}
check "$TMP/scd" "docs/man/nsnet.8.scd"
check "$TMP/md" "docs/cli.md"

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
