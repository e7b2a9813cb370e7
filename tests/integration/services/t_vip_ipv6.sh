#!/bin/sh
# SPDX-License-Identifier: MIT
# IPv6 VIPs: [fd00:100::1]:80 over two backends of a dual-stack network, reached from a namespace,
# from the host (IPv6 default route via wan) and from wan through the host; an IPv6 VIP with
# affinity sticks to one backend; one without backends refuses at once.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

make_wan
# IPv6 on the uplink too; the host's IPv6 default route via wan makes the VIP routable for
# locally generated connections (routing happens before output NAT).
ip addr add 2001:db8:2::1/64 dev uplink nodad
ip -n wan addr add 2001:db8:2::2/64 dev eth0 nodad
ip -6 route add default via 2001:db8:2::2
ip -n wan -6 route add fd00:100::/64 via 2001:db8:2::1

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
for ns in b1 b2 c; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
start_name_server b2 8080 b2
# The backends' IPv6 addresses answer (after duplicate address detection).
wait_answer c fd00:10::2 8080
wait_answer c fd00:10::3 8080

run_ok "$NSNET" vip add '[fd00:100::1]:80' b1:8080 b2:8080 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, .port, .protocol, [.backends[] | .namespace, .address, .port]]]')" \
	'[["fd00:100::1",80,"tcp",["b1","fd00:10::2",8080,"b2","fd00:10::3",8080]]]' "vip ls --json"
assert_match "$(run_ok "$NSNET" vip ls)" '\[fd00:100::1\]:80' "vip ls (text)"

for from in c host wan; do
	# The first connection may wait for neighbour discovery.
	wait_answer "$from" fd00:100::1 80
	counts=$(tcp_counts "$from" fd00:100::1 80 60)
	assert_eq "$(( $(count_of "$counts" b1) + $(count_of "$counts" b2) ))" 60 "connections from $from answered ($(echo $counts))"
	[ "$(count_of "$counts" b1)" -gt 5 ] && [ "$(count_of "$counts" b2)" -gt 5 ] ||
		fail "connections from $from not spread over both backends: $(echo $counts)"
done

run_ok "$NSNET" vip add '[fd00:100::2]:80/tcp' b1:8080 b2:8080 --affinity 60 >/dev/null
counts=$(tcp_counts c fd00:100::2 80 20)
[ "$(count_of "$counts" b1)" = 20 ] || [ "$(count_of "$counts" b2)" = 20 ] ||
	fail "20 connections from c to the IPv6 VIP with affinity did not all reach one backend: $(echo $counts)"

run_ok "$NSNET" vip add '[fd00:100::3]:80' >/dev/null
assert_eq "$(tcp_counts c fd00:100::3 80 3)" "ERR:ConnectionRefusedError 3" "connections from c to the IPv6 VIP without backends"

run_ok "$NSNET" vip rm '[fd00:100::1]:80' >/dev/null
run_ok "$NSNET" vip rm '[fd00:100::2]:80/tcp' >/dev/null
run_ok "$NSNET" vip rm '[fd00:100::3]:80' >/dev/null
assert_match "$(tcp_name c fd00:100::1 80)" '^ERR:' "connection from c after vip rm"
stop_servers
for ns in b1 b2 c; do run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
