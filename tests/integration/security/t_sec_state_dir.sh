#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, item 1 (the state dir part) and "A state dir nsnet trusts, or none": a state dir, or
# any directory on its path, that another user could change (not owned by root, or writable by
# group or others, sticky or not; a symlink leading through one) is refused by every command, with
# one line naming the path and why, before anything is read, replayed or made. On the old code a
# journal planted by uid 1234 under a 1777 directory was replayed as root.
# One backend: its subject (the state dir's owners and modes) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed (util-linux)"
mkdir -m 1777 /run/shared
# uid 1234 prepares a state dir with a journal asking root to delete /run/victim.
: >/run/victim
setpriv --reuid 1234 --regid 1234 --clear-groups sh -c '
	mkdir -p /run/shared/nsnet/journal &&
	printf "%s\n" "{\"do\":\"push\",\"kind\":3,\"a\":\"/run/victim\",\"b\":\"\"}" \
		>/run/shared/nsnet/journal/999999.jsonl' || fail "setpriv could not run as uid 1234"

before=$(snapshot)
run_fail_status 1 'state dir /run/shared/nsnet: /run/shared is writable by others \(mode 1777\)' \
	"$NSNET" --state-dir /run/shared/nsnet network create lan --subnet 10.0.0.0/24
[ -e /run/victim ] || fail "the planted journal was replayed: /run/victim is gone"
assert_unchanged "$before" "state after network create in a foreign state dir"
run_fail_status 1 '/run/shared is writable by others' "$NSNET" --state-dir /run/shared/nsnet gc
run_fail_status 1 '/run/shared is writable by others' env NSNET_STATE_DIR=/run/shared/nsnet "$NSNET" ls
[ -e /run/victim ] || fail "gc replayed the planted journal"

# The same state dir moved under a directory only root can write: its owner still gives it away.
mkdir -m 0755 /run/u
mv /run/shared/nsnet /run/u/nsnet
run_fail_status 1 'state dir /run/u/nsnet: /run/u/nsnet is owned by uid 1234, not root' \
	"$NSNET" --state-dir /run/u/nsnet network create lan --subnet 10.0.0.0/24
run_fail_status 1 'owned by uid 1234' "$NSNET" --state-dir /run/u/nsnet gc
[ -e /run/victim ] || fail "the planted journal was replayed: /run/victim is gone"
assert_unchanged "$before" "state after commands on a state dir of uid 1234"

# Made by root inside the 1777 directory: the parent is still writable by others.
run_fail_status 1 '/run/shared is writable by others \(mode 1777\)' \
	"$NSNET" --state-dir /run/shared/root-made network create lan --subnet 10.0.0.0/24
[ ! -e /run/shared/root-made ] || fail "the state dir was made under a world-writable directory"
assert_unchanged "$before" "state after network create under /run/shared"

# Group-writable, and a state dir that is itself writable by others.
mkdir -m 0775 /run/grp
run_fail_status 1 '/run/grp is writable by its group' "$NSNET" --state-dir /run/grp/st ls
mkdir -m 0757 /run/wide
run_fail_status 1 '/run/wide is writable by others' "$NSNET" --state-dir /run/wide network ls

# A symlink through the world-writable directory, from a trusted place.
mkdir -m 0700 /run/shared/dir-by-root
ln -s /run/shared/dir-by-root /run/link
run_fail_status 1 '/run/shared is writable by others' "$NSNET" --state-dir /run/link network create lan --subnet 10.0.0.0/24
assert_unchanged "$before" "state after network create through a symlink"

# A kind folder (records) that is a symlink planted in a trusted state dir is refused too.
mkdir -m 0700 /run/st2
ln -s /run/shared /run/st2/networks
run_fail_status 1 '/run/st2/networks.*symlink' "$NSNET" --state-dir /run/st2 network create lan --subnet 10.0.0.0/24
assert_unchanged "$before" "state after network create with a symlinked kind folder"

# A trusted one (root, 0700 under 0755 directories) works as before.
mkdir -m 0755 /run/good
run_ok "$NSNET" --state-dir /run/good/nsnet network create lan --subnet 10.0.0.0/24 >/dev/null
assert_eq "$(stat -c %a /run/good/nsnet)" 700 "mode of a state dir nsnet made"
run_ok "$NSNET" --state-dir /run/good/nsnet network rm lan >/dev/null
leak_check
