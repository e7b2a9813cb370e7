#!/bin/sh
# SPDX-License-Identifier: MIT
# A state dir that cannot be written (read-only mount, a regular file, a path through a file) makes
# mutating commands fail with one line naming the path, before or after touching the kernel but
# never leaving anything behind; this holds for --state-dir and NSNET_STATE_DIR alike.
. "$(dirname "$0")/../lib/lib.sh"

ro=/run/ro-state
mkdir -p "$ro"
mount --bind "$ro" "$ro"
mount -o remount,bind,ro "$ro"
: >"$T_TMP/file"

before=$(snapshot)
for dir in "$ro" "$T_TMP/file" "$T_TMP/file/sub"; do
	pat=$(printf '%s' "$dir" | sed 's/\./\\./g')
	run_fail "$pat" "$NSNET" --state-dir "$dir" network create lan --subnet 10.0.0.0/24
	assert_unchanged "$before" "state after network create with --state-dir $dir"
	run_fail "$pat" "$NSNET" network create lan --subnet 10.0.0.0/24 --state-dir "$dir"
	assert_unchanged "$before" "state after network create ... --state-dir $dir"
	run_fail "$pat" env NSNET_STATE_DIR="$dir" "$NSNET" network create lan --subnet 10.0.0.0/24
	assert_unchanged "$before" "state after network create with NSNET_STATE_DIR=$dir"
done
[ -z "$(find "$ro" -mindepth 1)" ] || fail "files appeared in the read-only state dir"

# A state dir that turns read-only after the network was made: ns add must roll back its
# namespace and veth when it cannot record them.
sd=/run/sd
mkdir -p "$sd"
mount --bind "$sd" "$sd"
run_ok "$NSNET" --state-dir "$sd" network create lan --subnet 10.0.0.0/24 >/dev/null
mount -o remount,bind,ro "$sd"
before=$(snapshot)
run_fail "$sd" "$NSNET" --state-dir "$sd" ns add a --net lan
assert_unchanged "$before" "state after ns add into a read-only state dir"
ip netns list | grep -qw a && fail "namespace a left behind"
mount -o remount,bind,rw "$sd"
run_ok "$NSNET" --state-dir "$sd" network rm lan >/dev/null
[ -z "$(find "$sd"/networks "$sd"/namespaces "$sd"/leases -type f 2>/dev/null)" ] ||
	fail "records left in $sd: $(find "$sd" -type f)"
umount "$sd"
umount "$ro"
leak_check
