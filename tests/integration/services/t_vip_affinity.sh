#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add --affinity: every connection of a client goes to the same backend (while it keeps
# connecting within the timeout), also across gc; vip ls --json reports the affinity.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for ns in b1 b2 b3 c d; do run_ok "$NSNET" ns add "$ns" --net lan >/dev/null; done
start_name_server b1 8080 b1
start_name_server b2 8080 b2

run_ok "$NSNET" vip add 10.100.0.1:80/tcp b1:8080 b2:8080 --affinity 60 >/dev/null
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[] | [.address, .port, .protocol, .affinity, (.backends | length)]]')" \
	'[["10.100.0.1",80,"tcp",60,2]]' "vip ls --json"

counts=$(tcp_counts c 10.100.0.1 80 30)
b1=$(count_of "$counts" b1)
b2=$(count_of "$counts" b2)
[ "$b1" = 30 ] || [ "$b2" = 30 ] || fail "30 connections from c did not all reach one backend: $(echo $counts)"
first=b1; [ "$b2" = 30 ] && first=b2
# Still the same backend for a second round.
assert_eq "$(tcp_counts c 10.100.0.1 80 10)" "$first 10" "10 more connections from c"
# And after gc, whose rebuild of the rules keeps the clients each backend remembers: five rounds,
# so a gc that forgot them (each time a fresh pick of two) is caught with odds of 31 in 32.
for k in 1 2 3 4 5; do
	run_ok "$NSNET" gc >/dev/null
	assert_eq "$(tcp_counts c 10.100.0.1 80 2)" "$first 2" "connections from c after gc number $k"
done
# And when the backends change around it, c keeps its backend (found by address and port): one
# added, all reordered, another one's namespace removed. A change that forgot the clients would
# keep c's backend with odds of 1 in 3, 1 in 3 and 1 in 2.
start_name_server b3 8080 b3
run_ok "$NSNET" vip set 10.100.0.1:80/tcp b1:8080 b2:8080 b3:8080 >/dev/null
assert_eq "$(tcp_counts c 10.100.0.1 80 6)" "$first 6" "connections from c after a backend was added"
run_ok "$NSNET" vip set 10.100.0.1:80/tcp b3:8080 b2:8080 b1:8080 >/dev/null
assert_eq "$(tcp_counts c 10.100.0.1 80 6)" "$first 6" "connections from c after the backends were reordered"
other=b1; [ "$first" = b1 ] && other=b2
run_ok "$NSNET" ns rm "$other" --force >/dev/null	# --force: its server goes with it
assert_eq "$(tcp_counts c 10.100.0.1 80 6)" "$first 6" "connections from c after $other's namespace went"
# Another client also sticks to one backend (whichever it got).
counts=$(tcp_counts d 10.100.0.1 80 20)
case $counts in b[123]" 20") ;; *) fail "20 connections from d did not all reach one backend: $(echo $counts)" ;; esac

run_ok "$NSNET" vip rm 10.100.0.1:80/tcp >/dev/null
stop_servers
for ns in b1 b2 b3 c d; do [ -e "/run/netns/$ns" ] && run_ok "$NSNET" ns rm "$ns" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
svc_leak_check
leak_check
