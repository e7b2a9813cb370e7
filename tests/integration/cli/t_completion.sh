#!/bin/sh
# SPDX-License-Identifier: MIT
# bash completion (completion/nsnet.bash over `nsnet __complete`), driven the way bash drives it:
# COMP_WORDS/COMP_CWORD/COMP_LINE set as readline splits the line, then _nsnet, then COMPREPLY.
# Commands, sub-commands and every option a command's --help shows; names from the state dir;
# a directory for --state-dir; a command line after `exec NS --`.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

BC=/usr/share/bash-completion/bash_completion
command -v bash >/dev/null 2>&1 || skip "bash is not installed"
[ -f "$BC" ] || skip "bash-completion is not installed (tests/deps.sh installs it)"

# comp LINE: the completions bash would offer at the end of "nsnet LINE", space-separated.
cat >"$T_TMP/drive.bash" <<'EOS'
. "$1" || exit 1
. "$2" || exit 1
compopt() { :; }	# only works inside a real completion; nothing to set here
line="$3 $4" COMP_WORDS=()
# Readline's split: blanks separate words, ':' and '=' (COMP_WORDBREAKS) are words of their own.
for w in $line; do
	while [[ $w == *[:=]* ]]; do
		p=${w%%[:=]*}; [[ -n $p ]] && COMP_WORDS+=("$p")
		COMP_WORDS+=("${w:${#p}:1}"); w=${w:${#p}+1}
	done
	[[ -n $w ]] && COMP_WORDS+=("$w")
done
[[ $line == *' ' || $line == *[:=] ]] && COMP_WORDS+=("")
COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMPREPLY=()
_nsnet "$3" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' '
EOS
comp() {
	bash "$T_TMP/drive.bash" "$BC" "$T_ROOT/completion/nsnet.bash" "$NSNET" "$1" 2>"$T_TMP/comp.err" ||
		fail "completing 'nsnet $1' failed: $(cat "$T_TMP/comp.err")"
}
# expect LINE WORD...: every WORD is offered for LINE, as a whole word.
expect() {
	line=$1; shift
	got=" $(comp "$line")"
	for w in "$@"; do
		case $got in *" $w "*) ;; *) fail "completing 'nsnet $line': expected '$w' among:$got" ;; esac
	done
}
# expect_only LINE WORDS: exactly these (sorted) are offered.
expect_only() {
	got=$(comp "$1")
	[ "$got" = "$2 " ] || fail "completing 'nsnet $1': expected exactly '$2', got '$got'"
}

# Commands: every one --help lists, not the hidden helper.
cmds=$("$NSNET" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
expect "" $cmds
assert_no_match "$(comp "")" '__complete' "the hidden helper is not offered"
expect_only "netw" "network"
expect_only "network " "create ls rm"
expect_only "explain vip " "add ls rm set"
# Every option a command's --help prints is offered (new options complete with no change here).
for path in "network create" "ns add" "attach" "publish" "gc"; do
	opts=$("$NSNET" $path --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	expect "$path x --" $opts
done
expect "-" --state-dir --backend --wait --dry-run --verbose --version --help -v
expect_only "--backend " "iptables nft"
expect_only "--backend=i" "iptables"
mkdir -p /run/nsnet-compl-dir
expect "--state-dir /run/nsnet-compl" /run/nsnet-compl-dir
rmdir /run/nsnet-compl-dir

# Names from the state dir.
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create db --subnet 10.1.0.0/24 --internal >/dev/null
run_ok "$NSNET" ns add web --net lan >/dev/null
run_ok "$NSNET" ns add web2 --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.1:80/tcp web:80 >/dev/null
expect_only "network rm " "db lan"
expect_only "ns rm " "web web2"
expect_only "attach web" "web web2"
expect_only "attach web2 " "db lan"
expect_only "ns add new --net l" "lan"
expect_only "--wait 3 detach web " "db lan"
expect_only "vip rm " "10.100.0.1:80/tcp"
expect_only "vip rm 10.100.0.1:" "80/tcp"
expect_only "exec w" "web web2"
# Past "exec NS --": a command line of its own (bash's command completion).
expect "exec web -- ech" echo
run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
run_ok "$NSNET" ns rm web >/dev/null
run_ok "$NSNET" ns rm web2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm db >/dev/null
expect_only "ns rm " ""
