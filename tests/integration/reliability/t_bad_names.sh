#!/bin/sh
# SPDX-License-Identifier: MIT
# Names: 64 bytes are fine (a long network name still gets a bridge name that fits), 65 bytes,
# '/', spaces, a leading '-' and the empty name are refused with one line naming the value, and
# nothing is created.
. "$(dirname "$0")/../lib/lib.sh"

n64=$(printf 'n%.0s' $(seq 64))
n65=$(printf 'n%.0s' $(seq 65))
# A too-long name may be shown shortened in the message: its first 64 bytes must be there.
long_pat="n{64}"

before=$(snapshot)
for name in "$n65" 'a/b' 'a b' '../x' '..' '/tmp/x' ''; do
	pat=$(printf '%s' "$name" | sed 's/\./\\./g')
	[ "$name" != "$n65" ] || pat=$long_pat
	run_fail "$pat" "$NSNET" network create "$name" --subnet 10.0.0.0/24
	assert_unchanged "$before" "state after network create '$name'"
done
# A leading '-' reads as an option: a usage error (2) or an invalid name (1), naming it either way.
run_fail '-x' "$NSNET" network create -x --subnet 10.0.0.0/24
assert_unchanged "$before" "state after network create -x"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
before=$(snapshot)
for name in "$n65" 'a/b' 'a b' '../x' '..' '/tmp/x' ''; do
	pat=$(printf '%s' "$name" | sed 's/\./\\./g')
	[ "$name" != "$n65" ] || pat=$long_pat
	run_fail "$pat" "$NSNET" ns add "$name" --net lan
	assert_unchanged "$before" "state after ns add '$name'"
done
run_fail '-x' "$NSNET" ns add -x --net lan
assert_unchanged "$before" "state after ns add -x"
run_fail 'a/b' "$NSNET" ns add ok1 --net lan --ifname a/b
assert_unchanged "$before" "state after --ifname a/b"
run_fail 'waytoolongifname' "$NSNET" ns add ok1 --net lan --ifname waytoolongifname0
assert_unchanged "$before" "state after a 17-byte --ifname"
run_ok "$NSNET" network rm lan >/dev/null

# 64 bytes: accepted for a network and a namespace.
run_ok "$NSNET" network create "$n64" --subnet 10.0.0.0/24 >/dev/null
br=$(net_json "$n64" | jq -r '.bridge')
[ "${#br}" -le 15 ] || fail "bridge name '$br' is longer than 15 bytes"
ip -o link show dev "$br" type bridge | grep -q . || fail "no bridge $br for the 64-byte network name"
run_ok "$NSNET" ns add "$n64" --net "$n64" >/dev/null
assert_eq "$(ns_addrs "$n64")" "10.0.0.2" "address of the 64-byte namespace"
ping_ok "$n64" 10.0.0.1
run_ok "$NSNET" ns rm "$n64" >/dev/null
run_ok "$NSNET" network rm "$n64" >/dev/null
leak_check
