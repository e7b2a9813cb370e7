#!/bin/sh
# SPDX-License-Identifier: MIT
# publish NS HOSTPORT:PORT/udp: datagrams to the host's port reach the namespace and its replies
# come back from the host's address and port; TCP on the same number is not forwarded; unpublish
# ends it.
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b1 --net lan >/dev/null
run_ok "$NSNET" ns add c --net lan >/dev/null
start_name_server b1 5353 b1 udp
start_name_server b1 5353 b1-tcp

run_ok "$NSNET" publish b1 53:5353/udp >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" \
	'[{"id":1,"namespace":"b1","network":"lan","host_ip":"","host_port":53,"port":5353,"protocol":"udp","target":"10.0.0.2"}]' \
	"publish ls --json"

# udp_ask NS: send one datagram from NS to 192.0.2.1:53, print "NAME SOURCE" of the reply (3 tries).
UDP_ASK_PY='
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(3):
    s.sendto(b"x", ("192.0.2.1", 53))
    try:
        data, src = s.recvfrom(100)
        print(data.decode().strip(), "%s:%d" % src)
        break
    except socket.timeout:
        pass
else:
    print("ERR:timeout")
'
udp_ask() { in_ns "$1" python3 -c "$UDP_ASK_PY" </dev/null; }
for from in wan host c; do
	assert_eq "$(udp_ask "$from")" "b1 192.0.2.1:53" "UDP reply to $from"
done
assert_match "$(tcp_name wan 192.0.2.1 53)" '^ERR:' "TCP to 192.0.2.1:53 (only UDP is published)"

run_ok "$NSNET" unpublish b1 53/udp >/dev/null
assert_eq "$(json "$NSNET" publish ls --json)" "[]" "publish ls --json after unpublish"
assert_eq "$(udp_ask wan)" "ERR:timeout" "UDP reply to wan after unpublish"

stop_servers
run_ok "$NSNET" ns rm b1 >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
