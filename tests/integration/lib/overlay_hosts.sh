# SPDX-License-Identifier: MIT
# Sourced by the overlay tests (after lib.sh): several "hosts" on one machine. The underlay is
# bridge ul in the sandbox; each host N is network namespace hN (172.31.0.1N on the underlay)
# plus a process holding a private mount namespace with its own /run (state dir, /run/netns) and
# /etc/netns, in which its nsnet runs. etcd runs in namespace st, started and stopped by PID.
# The test sets E (the etcd URL) and ctl (etcdctl against it) before etcd_start; optional:
#   UNDERLAY=6     each underlay address also gets fd31::LAST/64;
#   OV_GATEWAY=IP  a default route for the hosts (to a wan on the underlay);
#   OV_CARRY=DIR   a directory under the sandbox's /run that the hosts still see (certificates);
#   OV_ETCD_ARGS   more etcd options (TLS); etcd_start waits for `healthy` when the test defines it.

ov_underlay() {
	ip link add ul type bridge
	ip link set ul up
}
plug() { # NS ADDR
	ip link add "u-$1" type veth peer name eth0 netns "$1"
	ip link set "u-$1" master ul up
	ip -n "$1" addr add "$2/24" dev eth0
	[ "${UNDERLAY:-4}" != 6 ] || ip -n "$1" addr add "fd31::${2##*.}/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}
HPIDS=
host_up() { # N
	ip netns add "h$1"
	plug "h$1" "172.31.0.1$1"
	[ -z "${OV_GATEWAY:-}" ] || ip -n "h$1" route add default via "$OV_GATEWAY"
	# OV_CARRY is under the sandbox's /run: bound aside, then moved back over the new /run.
	ip netns exec "h$1" unshare --mount --propagation private sh -c '
		if [ -n "$1" ]; then mount --bind "$1" /mnt || exit 1; fi
		mount -t tmpfs -o mode=0755 ov-run /run && mkdir -p /run/netns /run/nsnet || exit 1
		if [ -n "$1" ]; then mkdir -p "$1" && mount --move /mnt "$1" || exit 1; fi
		mount -t tmpfs -o mode=0755 ov-etc /etc/netns && touch /run/ready && exec sleep 100000' sh "${OV_CARRY:-}" &
	track_pid $!
	eval "HPID$1=$!"
	HPIDS="$HPIDS $!"
	T_STATE_DIRS="$T_STATE_DIRS /proc/$!/root/run/nsnet"	# a failed run stops its agent and resolvers
	wait_until 10 nsenter -t "$!" -m test -f /run/ready || fail "host h$1 did not start"
}
on() { # N CMD...: run CMD on host N (its network and mount namespaces)
	n=$1; shift
	eval "p=\$HPID$n"
	nsenter -t "$p" -m -n -- "$@"
}
nsn() { n=$1; shift; on "$n" timeout "$T_CMD_TIMEOUT" "$NSNET" "$@"; }
addr_of() { on "$1" ip -n "$2" -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }'; }
vx_of() { on "$1" sh -c "ip -o link show type vxlan | awk -F': ' '{ sub(/@.*/, \"\", \$2); print \$2 }'"; }
fdb_has() { on "$1" bridge fdb show dev "$(vx_of "$1")" | grep -q "dst $2 "; }
fdb_lacks() { ! fdb_has "$@"; }

etcd_healthy() {
	if command -v healthy >/dev/null 2>&1; then healthy; else ctl endpoint health; fi
}
etcd_start() {
	# shellcheck disable=SC2086 # OV_ETCD_ARGS is a list of options
	ip netns exec st etcd --data-dir "$T_TMP/etcd" --name st --listen-client-urls $E --advertise-client-urls $E \
		${OV_ETCD_ARGS:-} --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster st=http://127.0.0.1:2380 >>"$T_TMP/etcd.log" 2>&1 </dev/null &
	ETCD=$!
	track_pid $ETCD
	wait_until 30 etcd_healthy || { tail -5 "$T_TMP/etcd.log" >&2; fail "etcd did not become healthy"; }
}
etcd_stop() {
	kill "$ETCD"
	wait "$ETCD" 2>/dev/null || true
	untrack_pid "$ETCD"
}
