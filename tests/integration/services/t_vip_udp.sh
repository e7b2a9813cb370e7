#!/bin/sh
# SPDX-License-Identifier: MIT
# A UDP VIP: a client that keeps sending from one socket (one source port, so one conntrack flow)
# sticks to one backend, and its replies come from the VIP's address and port. After `vip set`
# drops that backend, the flow moves to the remaining backend within 2 s: nsnet must delete the
# conntrack entries of removed UDP backends, or the flow stays pinned to the old one.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 5353 b1 udp
start_name_server b2 5353 b2 udp
run_ok "$NSNET" vip add 10.100.0.3:53/udp b1:5353 b2:5353 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, .port, .protocol, [.backends[].namespace]]]')" \
	'[["10.100.0.3",53,"udp",["b1","b2"]]]' "vip ls --json"

# Every 50 ms: send a datagram from the same socket, log "MS NAME SOURCE" for the reply (MS: the
# wall clock in ms, as now_ms) or "MS ERR:timeout". Stops when $T_TMP/udp.stop exists (or 20 s).
UDP_CLIENT_PY='
import os, socket, sys, time
addr, port, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
end = time.monotonic() + 20
while time.monotonic() < end and not os.path.exists(stop):
    t = time.monotonic()
    s.sendto(b"ping", (addr, port))
    try:
        data, src = s.recvfrom(2048)
        line = "%s %s:%d" % (data.decode().strip(), src[0], src[1])
    except socket.timeout:
        line = "ERR:timeout"
    print(int(time.time() * 1000), line, flush=True)
    time.sleep(max(0, 0.05 - (time.monotonic() - t)))
'
log=$T_TMP/udp.log
in_ns c python3 -c "$UDP_CLIENT_PY" 10.100.0.3 53 "$T_TMP/udp.stop" >"$log" 2>&1 </dev/null &
client=$!
track_pid "$client"

lines() { grep -c '' "$log" || true; }
have_lines() { [ "$(lines)" -ge "$1" ]; }
wait_until 5 have_lines 20 || fail "the UDP client logged $(lines) lines in 5 s: $(head -n 5 "$log")"
# One flow, one backend; replies carry the VIP as their source.
first=$(awk 'NR <= 20 { print $2, $3 }' "$log" | sort -u)
case $first in
"b1 10.100.0.3:53") other=b2 ;;
"b2 10.100.0.3:53") other=b1 ;;
*) fail "the first 20 replies did not all come from one backend through the VIP: $(echo $first)" ;;
esac

# Replace the backend list with the other backend only.
t_before=$(now_ms)
run_ok "$NSNET" vip set 10.100.0.3:53/udp "$other:5353" >/dev/null
t_set=$(now_ms)
# Replies before the change all came from the first backend.
before=$(awk -v t="$t_before" '$1 < t { print $2 }' "$log" | sort -u)
assert_eq "$before" "${first%% *}" "backends that answered before vip set"
# Collect until 3 s after the change; from 2 s after it, every reply must come from the other one.
late() { awk -v t=$((t_set + 3000)) '$1 >= t { f = 1 } END { exit !f }' "$log"; }
wait_until 6 late || fail "the UDP client logged nothing 3 s after vip set: $(tail -n 5 "$log")"
: >"$T_TMP/udp.stop"
wait "$client" || fail "the UDP client failed: $(tail -n 5 "$log")"
untrack_pid "$client"
after=$(awk -v t=$((t_set + 2000)) '$1 >= t { print $2, $3 }' "$log" | sort | uniq -c | awk '{ print $2, $3, $1 }')
n_after=$(awk -v t=$((t_set + 2000)) '$1 >= t' "$log" | grep -c '' || true)
[ "$n_after" -ge 10 ] || fail "only $n_after replies logged from 2 s after vip set"
assert_eq "$(printf '%s\n' "$after" | awk '{ print $1, $2 }')" "$other 10.100.0.3:53" \
	"replies from 2 s after 'vip set 10.100.0.3:53/udp $other:5353' (name source count: $(echo $after))"

run_ok "$NSNET" vip rm 10.100.0.3:53/udp >/dev/null
stop_servers
for ns in b1 b2 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
