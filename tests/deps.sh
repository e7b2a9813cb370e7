#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages that building and testing nsnet need, only when one is missing.
# Quiet when everything is present. Usage: tests/deps.sh
set -eu

# package [command that proves it is usable]: the command check catches tools present without dpkg
# (e.g. a hand-built nft); the dpkg check catches -dev packages, which have no command.
# iptables, containernetworking-plugins (the reference CNI plugins in /usr/lib/cni), podman, crun
# and busybox-static (a static busybox for container rootfs) are for the CNI tests and bench/cni.
# libcurl4-openssl-dev builds the etcd client (src/store/; libcurl itself is dlopen'ed), and etcd-server
# and etcd-client (etcdctl) give the overlay tests a real etcd to talk to; openssl makes the
# certificates of t_overlay_tls (an etcd over https with client certificates).
# iperf3 measures the bandwidth limits (t_bandwidth, t_cni_bandwidth).
# debhelper, scdoc, lintian, man-db and bash-completion: make deb, make man and their tests.
# containerd (containerd, ctr, the runc shim) is for t_cni_containerd.
# and busybox-static (a static busybox for container rootfs) are for the CNI tests and bench/cni;
# dnsmasq-base is each network's resolver (docs/dns.md), run by nsnet itself.
REQUIRED="
build-essential:cc
pkg-config:pkg-config
libmnl-dev
libnftables-dev
libnftnl-dev
libjansson-dev
libyaml-dev
iproute2:ip
nftables:nft
iptables:iptables-restore
iputils-ping:ping
socat:socat
python3:python3
procps:ps
util-linux:unshare
jq:jq
iptables:iptables
containernetworking-plugins:/usr/lib/cni/bridge
podman:podman
crun:crun
busybox-static
libcurl4-openssl-dev
curl:curl
etcd-server:etcd
etcd-client:etcdctl
openssl:openssl
iperf3:iperf3
debhelper:dh
scdoc:scdoc
lintian:lintian
man-db:man
bash-completion
graphviz:dot
containerd:ctr
dnsmasq-base:/usr/sbin/dnsmasq
"
OPTIONAL="clang:clang valgrind:valgrind"

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=
for entry in $REQUIRED; do
	pkg=${entry%%:*}
	cmd=
	case $entry in *:*) cmd=${entry#*:} ;; esac
	if installed "$pkg"; then continue; fi
	# Present without dpkg's knowledge (e.g. another distribution's image): good enough for tools.
	if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
	missing="$missing $pkg"
done

optional_missing=
for entry in $OPTIONAL; do
	pkg=${entry%%:*}
	cmd=${entry#*:}
	installed "$pkg" || command -v "$cmd" >/dev/null 2>&1 || optional_missing="$optional_missing $pkg"
done

[ -z "$missing$optional_missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	if [ -n "$missing" ]; then
		echo "deps: missing packages:$missing (run tests/deps.sh as root to install them)" >&2
		exit 1
	fi
	exit 0
fi
command -v apt-get >/dev/null 2>&1 || { echo "deps: missing$missing$optional_missing and no apt-get" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "deps: installing$missing$optional_missing" >&2
apt-get update -qq >&2
if [ -n "$missing" ]; then
	apt-get install -y -qq --no-install-recommends $missing >&2
fi
if [ -n "$optional_missing" ]; then
	# Optional: a failure here (package not available) must not stop the build.
	apt-get install -y -qq --no-install-recommends $optional_missing >&2 ||
		echo "deps: optional packages not installed:$optional_missing" >&2
fi
