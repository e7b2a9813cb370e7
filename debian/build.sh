#!/bin/sh
# SPDX-License-Identifier: MIT
# make deb: build OUT/nsnet_VERSION_ARCH.deb with debhelper (dpkg-buildpackage) in a temporary
# copy of the tree, so the tree gets no build files; debian/changelog is written there with the
# version from debian/version.sh. A plain build, no sanitizers. Usage: debian/build.sh [OUT]
set -eu
OUT=${1:-build/deb}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for t in dpkg-buildpackage dh; do
	command -v "$t" >/dev/null 2>&1 ||
		{ echo "deb: $t is missing: apt-get install debhelper dpkg-dev (tests/deps.sh does)" >&2; exit 1; }
done
VERSION=$(sh "$ROOT/debian/version.sh")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsnet-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SRC=$TMP/nsnet-$VERSION
mkdir -p "$SRC" "$OUT"

# The sources as they are now (committed or not): git's tracked and untracked-but-not-ignored
# files, or everything but build/ outside git.
if git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$SRC"
	what="git $(git -C "$ROOT" describe --always --dirty)"
	when=$(git -C "$ROOT" log -1 --format=%cD)
else
	tar -C "$ROOT" --exclude=./build -cf - . | tar -xf - -C "$SRC"
	what="a source tree without git"
	when=$(date -R)
fi
maint=$(sed -n 's/^Maintainer: //p' "$SRC/debian/control")
cat >"$SRC/debian/changelog" <<EOC
nsnet ($VERSION) unstable; urgency=medium

  * Built by make deb from $what.

 -- $maint  $when
EOC

# A make that runs this (make deb, make check SANITIZE=1 ...) must not pass its variables on.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
echo "deb: building nsnet $VERSION in $SRC" >&2
(cd "$SRC" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}" dpkg-buildpackage -b -us -uc) >"$TMP/build.log" 2>&1 || {
	tail -n 40 "$TMP/build.log" >&2
	echo "deb: dpkg-buildpackage failed (last lines above)" >&2
	exit 1
}
for f in "$TMP"/nsnet_*.deb; do
	cp "$f" "$OUT/"
	echo "$OUT/${f##*/}"
done
