#!/bin/sh
# SPDX-License-Identifier: MIT
# A host port/protocol can be published once: again (same or another namespace, another target
# port, or on one address that "every address" already covers, 127.0.0.1 included, in either
# order) is refused with one line naming the port and the namespace holding it, and changes
# nothing. The same port with the other protocol is fine.
# timeout: 240
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
start_name_server b2 8080 b2
start_name_server b1 8080 b1-udp udp
start_name_server b2 9090 b2

run_ok "$NSNET" publish b1 8080:8080 >/dev/null
before=$(svc_snapshot)
run_fail "8080/tcp.*already published.*b1" "$NSNET" publish b1 8080:8080
run_fail "8080/tcp.*already published.*b1" "$NSNET" publish b1 8080:8080/tcp
run_fail "8080/tcp.*already published.*b1" "$NSNET" publish b2 8080:8080
run_fail "8080/tcp.*already published.*b1" "$NSNET" publish b2 8080:9090
assert_svc_unchanged "$before" "state after publishing 8080/tcp again"
assert_eq "$(tcp_name wan 192.0.2.1 8080)" "b1 1" "192.0.2.1:8080 from wan"

# Every address includes 127.0.0.1 (as Docker's and Podman's 0.0.0.0 do).
run_fail "8080/tcp.*already published.*b1" "$NSNET" publish b2 127.0.0.1:8080:8080
assert_svc_unchanged "$before" "state after publishing 127.0.0.1:8080 over every address's 8080"
# Another protocol is another port.
run_ok "$NSNET" publish b1 8080:8080/udp >/dev/null
assert_eq "$(json "$NSNET" publish ls --json | jq -c '[.[] | [.namespace, .host_ip, .host_port, .protocol]] | sort')" \
	'[["b1","",8080,"tcp"],["b1","",8080,"udp"]]' "publish ls --json"
assert_eq "$(tcp_name wan 192.0.2.1 8080)" "b1 1" "192.0.2.1:8080/tcp from wan"
assert_eq "$(tcp_name host 127.0.0.1 8080)" "b1 1" "127.0.0.1:8080/tcp from the host"
reply=$(ip netns exec wan python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"x", ("192.0.2.1", 8080))
print(s.recvfrom(100)[0].decode().strip())
' 2>&1) || fail "no UDP answer from 192.0.2.1:8080 to wan: $reply"
assert_eq "$reply" "b1-udp" "192.0.2.1:8080/udp from wan"

# 192.0.2.1:8080 is one of the addresses 8080/tcp is published on already (by b1).
before=$(svc_snapshot)
run_fail "8080.*b1" "$NSNET" publish b2 192.0.2.1:8080:8080
assert_svc_unchanged "$before" "state after publishing 192.0.2.1:8080 over every address's 8080"
assert_eq "$(tcp_name wan 192.0.2.1 8080)" "b1 1" "192.0.2.1:8080/tcp from wan"

# The other order: a port published on one address first, then on every address.
run_ok "$NSNET" publish b2 192.0.2.1:9090:9090 >/dev/null
before=$(svc_snapshot)
run_fail "9090.*b2" "$NSNET" publish b1 9090:8080
assert_svc_unchanged "$before" "state after publishing 9090/tcp on every address over 192.0.2.1:9090"
assert_eq "$(tcp_name wan 192.0.2.1 9090)" "b2 1" "192.0.2.1:9090 from wan"
# And with 127.0.0.1 first.
run_ok "$NSNET" publish b2 127.0.0.1:9191:9090 >/dev/null
before=$(svc_snapshot)
run_fail "9191.*b2" "$NSNET" publish b1 9191:8080
assert_svc_unchanged "$before" "state after publishing 9191/tcp on every address over 127.0.0.1:9191"
assert_eq "$(tcp_name host 127.0.0.1 9191)" "b2 1" "127.0.0.1:9191 from the host"

run_ok "$NSNET" unpublish b1 8080 >/dev/null
run_ok "$NSNET" unpublish b1 8080/udp >/dev/null
run_ok "$NSNET" unpublish b2 127.0.0.1:9191 >/dev/null
run_ok "$NSNET" unpublish b2 192.0.2.1:9090 >/dev/null
stop_servers
for ns in b1 b2 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
