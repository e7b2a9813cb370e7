#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, reproducer 1: a journal nsnet did not write is never replayed. The hostile journal
# (delete /run/victim, set a sysctl on lo, create nft table ip pwned) is refused whether another
# uid wrote it (checked by ownership) or it sits root-owned in the journal dir (checked by its
# contents); a group-writable journal is refused too. Each is moved to journal/rejected/ and
# reported, the command itself goes on, and nothing the journal asked for happens.
# One backend: its subject (journals nsnet did not write) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

SD=/run/hostile-state
mkdir -m 0755 "$SD"
# The state dir is made by nsnet (and trusted: root's, 0755); a first command creates its layout.
run_ok "$NSNET" --state-dir "$SD" ls >/dev/null
run_ok "$NSNET" --state-dir "$SD" gc >/dev/null
[ -d "$SD/journal" ] || fail "no journal dir in $SD"

hostile() {
	printf '%s\n' '{"do":"push","kind":3,"a":"/run/victim","b":""}' \
		'{"do":"push","kind":5,"a":"net.ipv4.conf.lo.forwarding","b":"1"}' \
		'{"do":"push","kind":2,"text":"add table ip pwned"}'
}
nothing_happened() { # WHAT
	[ -e /run/victim ] || fail "$1: /run/victim was deleted"
	assert_eq "$(sysctl -n net.ipv4.conf.lo.forwarding)" "$lo_fwd"
	if nft list table ip pwned >/dev/null 2>&1; then fail "$1: table ip pwned was made"; fi
}
rejected() { # NAME WHAT: journal NAME moved aside, and the command said so
	[ ! -e "$SD/journal/$1.jsonl" ] || fail "$2: the journal is still in place"
	[ -f "$SD/journal/rejected/$1.jsonl" ] || fail "$2: the journal was not moved to journal/rejected/"
	grep -q "journal/$1.jsonl rejected, not replayed" "$T_TMP/run.err" || fail "$2: not reported: $(cat "$T_TMP/run.err")"
}

# Any mutating command replays journals; this one changes nothing itself (and fails: no such VIP).
replay() { "$NSNET" --state-dir "$SD" vip rm 192.0.2.250:1/udp >/dev/null 2>"$T_TMP/run.err" || true; }

touch /run/victim
# ip_forward first (a network sets it, and it sets every device's forwarding), then lo's own.
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.lo.forwarding=0
lo_fwd=$(sysctl -n net.ipv4.conf.lo.forwarding)

# 1. Written by another uid (setpriv) into a directory of its own, then placed in the journal dir.
mkdir -m 0700 /run/hostile-u && chown 1234:1234 /run/hostile-u
hostile | setpriv --reuid 1234 --regid 1234 --clear-groups sh -c "cat > '/run/hostile-u/999999.jsonl'"
[ "$(stat -c %u "/run/hostile-u/999999.jsonl")" = 1234 ] || fail "setpriv did not write as uid 1234"
mv "/run/hostile-u/999999.jsonl" "$SD/journal/"
run_ok "$NSNET" --state-dir "$SD" network create lan --subnet 10.0.0.0/24 >/dev/null
nothing_happened "a journal of uid 1234"
rejected 999999 "a journal of uid 1234"
grep -q "owned by uid 0" "$T_TMP/run.err" || fail "the reason is not the owner: $(cat "$T_TMP/run.err")"
run_ok "$NSNET" --state-dir "$SD" network rm lan >/dev/null

# 2. The same lines, root's own file: refused for what they ask.
hostile >"$SD/journal/999998.jsonl"
chmod 0600 "$SD/journal/999998.jsonl"
run_ok "$NSNET" --state-dir "$SD" network create lan --subnet 10.0.0.0/24 >/dev/null
nothing_happened "a root-owned hostile journal"
rejected 999998 "a root-owned hostile journal"
grep -q "line 1: path outside /etc/netns" "$T_TMP/run.err" || fail "the reason is not the path: $(cat "$T_TMP/run.err")"

# 3. A journal of valid steps (remove lan's bridge) that others could have written: not replayed.
printf '%s\n' '{"do":"push","kind":1,"a":"","b":"nsnet-lan"}' >"$SD/journal/999997.jsonl"
chmod 0620 "$SD/journal/999997.jsonl"
replay
ip link show nsnet-lan >/dev/null 2>&1 || fail "a group-writable journal was replayed: nsnet-lan is gone"
rejected 999997 "a group-writable journal"

# The same valid step, written as nsnet writes it, is replayed: the check refuses only what it must.
printf '%s\n' '{"do":"push","kind":1,"a":"","b":"nsnet-lan"}' >"$SD/journal/999996.jsonl"
chmod 0600 "$SD/journal/999996.jsonl"
replay
if ip link show nsnet-lan >/dev/null 2>&1; then fail "a valid journal was not replayed"; fi
[ ! -e "$SD/journal/rejected/999996.jsonl" ] || fail "a valid journal was rejected"
run_ok "$NSNET" --state-dir "$SD" network rm lan >/dev/null
nothing_happened "the end"
rm -f /run/victim
rm -rf "$SD" /run/hostile-u
