#!/bin/sh
# SPDX-License-Identifier: MIT
# Print nsnet's version for the Debian package (and nsnet --version in it). In a git tree, from
# `git describe`: tag v1.2.0 -> 1.2.0, 5 commits past it -> 1.2.0+git5.gabc1234; with no such tag,
# the version in src/cli/cli.h plus the commit: 0.1.0+git20261202.a345e44. Uncommitted changes add
# ".dirty" (or "+dirty"). Outside git: the version in src/cli/cli.h.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n 's/^#define NSNET_VERSION "\([^"]*\)"$/\1/p' "$ROOT/src/cli/cli.h")
[ -n "$base" ] || { echo "version.sh: no NSNET_VERSION in src/cli/cli.h" >&2; exit 1; }
if ! git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	echo "$base"
	exit 0
fi
if d=$(git -C "$ROOT" describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
	v=$(printf '%s\n' "$d" | sed -E 's/^v//; s/-dirty$//; s/-([0-9]+)-g([0-9a-f]+)$/+git\1.g\2/')
else
	d=$(git -C "$ROOT" describe --always --dirty)
	v="$base+git$(git -C "$ROOT" log -1 --format=%cd --date=format:%Y%m%d).${d%-dirty}"
fi
case $d in
*-dirty) case $v in *+*) v="$v.dirty" ;; *) v="$v+dirty" ;; esac ;;
esac
echo "$v"
