# SPDX-License-Identifier: MIT
# Helpers for the integration tests: sourced by every tests/integration/AREA/t_*.sh (as
# "$(dirname "$0")/../lib/lib.sh"), which runs inside tests/sandbox.sh (private network and mount
# namespace, tmpfs over /run and /etc/netns).
#
# Theory of operation: a test is a POSIX sh script that sets things up with $NSNET, checks
# behaviour with real traffic, tears down with $NSNET and exits. An EXIT trap then stops the
# servers it started, runs leak_check (nothing nsnet made may survive the teardown) and turns a
# leak into a failure. Exit 0 = pass, 77 = skip, anything else = fail (see tests/run.sh).
# Helpers that fail call `fail`, which exits the test; do not call them inside $(...) unless a
# failing exit status there is meant to stop the test (set -e does that for `x=$(...)`).

set -eu

T_NAME=$(basename "$0" .sh)
# The source tree: the first directory above the test that holds tests/run.sh (a test sits in an
# area folder, tests/integration/AREA/, or at the top, tests/integration/).
T_ROOT=$(cd "$(dirname "$0")" && pwd)
while [ ! -f "$T_ROOT/tests/run.sh" ]; do
	[ "$T_ROOT" != / ] || { echo "$T_NAME: cannot find the source tree above $0" >&2; exit 1; }
	T_ROOT=$(dirname "$T_ROOT")
done

: "${NSNET:?NSNET must name the nsnet binary (tests/run.sh sets it)}"
case $NSNET in /*) ;; *) NSNET=$T_ROOT/$NSNET ;; esac
export NSNET
STATE_DIR=${NSNET_STATE_DIR:-/run/nsnet}
T_PIDS=
T_STATE_DIRS=
# No single command may take longer than this (a hung nsnet fails its test with a clear message
# instead of running into the runner's per-test timeout).
T_CMD_TIMEOUT=${NSNET_CMD_TIMEOUT:-90}

fail() {
	echo "FAIL: $T_NAME: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $T_NAME: $*" >&2
	exit 77
}

# --- Safety: never run against the machine's real network -------------------------------------
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] ||
	! grep -q ' /run .* nsnet-sandbox-run ' /proc/self/mountinfo; then
	echo "$T_NAME: refusing to run outside tests/sandbox.sh (it would touch the real network)" >&2
	exit 1
fi
[ -x "$NSNET" ] || fail "NSNET=$NSNET is not an executable (build it with make)"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (tests/deps.sh installs it)"

# Scratch space in the sandbox's private /run: gone with the sandbox.
T_TMP=$(mktemp -d /run/nsnet-test.XXXXXX)

# Links that exist before the test (lo, and the fallback tunnel devices some kernels create in
# every namespace): everything else on the host at the end is a leak, except uplink.
host_links() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
T_BASE_LINKS=$(host_links | tr '\n' ' ')

# --- A deterministic host /etc/resolv.conf ----------------------------------------------------
# The sandbox's mount namespace is private, so this bind mount never reaches the host.
printf 'nameserver 127.0.0.53\nnameserver 192.0.2.53\n' >"$T_TMP/resolv.conf"
if [ -L /etc/resolv.conf ]; then
	# E.g. a link into /run/systemd/resolve, which the sandbox's tmpfs over /run hides.
	T_RESOLV=$(readlink -f /etc/resolv.conf)
	case $T_RESOLV in
	/run/*)
		mkdir -p "$(dirname "$T_RESOLV")"
		[ -e "$T_RESOLV" ] || : >"$T_RESOLV"
		;;
	esac
else
	T_RESOLV=/etc/resolv.conf
fi
[ -e "$T_RESOLV" ] || skip "no /etc/resolv.conf to cover with a test file"
mount --bind "$T_TMP/resolv.conf" "$T_RESOLV" || fail "cannot bind-mount a test resolv.conf"

# --- Feature probes: a kernel without what nsnet needs skips (77) instead of failing -------------
probe_fail() { # WHAT: skip when the kernel lacks it, fail on any other error
	if grep -qiE 'unknown device type|not supported|no such file|protocol not supported|could not process rule' "$T_TMP/probe.err"; then
		skip "the kernel lacks $1: $(head -n 1 "$T_TMP/probe.err")"
	fi
	fail "probing for $1 failed: $(cat "$T_TMP/probe.err")"
}
ip link add tprobe0 type bridge 2>"$T_TMP/probe.err" || probe_fail "bridge support"
ip link del tprobe0
ip link add tprobe0 type veth peer name tprobe1 2>"$T_TMP/probe.err" || probe_fail "veth support"
ip link del tprobe0
printf '%s\n' 'table inet tprobe {' \
	'chain f { type filter hook forward priority filter; ct state established accept; }' \
	'chain p { type nat hook postrouting priority srcnat; ip saddr 10.0.0.0/8 masquerade; }' '}' |
	nft -f - 2>"$T_TMP/probe.err" || probe_fail "nftables NAT and conntrack"
nft delete table inet tprobe

# need_ipv6: skip the test when the kernel has no IPv6.
need_ipv6() { [ -d /proc/sys/net/ipv6 ] || skip "the kernel has no IPv6"; }

# --- Assertions -------------------------------------------------------------------------------

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[ "$1" = "$2" ] && return 0
	fail "${3:-value}: expected '$2', got '$1'"
}

# assert_match ACTUAL ERE [WHAT]: ACTUAL (possibly several lines) has a line matching ERE.
assert_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" && return 0
	fail "${3:-value}: expected a line matching /$2/, got: $1"
}

# assert_no_match ACTUAL ERE [WHAT]
assert_no_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || return 0
	fail "${3:-value}: expected no line matching /$2/, got: $1"
}

# run_ok CMD [ARG]...: CMD (an executable, not a shell function) must exit 0 within
# T_CMD_TIMEOUT seconds. Its stdout is passed on (so out=$(run_ok ...) works); on failure the
# command, its status and its output are shown.
run_ok() {
	rc=0
	timeout -k 2 "$T_CMD_TIMEOUT" "$@" >"$T_TMP/run.out" 2>"$T_TMP/run.err" </dev/null || rc=$?
	if [ "$rc" != 0 ]; then
		{
			if [ "$rc" = 124 ]; then echo "command timed out after ${T_CMD_TIMEOUT}s: $*"; fi
			echo "command failed (exit status $rc): $*"
			sed 's/^/  stdout: /' "$T_TMP/run.out"
			sed 's/^/  stderr: /' "$T_TMP/run.err"
		} >&2
		fail "command failed: $*"
	fi
	cat "$T_TMP/run.out"
	cat "$T_TMP/run.err" >&2
}

# run_fail ERE CMD [ARG]...: CMD must exit 1 or 2 (nsnet's error and usage statuses), and its
# stderr must be exactly one line that starts with "nsnet: " and matches ERE. Sets RUN_STATUS.
run_fail() {
	pattern=$1; shift
	RUN_STATUS=0
	timeout -k 2 "$T_CMD_TIMEOUT" "$@" >"$T_TMP/run.out" 2>"$T_TMP/run.err" </dev/null || RUN_STATUS=$?
	err=$(cat "$T_TMP/run.err")
	lines=$(grep -c '' "$T_TMP/run.err" || true)
	why=
	if [ "$RUN_STATUS" = 124 ]; then
		why="timed out after ${T_CMD_TIMEOUT}s"
	elif [ "$RUN_STATUS" = 0 ]; then
		why="succeeded but should have failed"
	elif [ "$RUN_STATUS" != 1 ] && [ "$RUN_STATUS" != 2 ]; then
		why="exit status $RUN_STATUS (expected 1, or 2 for a usage error)"
	elif [ "$lines" != 1 ]; then
		why="stderr has $lines lines (expected exactly one)"
	elif ! printf '%s\n' "$err" | grep -q '^nsnet: '; then
		why="stderr does not start with 'nsnet: '"
	elif ! printf '%s\n' "$err" | grep -Eq -- "$pattern"; then
		why="stderr does not match /$pattern/"
	fi
	if [ -n "$why" ]; then
		{
			echo "command: $*"
			echo "exit status: $RUN_STATUS"
			sed 's/^/  stdout: /' "$T_TMP/run.out"
			sed 's/^/  stderr: /' "$T_TMP/run.err"
		} >&2
		fail "$why: $*"
	fi
}

# run_fail_status STATUS ERE CMD [ARG]...: run_fail, and the exit status must be STATUS.
run_fail_status() {
	want=$1; shift
	run_fail "$@"
	[ "$RUN_STATUS" = "$want" ] || fail "exit status $RUN_STATUS, expected $want: $*"
}

# --- Time and polling -------------------------------------------------------------------------
now_ms() { date +%s%3N; }

# wait_until SECONDS CMD [ARG]...: poll CMD (every 50 ms) until it succeeds; 1 on timeout.
wait_until() {
	limit=$(( $(now_ms) + $1 * 1000 )); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -lt "$limit" ] || return 1
		sleep 0.05
	done
}

# --- Namespaces and traffic -------------------------------------------------------------------

# in_ns NS CMD...: run CMD in netns NS, or in the sandbox's own (the "host") when NS is "host".
in_ns() {
	ns=$1; shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

ping1() {
	case $2 in *:*) in_ns "$1" ping -6 -n -c1 -W1 "$2" ;; *) in_ns "$1" ping -n -c1 -W1 "$2" ;; esac
}

# ping_ok NS ADDR: ADDR answers from NS. Retries for up to 5 s: IPv6 addresses are unusable
# until duplicate address detection ends (about a second), which is the kernel's doing.
ping_ok() {
	wait_until 5 ping1 "$1" "$2" && return 0
	ping1 "$1" "$2" >&2 || true
	fail "ping from $1 to $2 failed"
}

# ping_fails NS ADDR: one ping from NS to ADDR gets no answer. Use it only after showing that
# NS can reach something (ping_ok), or it proves nothing.
ping_fails() {
	if ping1 "$1" "$2" >"$T_TMP/ping.out" 2>&1; then
		cat "$T_TMP/ping.out" >&2
		fail "ping from $1 to $2 succeeded but should not"
	fi
}

# pings_fail NS ADDR [NS ADDR]...: ping_fails for each pair, the pings sent at once: each still
# waits its whole second for the answer that must not come, but ten of them take one second, not ten.
pings_fail() {
	_pf_n=0 _pf_pids=
	while [ $# -ge 2 ]; do
		_pf_n=$((_pf_n + 1))
		(trap - EXIT; if ping1 "$1" "$2" >"$T_TMP/pf.$_pf_n.out" 2>&1; then echo "$1 $2"; fi >"$T_TMP/pf.$_pf_n.ok") &
		_pf_pids="$_pf_pids $!"
		shift 2
	done
	for _pf_p in $_pf_pids; do wait "$_pf_p" || true; done
	_pf_i=0
	while [ $_pf_i -lt $_pf_n ]; do
		_pf_i=$((_pf_i + 1))
		[ -f "$T_TMP/pf.$_pf_i.ok" ] || fail "pings_fail: no result for ping $_pf_i"
		[ ! -s "$T_TMP/pf.$_pf_i.ok" ] && continue
		cat "$T_TMP/pf.$_pf_i.out" >&2
		fail "ping from $(cut -d' ' -f1 "$T_TMP/pf.$_pf_i.ok") to $(cut -d' ' -f2 "$T_TMP/pf.$_pf_i.ok") succeeded but should not"
	done
	rm -f "$T_TMP"/pf.*
}

# A TCP server that answers each connection with the client's address as it sees it (IPv4
# addresses of dual-stack sockets unmapped), and logs the same line to its stdout.
SERVER_PY='
import ipaddress, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(64)
while True:
    c, a = s.accept()
    ip = ipaddress.ip_address(a[0].split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    print(ip, flush=True)
    c.sendall(("%s\n" % ip).encode())
    c.close()
'

# wait_listen NS PORT: poll until a TCP socket listens on PORT in NS (20 s at most).
listening() { in_ns "$1" ss -ltnH "sport = :$2" | grep -q .; }
wait_listen() {
	# 20 s: a python3 server takes seconds to start on a loaded 2-core machine (pyenv shim); the poll ends at once when it listens.
	wait_until 20 listening "$1" "$2" || fail "nothing listens on TCP port $2 in $1 after 20 s"
}

# start_server NS PORT: start the address-echo server in NS (through `nsnet exec`, or
# `ip netns exec` for wan and host), remember its PID for cleanup and wait until it listens.
# Its log (one client address a line) is $T_TMP/server.NS.PORT.log.
start_server() {
	log=$T_TMP/server.$1.$2.log
	case $1 in
	wan) ip netns exec wan python3 -c "$SERVER_PY" "$2" >"$log" 2>&1 </dev/null & ;;
	host) python3 -c "$SERVER_PY" "$2" >"$log" 2>&1 </dev/null & ;;
	*) "$NSNET" exec "$1" -- python3 -c "$SERVER_PY" "$2" >"$log" 2>&1 </dev/null & ;;
	esac
	track_pid $!
	wait_listen "$1" "$2"
}

# pid_start PID: the start time of process PID (field 22 of /proc/PID/stat; the fields after the
# name, which may hold spaces, start at 3), empty when there is none.
pid_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
# pid_is PID START: is PID still the process that started at START (not gone, not a reused PID)?
pid_is() { [ -n "$2" ] && [ "$(pid_start "$1")" = "$2" ]; }

# stop_servers: stop every process start_server (or track_pid) recorded, and wait for them. Each
# is signalled only while its PID still names the process recorded (same start time): one the
# test already waited for may have given its PID to another process since.
stop_servers() {
	for entry in $T_PIDS; do
		pid_is "${entry%%:*}" "${entry#*:}" && kill "${entry%%:*}" 2>/dev/null || true
	done
	for entry in $T_PIDS; do
		wait "${entry%%:*}" 2>/dev/null || true
	done
	T_PIDS=
}

# track_pid PID: stop this background process at the end of the test (kept as PID:START).
track_pid() { T_PIDS="$T_PIDS $1:$(pid_start "$1")"; }

# tcp_get NS ADDR PORT: connect from NS to ADDR:PORT and print what the server says (the client
# address it saw). Fails (status != 0, no output) when no connection is made within 2 s.
tcp_get() {
	case $2 in *:*) target="[$2]" ;; *) target=$2 ;; esac
	in_ns "$1" socat -T2 - "TCP:$target:$3,connect-timeout=2" </dev/null 2>/dev/null
}

# default_route NS [4|6]: "GATEWAY IFNAME" of each default route in NS, one a line (nothing when
# there is none).
default_route() {
	ip -n "$1" -"${2:-4}" route show default |
		awk '{ g = ""; d = ""; for (i = 1; i < NF; i++) { if ($i == "via") g = $(i + 1); if ($i == "dev") d = $(i + 1) } print g, d }'
}

# --- Shaped rates: iperf3 (t_bandwidth, t_cni_bandwidth) ---------------------------------------

# iperf_server NS|host ADDR: an iperf3 server on ADDR port 5201 in NS, tracked for cleanup, listening.
# --forceflush keeps its log current, which iperf_idle reads.
iperf_server() {
	if [ "$1" = host ]; then
		iperf3 -s -p 5201 -B "$2" --forceflush >"$T_TMP/iperf-server.log" 2>&1 </dev/null &
	else
		ip netns exec "$1" iperf3 -s -p 5201 -B "$2" --forceflush >"$T_TMP/iperf-server.log" 2>&1 </dev/null &
	fi
	track_pid $!
	wait_listen "$1" 5201
}

# The server is idle: it says "Server listening" once more than it has accepted a test. It serves
# one test at a time; a client that comes while it finishes the previous one is told "the server
# is busy running a test" and gets no result.
iperf_idle() {
	[ "$(grep -c '^Server listening' "$T_TMP/iperf-server.log")" -gt "$(grep -c '^Accepted connection' "$T_TMP/iperf-server.log")" ]
}

# iperf_rate FROM_NS TO_ADDR [-R]: bits per second the receiver saw in a 2 s TCP transfer (the
# first half second left out: slow start), FROM_NS sending (or, with -R, receiving), once the
# server is idle. A run iperf3 reports as failed (no result in its JSON) runs again once.
iperf_rate() {
	for try in 1 2; do
		wait_until 20 iperf_idle || fail "the iperf3 server is still busy after 20 s"
		in_ns "$1" iperf3 -c "$2" -p 5201 -t 2 -O 0.5 --json ${3:-} >"$T_TMP/iperf.json" 2>&1
		got=$(jq -r '.end.sum_received.bits_per_second // empty | floor' "$T_TMP/iperf.json" 2>/dev/null)
		[ -n "$got" ] && { echo "$got"; return 0; }
		echo "iperf3 from $1 to $2 ${3:-} (try $try): $(jq -r '.error // "no result"' "$T_TMP/iperf.json" 2>/dev/null)" >&2
	done
	cat "$T_TMP/iperf.json" >&2
	fail "iperf3 from $1 to $2 ${3:-} gave no rate"
}

# iperf_near WHAT GOT WANT: GOT is within 20% of WANT (bits per second).
iperf_near() {
	awk -v g="$2" -v w="$3" 'BEGIN { exit !(g >= w * 0.8 && g <= w * 1.2) }' ||
		fail "$1: measured $2 bit/s, expected $3 bit/s within 20%"
	echo "ok: $1: $2 bit/s (limit $3)"
}

# --- The outside world --------------------------------------------------------------------------

# make_wan: namespace "wan" is the internet. Host uplink 192.0.2.1/24 <-> wan eth0 192.0.2.2/24,
# the "internet server" 198.51.100.1 on wan's lo, the host's default route via wan. Wan knows
# only its connected 192.0.2.0/24: it can answer the host's uplink address and nothing behind it,
# so a namespace reaches the server only through NAT.
make_wan() {
	ip netns add wan
	ip link add uplink type veth peer name eth0 netns wan
	ip addr add 192.0.2.1/24 dev uplink
	ip link set uplink up
	ip -n wan link set lo up
	ip -n wan addr add 192.0.2.2/24 dev eth0
	ip -n wan addr add 198.51.100.1/32 dev lo
	ip -n wan link set eth0 up
	ip route add default via 192.0.2.2
	ping_ok host 198.51.100.1
}

# --- JSON -------------------------------------------------------------------------------------

# json CMD [ARG]...: run an nsnet command that prints JSON (run_ok), check that it parses and
# print it compactly.
json() {
	run_ok "$@" >"$T_TMP/json.out"
	jq -c . "$T_TMP/json.out" 2>"$T_TMP/json.err" ||
		fail "output of '$*' is not JSON: $(cat "$T_TMP/json.out") ($(cat "$T_TMP/json.err"))"
}

# ns_json NAME: the object for namespace NAME from `nsnet ns ls --json` (empty when absent).
ns_json() {
	json "$NSNET" ns ls --json >"$T_TMP/ns.json"
	jq -c --arg n "$1" '.[] | select(.name == $n)' "$T_TMP/ns.json"
}
# net_json NAME: the object for network NAME from `nsnet network ls --json` (empty when absent).
net_json() {
	json "$NSNET" network ls --json >"$T_TMP/net.json"
	jq -c --arg n "$1" '.[] | select(.name == $n)' "$T_TMP/net.json"
}
# ns_addrs NS [NET]: the addresses nsnet reports for NS (on NET), one a line, in its order.
ns_addrs() {
	json "$NSNET" ns ls --json >"$T_TMP/ns.json"
	jq -r --arg n "$1" --arg net "${2:-}" \
		'.[] | select(.name == $n) | .attachments[] | select($net == "" or .network == $net) | .addresses[]' \
		"$T_TMP/ns.json"
}
# ns_host_ifname NS NET: the host side of NS's veth on NET.
ns_host_ifname() {
	json "$NSNET" ns ls --json >"$T_TMP/ns.json"
	jq -r --arg n "$1" --arg net "$2" \
		'.[] | select(.name == $n) | .attachments[] | select(.network == $net) | .host_ifname' \
		"$T_TMP/ns.json"
}
# ns_names: the namespaces nsnet lists, one a line.
ns_names() {
	json "$NSNET" ns ls --json >"$T_TMP/ns.json"
	jq -r '.[].name' "$T_TMP/ns.json"
}

# --- State of the world, for "nothing changed" and "nothing left" ------------------------------

# fw_dump: both firewall backends' rulesets, without counters and timers (they move with traffic).
# iptables-nft's own tables are left to iptables-save (nft lists chains in creation order).
fw_dump() {
	echo "== nft"
	nft list tables 2>/dev/null | grep -Ev '^table ip6? (filter|nat|raw|mangle|security)$' | while read -r _ f t; do
		nft list table "$f" "$t" 2>&1
	done | sed -e 's/counter packets [0-9]* bytes [0-9]*/counter/' -e 's/ expires [0-9a-z.]*//g'
	# Rules and chains by table; iptables-nft makes empty built-in tables appear as it is used,
	# which is no state of anyone's: built-in chains count only with another policy than ACCEPT.
	for c in iptables ip6tables; do
		echo "== $c"; $c-save 2>&1 | sed 's/ \[[0-9]*:[0-9]*\]$//' |
			awk '/^\*/ { t = $1; next } /^:[A-Z]+ ACCEPT$/ { next } /^-A|^:/ { print t, $0 }'
	done
}
# ipt_nsnet: nsnet's iptables chains and the rules jumping to them, both families (none: empty).
ipt_nsnet() {
	for c in iptables ip6tables; do $c-save 2>/dev/null | grep -E '^:NSNET-|-j NSNET-' | sed "s/^/$c /"; done
}
# fw_present: does nsnet have rules in the active backend (NSNET_BACKEND, default nft)?
fw_present() {
	if [ "${NSNET_BACKEND:-nft}" = iptables ]; then
		[ -n "$(ipt_nsnet)" ]
	else
		nft list table inet nsnet >/dev/null 2>&1
	fi
}

# snapshot: everything nsnet could have touched, in a comparable form.
snapshot() {
	echo "== links"; ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
	# IPv6 link-local addresses and their routes are the kernel's, made in the background after a
	# link comes up (seconds later on a slow run, e.g. under valgrind): not nsnet's state.
	echo "== addresses"; ip -o addr show | awk '{ print $2, $3, $4 }' | grep -v ' fe80::' | sort
	echo "== routes"; ip route show table all | grep -v 'fe80::' | sort
	echo "== netns"; ip netns list | sort
	fw_dump
	echo "== sysctl"; sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding 2>&1
	# Records and their contents (not directories or the lock file, which any command may make).
	echo "== records"
	for f in $(find "$STATE_DIR/networks" "$STATE_DIR/namespaces" "$STATE_DIR/leases" -type f 2>/dev/null | sort); do
		echo "-- $f"; cat "$f"; echo
	done
	echo "== /etc/netns"; find /etc/netns -mindepth 1 | sort
	echo "== nsnet ls"; "$NSNET" ls --json 2>&1
}

# assert_unchanged BEFORE: snapshot equals BEFORE (polled for up to 5 s, as the kernel deletes a
# namespace's veths asynchronously after the namespace goes).
same_snapshot() { [ "$(snapshot)" = "$1" ]; }
assert_unchanged() {
	wait_until 5 same_snapshot "$1" && return 0
	snapshot >"$T_TMP/snap.after"
	printf '%s\n' "$1" >"$T_TMP/snap.before"
	diff -u "$T_TMP/snap.before" "$T_TMP/snap.after" >&2 || true
	fail "${2:-state} changed"
}

# leaks: print what nsnet left behind (nothing when clean). The allowed survivors are the links
# that existed before the test, uplink, and the wan namespace.
leaks() {
	extra=$(host_links | while read -r l; do
		case " $T_BASE_LINKS uplink " in *" $l "*) ;; *) printf '%s ' "$l" ;; esac
	done)
	[ -z "$extra" ] || echo "links on the host: $extra"
	ns=$(ip netns list | awk '$1 != "wan" { printf "%s ", $1 }')
	[ -z "$ns" ] || echo "namespaces: $ns"
	if nft list table inet nsnet >/dev/null 2>&1; then echo "nft table inet nsnet exists"; fi
	# iptables-nft keeps its (then empty) built-in tables: iptables', not nsnet's.
	tables=$(nft list tables 2>/dev/null | grep -Ev '^table ip6? (filter|nat|raw|mangle|security)$' | tr '\n' ' ')
	[ -z "$tables" ] || echo "nft tables: $tables"
	chains=$(ipt_nsnet | tr '\n' ' ')
	[ -z "$chains" ] || echo "iptables: $chains"
	for d in networks namespaces leases vips ports pools journal; do
		files=$(find "$STATE_DIR/$d" -type f 2>/dev/null | tr '\n' ' ')
		[ -z "$files" ] || echo "state files: $files"
	done
	files=$(find "$STATE_DIR/dns" -mindepth 1 2>/dev/null | tr '\n' ' ')
	[ -z "$files" ] || echo "resolver files: $files"
	procs=$(dns_procs | tr '\n' ' ')
	[ -z "$procs" ] || echo "dnsmasq processes: $procs"
	netns_etc=$(find /etc/netns -mindepth 1 2>/dev/null | tr '\n' ' ')
	[ -z "$netns_etc" ] || echo "/etc/netns: $netns_etc"
}

no_leaks() { [ -z "$(leaks)" ]; }

# --- Resolvers: the dnsmasq per network (docs/dns.md) ---------------------------------------------

# dns_procs: PIDs of live dnsmasq processes in this sandbox's network namespace (other sandboxes
# run their own; a zombie, state Z, is a dead one that PID 1 has not reaped).
# One find picks the dnsmasq processes out of /proc: a readlink per process, a fork each, took
# 0.3 s a call with 150 processes on the machine, and every leak check makes such a call.
dns_procs() {
	self=$(readlink /proc/self/ns/net)
	for d in $(find /proc/[0-9]*/exe -maxdepth 0 -lname /usr/sbin/dnsmasq 2>/dev/null); do
		d=${d%/exe}
		[ "$(readlink "$d/ns/net" 2>/dev/null)" = "$self" ] || continue
		st=$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f1)
		case "$st" in Z|X|'') continue ;; esac
		echo "${d#/proc/}"
	done
}

# dns_pid NET: the PID nsnet recorded for network NET's resolver (empty if none).
dns_pid() { cut -d: -f1 "$STATE_DIR/dns/$1/pid" 2>/dev/null; }

# pid_stop_recorded FILE: kill the process whose "PID:START" nsnet recorded in FILE, if that PID
# still has that start time (so only the process nsnet started, never a reused PID).
pid_stop_recorded() {
	[ -f "$1" ] || return 0
	IFS=: read -r _rec_p _rec_start <"$1" || return 0
	_rec_now=$(sed 's/.*) //' "/proc/$_rec_p/stat" 2>/dev/null | cut -d' ' -f20)
	[ -n "$_rec_now" ] && [ "$_rec_now" = "$_rec_start" ] && kill -9 "$_rec_p" 2>/dev/null
	return 0
}

# dns_stop_recorded: stop the resolvers and the overlay agent whose PID (and start time) nsnet
# recorded in this state dir and in each of T_STATE_DIRS (state dirs of a test's own "hosts",
# as seen from the sandbox, e.g. /proc/PID/root/run/nsnet): processes this test started. Used
# at the end of a failed test.
dns_stop_recorded() {
	for _rec_dir in "$STATE_DIR" $T_STATE_DIRS; do
		for f in "$_rec_dir"/dns/*/pid "$_rec_dir"/overlay/agent.pid; do
			pid_stop_recorded "$f"
		done
	done
	return 0
}

# leak_check: fail when anything is left. Polls up to 5 s (host-side veths vanish a little after
# their namespace is deleted).
leak_check() {
	# Generous: the kernel frees a deleted namespace and its veths in a background worker, which
	# falls behind on a loaded 2-core machine (seen: >5 s under ASan with other suites running).
	wait_until 30 no_leaks && return 0
	leaks | sed 's/^/leak: /' >&2
	fail "leak check: nsnet left things behind"
}

# Kill whatever still runs in the namespaces this test made (all inside the sandbox), so no
# process outlives the test.
kill_strays() {
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			[ "$pid" = $$ ] || kill -9 "$pid" 2>/dev/null || true
		done
	done
}

t_on_exit() {
	status=$?
	set +e
	trap - EXIT
	# First, while the processes holding the hosts' mount namespaces (T_STATE_DIRS) still run.
	[ -z "$T_STATE_DIRS" ] || dns_stop_recorded
	stop_servers
	if [ "$status" = 0 ]; then
		# leak_check fails by exiting; run it in a subshell to keep control here.
		(leak_check) || status=1
	elif [ "$status" != 77 ]; then
		left=$(leaks)
		[ -z "$left" ] || printf '%s\n' "$left" | sed 's/^/# after the failure, left: /' >&2
	fi
	kill_strays
	dns_stop_recorded
	if [ "$status" = 0 ]; then echo "PASS: $T_NAME"; fi
	exit "$status"
}
trap t_on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# --- Services: VIPs and published ports ---------------------------------------------------------

# A server that answers each TCP connection (or UDP datagram) on port argv[1] of every address of
# both families with its name argv[2] and a newline. argv[3]: tcp (default) or udp.
NAME_SERVER_PY='
import socket, sys
port, name = int(sys.argv[1]), sys.argv[2]
udp = len(sys.argv) > 3 and sys.argv[3] == "udp"
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
msg = ("%s\n" % name).encode()
if udp:
    while True:
        _, a = s.recvfrom(2048)
        s.sendto(msg, a)
s.listen(128)
while True:
    c, _ = s.accept()
    c.sendall(msg)
    c.close()
'

# start_name_server NS PORT NAME [tcp|udp]: start NAME_SERVER_PY in NS (through `nsnet exec`,
# or `ip netns exec` for wan, or on the host), remember its PID and wait until it listens.
udp_bound() { in_ns "$1" ss -lunH "sport = :$2" | grep -q .; }
start_name_server() {
	case $1 in
	host) python3 -c "$NAME_SERVER_PY" "$2" "$3" "${4:-tcp}" >"$T_TMP/name.$1.$2.${4:-tcp}.log" 2>&1 </dev/null & ;;
	wan) ip netns exec wan python3 -c "$NAME_SERVER_PY" "$2" "$3" "${4:-tcp}" >"$T_TMP/name.$1.$2.${4:-tcp}.log" 2>&1 </dev/null & ;;
	*) "$NSNET" exec "$1" -- python3 -c "$NAME_SERVER_PY" "$2" "$3" "${4:-tcp}" >"$T_TMP/name.$1.$2.${4:-tcp}.log" 2>&1 </dev/null & ;;
	esac
	track_pid $!
	if [ "${4:-tcp}" = udp ]; then
		wait_until 20 udp_bound "$1" "$2" || fail "nothing is bound to UDP port $2 in $1 after 20 s"
	else
		wait_listen "$1" "$2"
	fi
}

# untrack_pid PID: forget a PID recorded with track_pid (after waiting for it).
untrack_pid() { T_PIDS=$(printf ' %s ' "$T_PIDS" | sed "s/ $1:[0-9]* / /"); }

# A TCP client: argv[3] connections to argv[1] port argv[2], each with 1 s timeouts; prints
# "NAME COUNT" for each answer (a server's name) sorted, failures as "ERR:ExceptionName COUNT".
COUNT_CLIENT_PY='
import socket, sys
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
counts = {}
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect((addr, port))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        r = data.decode().strip() or "ERR:empty"
    except Exception as e:
        r = "ERR:" + type(e).__name__
    finally:
        s.close()
    counts[r] = counts.get(r, 0) + 1
for k in sorted(counts):
    print(k, counts[k])
'

# tcp_counts NS ADDR PORT N: N connections from NS (or host) to ADDR:PORT; prints "NAME COUNT"
# lines (see COUNT_CLIENT_PY). tcp_name NS ADDR PORT: one connection, prints "NAME 1".
tcp_counts() { in_ns "$1" python3 -c "$COUNT_CLIENT_PY" "$2" "$3" "$4" </dev/null; }
tcp_name() { tcp_counts "$1" "$2" "$3" 1; }
# count_of COUNTS NAME: NAME's count in tcp_counts output (0 when absent).
count_of() { printf '%s\n' "$1" | awk -v n="$2" '$1 == n { c = $2 } END { print c + 0 }'; }
# tcp_answers NS ADDR PORT: one connection gets an answer from a server (not an error).
tcp_answers() { tcp_name "$@" | grep -qv '^ERR:'; }
# wait_answer NS ADDR PORT: poll (5 s) until a connection gets an answer (IPv6 neighbour discovery
# and duplicate address detection can delay the first one).
wait_answer() {
	wait_until 5 tcp_answers "$1" "$2" "$3" && return 0
	fail "no answer from $1 to $2 port $3 after 5 s: $(tcp_name "$1" "$2" "$3")"
}

# svc_leak_check: no VIP or published port is listed or recorded.
svc_leak_check() {
	assert_eq "$(json "$NSNET" vip ls --json)" "[]" "vip ls --json at the end"
	assert_eq "$(json "$NSNET" publish ls --json)" "[]" "publish ls --json at the end"
	left=$(find "$STATE_DIR/vips" "$STATE_DIR/ports" -type f 2>/dev/null | tr '\n' ' ')
	[ -z "$left" ] || fail "service records left: $left"
}

# last_pid: the PID start_name_server (or track_pid) recorded last. stop_pid PID: stop one of the
# recorded processes, wait for it and forget it.
last_pid() { _lp=${T_PIDS##* }; echo "${_lp%%:*}"; }
stop_pid() {
	# Recorded (track_pid in this shell): only while it is still that process. Not recorded (a
	# PID the test took from a subshell that tracked it there): the test's word for it.
	_sp=$(printf ' %s ' "$T_PIDS" | sed -n "s/.* $1:\([0-9]*\) .*/\1/p")
	if [ -z "$_sp" ] || pid_is "$1" "$_sp"; then kill "$1" 2>/dev/null || true; fi
	wait "$1" 2>/dev/null || true
	untrack_pid "$1"
}

# svc_snapshot: what a service command could change (nft ruleset without counters and timers,
# route_localnet settings, records, `nsnet ls --json`), without the links, addresses and routes
# of snapshot, whose IPv6 link-local entries keep appearing for a while after links come up.
svc_snapshot() {
	fw_dump
	echo "== route_localnet"; sysctl -a 2>/dev/null | grep '\.route_localnet ' | sort
	echo "== records"
	for f in $(find "$STATE_DIR/networks" "$STATE_DIR/namespaces" "$STATE_DIR/leases" "$STATE_DIR/vips" "$STATE_DIR/ports" -type f 2>/dev/null | sort); do
		echo "-- $f"; cat "$f"; echo
	done
	echo "== nsnet ls"; "$NSNET" ls --json 2>&1
}
# assert_svc_unchanged BEFORE [WHAT]: svc_snapshot equals BEFORE.
assert_svc_unchanged() {
	[ "$(svc_snapshot)" = "$1" ] && return 0
	svc_snapshot >"$T_TMP/svc.after"
	printf '%s\n' "$1" >"$T_TMP/svc.before"
	diff -u "$T_TMP/svc.before" "$T_TMP/svc.after" >&2 || true
	fail "${2:-state} changed"
}

# require_fault_injection: skip unless this build kills an operation at step N of NSNET_FAULT=N
# (make FAULT=1); leaves no state behind either way.
# require_fault_injection_soft: true when the binary kills itself at NSNET_FAULT (a FAULT=1 build).
require_fault_injection_soft() {
	probe=0
	NSNET_FAULT=1 "$NSNET" network create probe --subnet 10.99.0.0/24 >/dev/null 2>&1 || probe=$?
	if [ "$probe" = 0 ]; then
		"$NSNET" network rm probe >/dev/null
		return 1
	fi
	"$NSNET" gc >/dev/null 2>&1
}
require_fault_injection() {
	probe=0
	NSNET_FAULT=1 "$NSNET" network create probe --subnet 10.99.0.0/24 >/dev/null 2>&1 || probe=$?
	if [ "$probe" = 0 ]; then
		"$NSNET" network rm probe >/dev/null
		skip "this build has no fault injection (make FAULT=1)"
	fi
	"$NSNET" gc >/dev/null 2>&1
}

# lease_addrs NET: the addresses leased on network NET, as their records say (one file per
# address under leases/NET/, core/leases.c), space-separated in ls order; "" when none.
lease_addrs() {
	ls "$STATE_DIR/leases/$1" 2>/dev/null | sed -n 's/\.json$//p' | grep -vx next | tr '\n' ' ' | sed 's/ $//'
}
