#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet trace killed mid-probe (SIGKILL: no cleanup of its own runs) leaves no trace table in any
# namespace: the tables belong to its netlink sockets (NFT_TABLE_F_OWNER) and go with them.
# One backend: its subject (trace's own nft tables, whatever nsnet's backend) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null

trace_tables() { { nft list tables; ip netns exec a nft list tables; } | grep -c nsnet-trace; }
has_trace_tables() { [ "$(trace_tables)" -gt 0 ]; }
no_trace_tables() { [ "$(trace_tables)" = 0 ]; }

# 192.0.2.77 is on wan's link but nobody has it: the SYN waits for ARP, nothing answers for seconds.
"$NSNET" trace a 192.0.2.77:80 --timeout 60 >"$T_TMP/trace.out" 2>&1 </dev/null &
pid=$!
track_pid $pid
wait_until 20 has_trace_tables || fail "no trace table appeared while trace ran: $(cat "$T_TMP/trace.out")"
assert_eq "$(ip netns exec a nft list tables | grep -c 'inet nsnet-trace')" 1 "trace table in the source namespace"
kill -KILL $pid
wait $pid 2>/dev/null || true
wait_until 10 no_trace_tables || fail "trace tables left after trace was killed: $(nft list tables; ip netns exec a nft list tables)"

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
