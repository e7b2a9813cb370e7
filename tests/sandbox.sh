#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command in a private sandbox: new network + mount namespace, tmpfs over /run (so
# /run/netns and the default state dir /run/nsnet are private) and over /etc/netns, loopback up.
# Nothing done inside can reach the machine's real network. At the end, daemons nsnet started inside
# (resolvers, overlay agents) and left running are stopped by their recorded PIDs.
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
	set +e
	"$@"
	st=$?
	# The resolvers and overlay agents nsnet started here outlive a sandbox that ends without
	# network rm (a bench, a failed test): each is stopped by its recorded PID, if that process
	# still has the recorded start time and runs in this network namespace.
	for f in /run/nsnet/dns/*/pid /run/nsnet/overlay/agent.pid; do
		[ -f "$f" ] || continue
		IFS=: read -r pid start <"$f" || continue
		case "$pid:$start" in *[!0-9:]* | :* | *:) continue ;; esac
		[ -r "/proc/$pid/stat" ] || continue
		now=$(sed "s/.*) //" "/proc/$pid/stat" | cut -d" " -f20)
		[ "$now" = "$start" ] && [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ] &&
			kill "$pid" 2>/dev/null
	done
	exit $st' nsnet-sandbox "$@"
