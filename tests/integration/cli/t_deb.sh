#!/bin/sh
# SPDX-License-Identifier: MIT
# make deb builds nsnet_VERSION_ARCH.deb with debhelper and leaves the tree as git had it; the
# package, unpacked into a throwaway root (dpkg -x), holds a working nsnet (--version is the
# package's), the CNI plugin links, a man page man renders, a bash completion that completes,
# the docs, and declares its run-time dependencies. Skipped without debhelper.
# A fast build (DEB_BUILD_OPTIONS noopt nostrip): the package's layout is what is tested here;
# lintian runs on a real build (docs/packaging.md).
# backends: nft
# timeout: 900
# serial: builds the package in the tree (checks git status) with every core
. "$(dirname "$0")/../lib/lib.sh"

command -v dh >/dev/null 2>&1 && command -v dpkg-buildpackage >/dev/null 2>&1 ||
	skip "debhelper is not installed (tests/deps.sh installs it)"
command -v scdoc >/dev/null 2>&1 || skip "scdoc is not installed (tests/deps.sh installs it)"

git_status() { git -C "$T_ROOT" status --porcelain 2>/dev/null || true; }
before=$(git_status)
OUT=$T_TMP/deb
out=$(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS DEB_BUILD_OPTIONS="noopt nostrip parallel=2" make --no-print-directory -C "$T_ROOT" deb DEBDIR="$OUT" 2>"$T_TMP/deb.err") ||
	fail "make deb failed: $(cat "$T_TMP/deb.err")"
assert_eq "$(git_status)" "$before" "git status after make deb (nothing left in the tree)"
DEB=$out
case ${DEB##*/} in nsnet_*_*.deb) ;; *) fail "make deb made '$DEB', expected nsnet_VERSION_ARCH.deb" ;; esac
[ -f "$DEB" ] || fail "no $DEB"
version=$(dpkg-deb -f "$DEB" Version)
assert_eq "${DEB##*/}" "nsnet_${version}_$(dpkg --print-architecture).deb" "the package's file name"
[ "$version" = "$(sh "$T_ROOT/debian/version.sh")" ] || fail "package version $version is not debian/version.sh's"

# Declared dependencies: shared libraries found by dpkg-shlibdeps, libnftables1 (dlopen'ed).
deps=$(dpkg-deb -f "$DEB" Depends)
for d in libnftables1 libmnl0 libjansson4 libnftnl11 libc6; do
	assert_match "$deps" "(^|, )$d( |,|$)" "Depends"
done
assert_match "$(dpkg-deb -f "$DEB" Recommends)" 'dnsmasq-base' "Recommends"

# Unpacked into a throwaway root.
R=$T_TMP/root
dpkg -x "$DEB" "$R"
[ -x "$R/usr/sbin/nsnet" ] || fail "no /usr/sbin/nsnet in the package"
assert_eq "$("$R/usr/sbin/nsnet" --version)" "nsnet $version" "the packaged binary's --version"
for l in usr/lib/cni/nsnet opt/cni/bin/nsnet; do
	[ -L "$R/$l" ] || fail "/$l is not a link"
	t=$(readlink "$R/$l")
	case $t in /*) t=$R$t ;; *) t=$(dirname "$R/$l")/$t ;; esac
	[ "$(readlink -f "$t")" = "$(readlink -f "$R/usr/sbin/nsnet")" ] || fail "/$l points to $(readlink "$R/$l"), not /usr/sbin/nsnet"
done
# The link is the CNI plugin: no arguments and CNI_COMMAND set.
v=$(CNI_COMMAND=VERSION "$R/usr/lib/cni/nsnet" </dev/null) || fail "the CNI link failed VERSION"
assert_match "$v" '"supportedVersions"' "CNI VERSION through /usr/lib/cni/nsnet"

# The man page renders, and is the one in the tree.
MP=$R/usr/share/man/man8/nsnet.8.gz
[ -f "$MP" ] || fail "no man page $MP"
txt=$(MANWIDTH=100 man --warnings -l "$MP" 2>"$T_TMP/man.err") || fail "man -l failed: $(cat "$T_TMP/man.err")"
[ ! -s "$T_TMP/man.err" ] || fail "man -l warned: $(cat "$T_TMP/man.err")"
assert_match "$txt" 'nsnet network create' "the packaged man page"
assert_match "$txt" 'GLOBAL OPTIONS' "the packaged man page"

# The completion loads and completes with the packaged binary first in PATH.
BCF=$R/usr/share/bash-completion/completions/nsnet
[ -f "$BCF" ] || fail "no bash completion in the package"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	got=$(PATH="$R/usr/sbin:$PATH" bash -c '
		. /usr/share/bash-completion/bash_completion && . "$1" || exit 1
		complete -p nsnet >/dev/null || exit 1
		COMP_WORDS=(nsnet netw) COMP_CWORD=1 COMP_LINE="nsnet netw" COMP_POINT=10
		_nsnet nsnet netw nsnet
		echo "${COMPREPLY[*]}"' sh "$BCF" 2>"$T_TMP/bc.err") || fail "sourcing the completion failed: $(cat "$T_TMP/bc.err")"
	assert_eq "$got" "network" "completing 'nsnet netw' with the packaged completion"
fi

# Docs.
for f in README.md cli.md packaging.md copyright changelog.gz; do
	[ -f "$R/usr/share/doc/nsnet/$f" ] || fail "no /usr/share/doc/nsnet/$f in the package"
done
