#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet demo: two namespaces on one network, HTTP between them, NAT to an "outside world", teardown.
# Usage: sh demo/demo.sh path/to/nsnet
# Runs inside tests/sandbox.sh (its own network + mount namespace): the machine's network is never touched.
set -u

if [ -z "${NSNET_IN_SANDBOX:-}" ]; then
	[ $# -ge 1 ] || { echo "usage: $0 NSNET_BINARY" >&2; exit 2; }
	bin=$(readlink -f -- "$1") && [ -x "$bin" ] || { echo "demo: $1: no such executable (run 'make' first)" >&2; exit 2; }
	self=$(readlink -f -- "$0")
	top=$(dirname -- "$(dirname -- "$self")")
	shift
	NSNET_IN_SANDBOX=1 exec sh "$top/tests/sandbox.sh" sh "$self" "$bin" "$@"
fi

NSNET=$1
DEMO=/run/nsnet-demo          # /run is a private tmpfs inside the sandbox
mkdir -p "$DEMO"
HTTP_PID='' WAN_PID='' STEP=0

# --- helpers ---------------------------------------------------------------------------------------

# Stop a server we started, by PID. `nsnet exec` should exec the command; if it forks instead, stop its
# direct children (also ours) as well.
stop() {
	[ -n "$1" ] || return 0
	kill $(pgrep -P "$1" 2>/dev/null) "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() { stop "$HTTP_PID"; stop "$WAN_PID"; HTTP_PID='' WAN_PID=''; }
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "  -> FAIL: $*" >&2; exit 1; }
ok() { echo "  -> OK: $*"; }
step() { STEP=$((STEP + 1)); echo "== $STEP. $*"; }

# Print a command the way one would type it (single-quote what needs it).
show() {
	line='$'
	for a in "$@"; do
		case $a in
		"" | *[!A-Za-z0-9_./:=,@%+-]*) a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
		esac
		line="$line $a"
	done
	printf '%s\n' "$line"
}

# Run `nsnet ARGS`, show the command and its indented output; the status is nsnet's. No step may hang.
nsnet() {
	show nsnet "$@"
	timeout -k 5 60 "$NSNET" "$@" >"$DEMO/out" 2>&1
	rc=$?
	sed 's/^/    /' "$DEMO/out"
	[ $rc -eq 124 ] && echo "    (no answer after 60 s: stopped)"
	[ $rc -eq 0 ] || echo "    (exit status $rc)"
	return $rc
}

# Wait (bounded, ~10 s) until TCP port $2 listens in namespace $1; give up early if process $3 died.
wait_listen() {
	i=0
	while [ $i -lt 100 ]; do
		[ -n "$(ip netns exec "$1" ss -ltnH "sport = :$2" 2>/dev/null)" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

netns() { ip netns list | awk '{ print $1 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
addr_of() { ip -n "$1" -4 -o addr show dev "$2" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }'; }

# --- the outside world ------------------------------------------------------------------------------
# wan: 192.0.2.2 on a veth to the host's "uplink" (192.0.2.1), plus 198.51.100.1 standing for the internet
# and 192.0.2.53, the resolver the host's resolv.conf names.
# wan only knows 192.0.2.0/24, so a reply to 10.0.0.x can only reach back if nsnet NATs it.
world() {
	ip netns add wan &&
	ip link add uplink type veth peer name eth0 netns wan &&
	ip addr add 192.0.2.1/24 dev uplink && ip link set uplink up &&
	ip -n wan link set lo up && ip -n wan addr add 198.51.100.1/32 dev lo &&
	# The resolver address answers (nothing listens on port 53, so lookups fail at once instead of timing out).
	ip -n wan addr add 192.0.2.53/32 dev lo &&
	ip -n wan addr add 192.0.2.2/24 dev eth0 && ip -n wan link set eth0 up &&
	ip route add default via 192.0.2.2 &&
	# The host's resolver config: a loopback stub (must not be copied) and a real server.
	printf 'nameserver 127.0.0.53\nnameserver 192.0.2.53\n' >"$DEMO/resolv.conf" &&
	resolv_target && mount --bind "$DEMO/resolv.conf" /etc/resolv.conf
}
# A bind mount needs an existing target. /etc/resolv.conf may be a symlink into /run (systemd-resolved),
# dangling here because /run is the sandbox's empty tmpfs: create the file there, and only there.
resolv_target() {
	[ -L /etc/resolv.conf ] && [ ! -e /etc/resolv.conf ] || return 0
	t=$(readlink /etc/resolv.conf)
	case $t in /*) ;; *) t=/etc/$t ;; esac
	t=$(realpath -m -- "$t")
	case $t in /run/*) mkdir -p -- "$(dirname -- "$t")" && : >"$t" ;; *) return 1 ;; esac
}
echo "nsnet demo, in a sandbox (private network + mount namespace; this machine's network is not touched)"
world || fail "could not build the outside world with ip (see the error above)"
echo "world: uplink 192.0.2.1/24 <-> wan 192.0.2.2/24 (+198.51.100.1 \"internet\", 192.0.2.53); default route via wan;"
echo "       wan has no route to 10.0.0.0/24; host /etc/resolv.conf: nameserver 127.0.0.53, nameserver 192.0.2.53"

# --- the demo ---------------------------------------------------------------------------------------

step "Create network lan"
nsnet network create lan --subnet 10.0.0.0/24 || fail "network create failed"
gw=$(ip -4 -o addr show dev nsnet-lan 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
[ "$gw" = 10.0.0.1 ] || fail "expected bridge nsnet-lan with 10.0.0.1, found '${gw:-no such bridge/address}'"
ok "bridge nsnet-lan is up with gateway 10.0.0.1"

step "What 'ns add' would type by hand (explain applies nothing; it needs the network to exist)"
nsnet explain ns add http2 --net lan || fail "nsnet explain failed"
[ "$(netns)" = wan ] || fail "explain changed something: namespaces now: $(netns)"
ok "nothing applied (no namespace http2: ip netns list shows only wan)"

step "Add namespace http2 (address from IPAM)"
nsnet ns add http2 --net lan || fail "ns add http2 failed"
a=$(addr_of http2 eth0)
[ "$a" = 10.0.0.2 ] || fail "expected http2 eth0 = 10.0.0.2, found '${a:-nothing}'"
ok "http2 got $a"

step "Add namespace http3 with a fixed address and DNS server"
nsnet ns add http3 --net lan:10.0.0.13 --dns 192.0.2.53 || fail "ns add http3 failed"
a=$(addr_of http3 eth0)
[ "$a" = 10.0.0.13 ] || fail "expected http3 eth0 = 10.0.0.13, found '${a:-nothing}'"
ok "http3 got $a"

step "What exists now"
nsnet ls || fail "nsnet ls failed"
ok "listed"

step "Start a web server in http3 (background)"
echo "$(show nsnet exec http3 -- python3 -m http.server 8080 --bind 10.0.0.13) &"
"$NSNET" exec http3 -- python3 -m http.server 8080 --bind 10.0.0.13 >"$DEMO/http.log" 2>&1 &
HTTP_PID=$!
wait_listen http3 8080 "$HTTP_PID" || { sed 's/^/    /' "$DEMO/http.log"; fail "nothing listens on 10.0.0.13:8080 in http3"; }
ok "pid $HTTP_PID listens on 10.0.0.13:8080 inside http3"

step "http2 -> http3 over the bridge"
if command -v curl >/dev/null 2>&1; then
	nsnet exec http2 -- curl -sS -o /dev/null -w 'HTTP %{http_code}\n' --max-time 5 http://10.0.0.13:8080/
else
	nsnet exec http2 -- python3 -c 'import urllib.request as u; print("HTTP", u.urlopen("http://10.0.0.13:8080/", timeout=5).status)'
fi || fail "http2 could not fetch http://10.0.0.13:8080/"
grep -q 'HTTP 200' "$DEMO/out" || fail "expected HTTP 200"
ok "http2 fetched http://10.0.0.13:8080/ (status 200)"

step "http2 -> wan (198.51.100.1) through NAT"
# A tiny server in wan that answers each GET with the client address it sees.
ip netns exec wan python3 -c '
import http.server as h, socketserver as ss
class H(h.BaseHTTPRequestHandler):
    def do_GET(s):
        b = ("wan saw " + s.client_address[0] + "\n").encode()
        s.send_response(200); s.send_header("Content-Length", str(len(b))); s.end_headers(); s.wfile.write(b)
    def log_message(s, *a): pass
ss.TCPServer.allow_reuse_address = True
ss.TCPServer(("198.51.100.1", 80), H).serve_forever()' >"$DEMO/wan.log" 2>&1 &
WAN_PID=$!
wait_listen wan 80 "$WAN_PID" || { sed 's/^/    /' "$DEMO/wan.log"; fail "the wan server did not start"; }
if command -v curl >/dev/null 2>&1; then
	nsnet exec http2 -- curl -sS --max-time 5 http://198.51.100.1/
else
	nsnet exec http2 -- python3 -c 'import urllib.request as u; print(u.urlopen("http://198.51.100.1/", timeout=5).read().decode(), end="")'
fi || fail "http2 could not reach 198.51.100.1 (host ip_forward=$(cat /proc/sys/net/ipv4/ip_forward); nft tables: $(nft list tables 2>/dev/null | tr '\n' ' '))"
seen=$(sed -n 's/^wan saw //p' "$DEMO/out")
[ "$seen" = 192.0.2.1 ] || fail "wan saw '${seen:-nothing}', expected the host's uplink address 192.0.2.1"
ok "wan saw 192.0.2.1 (the host's uplink), not 10.0.0.2: masquerade works"

step "Names: each namespace has its own resolv.conf, and the network's resolver knows them"
nsnet exec http3 -- cat /etc/resolv.conf || fail "exec cat failed"
grep -q '^nameserver 192\.0\.2\.53' "$DEMO/out" || fail "http3 should use nameserver 192.0.2.53 (--dns)"
nsnet exec http2 -- cat /etc/resolv.conf || fail "exec cat failed"
grep -q '^nameserver 127\.' "$DEMO/out" && fail "http2 got the host's loopback nameserver, which is unreachable from a namespace"
grep -q '^nameserver 10\.0\.0\.1$' "$DEMO/out" || fail "http2 should use lan's resolver, 10.0.0.1"
grep -q '^search lan$' "$DEMO/out" || fail "http2 should search domain lan"
nsnet exec http2 -- getent hosts http3 || fail "http2 could not resolve http3"
grep -q '^10\.0\.0\.13 ' "$DEMO/out" || fail "http3 should resolve to 10.0.0.13"
# The resolver is a dnsmasq nsnet runs for lan on the host: other names go to the servers of the
# host's resolv.conf, which it, unlike a namespace, reaches (the loopback stub included).
show grep -E '^(server|resolv-file|no-resolv)' /run/nsnet/dns/lan/dnsmasq.conf
grep -E '^(server|resolv-file|no-resolv)' /run/nsnet/dns/lan/dnsmasq.conf | sed 's/^/    /'
ok "http3 uses --dns 192.0.2.53; http2 asks lan's resolver 10.0.0.1, which answers http3 = 10.0.0.13"

# fetch NS URL: print the HTTP status a GET gets from inside NS (to $DEMO/out via the caller).
fetch_status() {
	ip netns exec "$1" python3 -c 'import sys, urllib.request as u; print("HTTP", u.urlopen(sys.argv[1], timeout=5).status)' "$2"
}

step "A virtual IP in front of http3 (a Kubernetes Service, as kube-proxy would build it)"
nsnet vip add 10.100.100.100:80/tcp http3:8080 --name web || fail "vip add failed"
show nsnet exec http2 -- python3 -c "...urlopen('http://10.100.100.100/')..."
fetch_status http2 http://10.100.100.100/ >"$DEMO/out" 2>&1 || { sed 's/^/    /' "$DEMO/out"; fail "http2 could not fetch the VIP"; }
sed 's/^/    /' "$DEMO/out"
grep -q 'HTTP 200' "$DEMO/out" || fail "expected HTTP 200 through the VIP"
ok "http2 reached http3 through 10.100.100.100:80 (DNAT to 10.0.0.13:8080)"

step "Publish http3's port on the host (docker run -p 8080:8080), reached from wan"
nsnet publish http3 8080:8080 || fail "publish failed"
show ip netns exec wan python3 -c "...urlopen('http://192.0.2.1:8080/')..."
fetch_status wan http://192.0.2.1:8080/ >"$DEMO/out" 2>&1 || { sed 's/^/    /' "$DEMO/out"; fail "wan could not fetch the published port"; }
sed 's/^/    /' "$DEMO/out"
grep -q 'HTTP 200' "$DEMO/out" || fail "expected HTTP 200 from the published port"
ok "wan fetched http://192.0.2.1:8080/ (the host's address) and got http3's page"
nsnet ls || fail "ls failed"

step "Why does a path work, or not? nsnet trace sends one probe and shows every verdict on it"
nsnet network create db --subnet 10.1.0.0/24 --internal || fail "network create db failed"
nsnet ns add db1 --net db || fail "ns add db1 failed"
nsnet trace http2 10.100.100.100:80 || fail "the traced path http2 -> VIP web should connect"
grep -q '^result: connected$' "$DEMO/out" || fail "expected result: connected"
grep -q 'VIP web 10.100.100.100:80 -> 10.0.0.13:8080' "$DEMO/out" || fail "expected the VIP hop to name the backend"
nsnet trace http2 db1 && fail "the traced path http2 -> db1 should be blocked"
grep -q 'isolation between networks lan and db' "$DEMO/out" || fail "expected nsnet's isolation rule to be named"
ok "http2 -> VIP web: connected (DNAT to 10.0.0.13:8080); http2 -> db1: dropped by the isolation between lan and db"
nsnet ns rm db1 || fail "ns rm db1 failed"
nsnet network rm db || fail "network rm db failed"

step "Teardown (the two servers are stopped first, by PID)"
stop "$HTTP_PID"; stop "$WAN_PID"; HTTP_PID='' WAN_PID=''
nsnet vip rm 10.100.100.100:80/tcp || fail "vip rm failed"
nsnet ns rm http2 || fail "ns rm http2 failed"
nsnet ns rm http3 || fail "ns rm http3 failed (its published port goes with it)"
nsnet network rm lan || fail "network rm lan failed"
show ip -br link; ip -br link | sed 's/^/    /'
show ip netns list; ip netns list | sed 's/^/    /'
show nft list tables; nft list tables | sed 's/^/    /'
# A namespace's veth can outlive `ip netns del` by a moment (the kernel cleans up asynchronously): poll, bounded.
i=0
while [ $i -lt 50 ] && [ "$(ip -o link show | wc -l)" -gt 2 ]; do sleep 0.1; i=$((i + 1)); done
links=$(ip -o link show | awk -F': ' '{ sub("@.*", "", $2); print $2 }' | sort | tr '\n' ' ')
[ "$links" = "lo uplink " ] || fail "links left behind: $links"
[ "$(netns)" = wan ] || fail "namespaces left behind: $(netns)"
nft list tables 2>/dev/null | grep -q nsnet && fail "an nsnet nft table is left behind"
[ -z "$(ls -A /etc/netns)" ] || fail "left in /etc/netns: $(ls -A /etc/netns | tr '\n' ' ')"
ok "nothing left: links lo and uplink, namespace wan, no nsnet table, /etc/netns empty"
echo "demo finished: all $STEP steps passed"
