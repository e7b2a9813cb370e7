#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command in a private sandbox: new network + mount namespace, tmpfs over /run (so
# /run/netns and the default state dir /run/nsnet are private) and over /etc/netns, loopback up.
# Nothing done inside can reach the machine's real network.
# Usage: tests/sandbox.sh CMD [ARG]...
set -eu
[ "$(id -u)" = 0 ] || { echo "sandbox: must run as root (uses unshare --net --mount)" >&2; exit 77; }
[ -d /etc/netns ] || mkdir -p /etc/netns
# Tests start python3 often (servers, clients, JSON checks): use the system's (tests/deps.sh installs
# python3), not a version manager's shim, which can cost seconds per start on a loaded machine.
if [ -x /usr/bin/python3 ]; then
	PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/\.pyenv/' | paste -sd: -)
	export PATH
fi
exec unshare --net --mount --propagation private -- sh -c '
	set -e
	mount -t tmpfs -o mode=0755 nsnet-sandbox-run /run
	mount -t tmpfs -o mode=0755 nsnet-sandbox-etc-netns /etc/netns
	mkdir -p /run/netns /run/nsnet
	# A fresh sysfs so /sys/class/net shows this namespace, as "ip netns exec" does.
	mount -t sysfs nsnet-sandbox-sys /sys 2>/dev/null || true
	ip link set lo up
	exec "$@"' nsnet-sandbox "$@"
