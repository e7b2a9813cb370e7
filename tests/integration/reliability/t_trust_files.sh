#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18 item 6: files nsnet did not write. An admin's own /etc/netns/NS/resolv.conf is never
# overwritten (ns add refuses), deleted by the rollback of a failed ns add, or deleted by ns rm;
# nsnet never writes through a symlink (/etc/netns/NS itself, or resolv.conf.nsnet-tmp).
# One backend: its subject (resolv.conf files nsnet did not write) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

# --no-dns: the nameservers written are the host's (the sandbox's test resolv.conf), not a resolver's.
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --no-dns >/dev/null

# An admin's own file: ns add refuses and leaves it, and everything else, as it was.
mkdir -p /etc/netns/v
printf 'nameserver 198.51.100.1\n' >/etc/netns/v/resolv.conf
before=$(snapshot)
run_fail 'resolv\.conf exists and was not written by nsnet' "$NSNET" ns add v --net lan
assert_eq "$RUN_STATUS" 1 "exit status of the refused ns add"
assert_eq "$(cat /etc/netns/v/resolv.conf)" "nameserver 198.51.100.1" "admin's resolv.conf after a refused ns add"
assert_unchanged "$before" "state after a refused ns add"
[ -e /run/netns/v ] && fail "the refused ns add left namespace v"

rm -rf /etc/netns/v
run_ok "$NSNET" ns add v --net lan >/dev/null
assert_match "$(head -n1 /etc/netns/v/resolv.conf)" '^# written by nsnet' "nsnet marks the file it writes"
# ns rm leaves a file the admin put in place of nsnet's.
printf 'nameserver 198.51.100.2\n' >/etc/netns/v/resolv.conf
run_ok "$NSNET" ns rm v >/dev/null
assert_eq "$(cat /etc/netns/v/resolv.conf 2>&1)" "nameserver 198.51.100.2" "admin's resolv.conf after ns rm"
[ -e /run/netns/v ] && fail "ns rm left namespace v"
rm -rf /etc/netns/v

# A failed ns add (here: refused) does not delete it on its way out (the old code's rollback did).
mkdir -p /etc/netns/w
printf 'nameserver 198.51.100.3\n' >/etc/netns/w/resolv.conf
run_fail 'not written by nsnet' "$NSNET" ns add w --net lan --dns 192.0.2.9
assert_eq "$(cat /etc/netns/w/resolv.conf)" "nameserver 198.51.100.3" "admin's resolv.conf after a failed ns add"
rm -rf /etc/netns/w

# Never through a symlink: /etc/netns/z a symlink to a directory elsewhere.
mkdir -p "$T_TMP/elsewhere"
ln -s "$T_TMP/elsewhere" /etc/netns/z
run_fail 'symlink' "$NSNET" ns add z --net lan
[ -e "$T_TMP/elsewhere/resolv.conf" ] && fail "nsnet wrote through the symlink /etc/netns/z"
[ -e /run/netns/z ] && fail "the refused ns add left namespace z"
rm -f /etc/netns/z

# ... nor resolv.conf.nsnet-tmp a symlink to a file elsewhere.
mkdir -p /etc/netns/y
printf 'precious\n' >"$T_TMP/victim"
ln -s "$T_TMP/victim" /etc/netns/y/resolv.conf.nsnet-tmp
run_ok "$NSNET" ns add y --net lan >/dev/null
assert_eq "$(cat "$T_TMP/victim")" "precious" "file behind a symlinked resolv.conf.nsnet-tmp"
[ -L /etc/netns/y/resolv.conf ] && fail "resolv.conf of y is a symlink"
assert_match "$(grep '^nameserver' /etc/netns/y/resolv.conf)" '^nameserver 192\.0\.2\.53$' "resolv.conf of y"
run_ok "$NSNET" ns rm y >/dev/null
[ -e /etc/netns/y ] && fail "/etc/netns/y survives ns rm"

run_ok "$NSNET" network rm lan >/dev/null
leak_check
