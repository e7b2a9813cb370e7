#!/bin/sh
# SPDX-License-Identifier: MIT
# Bandwidth limits: ns add / attach --rate-in/--rate-out shape real traffic (iperf3, 2 s, within
# 20% of the limit in both directions), `nsnet limit` changes and clears them, ls and check show
# them, bad values are refused (exit 2), and an interrupted `nsnet limit` is rolled back by gc.
# One backend: shaping is tc qdiscs, no firewall rule, so its subject does not depend on the
# backend (and a serial test's second run costs CI its whole time).
# backends: nft
# serial: measures shaped rates with iperf3; other tests running at once would skew them
. "$(dirname "$0")/../lib/lib.sh"

command -v iperf3 >/dev/null 2>&1 || skip "iperf3 is not installed (tests/deps.sh installs it)"

# qdisc NS|host IFNAME: the root qdisc as tc shows it, without its handle.
qdisc() { in_ns "$1" tc qdisc show dev "$2" root | sed 's/ [0-9a-f]*: / /'; }

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan --rate-in 8mbit --rate-out 8mbit >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
host_a=$(ns_host_ifname a lan)
assert_match "$(qdisc host "$host_a")" '^qdisc tbf .*rate 8Mbit burst 16Kb' "host end of a"
assert_match "$(qdisc a eth0)" '^qdisc tbf .*rate 8Mbit burst 16Kb' "eth0 in a"
assert_match "$(qdisc b eth0)" '^qdisc noqueue' "eth0 in b (no limit)"
assert_eq "$(ns_json a | jq -c '.attachments[0].limit')" \
	'{"rate_in":8000000,"burst_in":16384,"rate_out":8000000,"burst_out":16384}' "ls --json limit of a"
assert_eq "$(net_json lan | jq -c '[.attachments[] | .limit]')" \
	'[{"rate_in":8000000,"burst_in":16384,"rate_out":8000000,"burst_out":16384},null]' "network attachments' limits"
assert_match "$("$NSNET" ls)" 'a  eth0  10\.0\.0\.2  rate in 8mbit out 8mbit' "ls tree"
run_ok "$NSNET" check >/dev/null

iperf_server b 10.0.0.3
iperf_near "a -> b (out of a)" "$(iperf_rate a 10.0.0.3)" 8000000
iperf_near "b -> a (into a)" "$(iperf_rate a 10.0.0.3 -R)" 8000000

# Changed: each direction on its own, the other kept.
run_ok "$NSNET" limit a lan --rate-in 4mbit >/dev/null
assert_match "$(qdisc host "$host_a")" 'rate 4Mbit' "host end of a after limit --rate-in 4mbit"
assert_match "$(qdisc a eth0)" 'rate 8Mbit' "eth0 in a after limit --rate-in 4mbit"
iperf_near "b -> a (into a) after limit" "$(iperf_rate a 10.0.0.3 -R)" 4000000
run_ok "$NSNET" limit a lan --rate-out 2mbit --burst 32kb >/dev/null
assert_match "$(qdisc a eth0)" 'rate 2Mbit burst 32Kb' "eth0 in a after limit --rate-out 2mbit"
iperf_near "a -> b (out of a) after limit" "$(iperf_rate a 10.0.0.3)" 2000000
assert_eq "$(ns_json a | jq -c '.attachments[0].limit')" \
	'{"rate_in":4000000,"burst_in":16384,"rate_out":2000000,"burst_out":32768}' "ls --json limit after changes"

# check sees a qdisc removed behind nsnet's back; the same command puts it back.
in_ns a tc qdisc del dev eth0 root
rc=0; out=$("$NSNET" check) || rc=$?
assert_eq "$rc" 1 "exit status of check with a qdisc missing"
assert_match "$out" '^check: namespace a: eth0 has no tbf qdisc for its out limit of 2mbit$' "check with a qdisc missing"
run_ok "$NSNET" limit a lan --rate-out 2mbit >/dev/null
run_ok "$NSNET" check >/dev/null

# Dry run: the tc commands, nothing applied.
out=$("$NSNET" --dry-run limit a lan --rate-in 1mbit)
assert_eq "$out" "tc qdisc replace dev $host_a root tbf rate 1mbit burst 16kb limit 22634b" "dry run of limit"
assert_match "$(qdisc host "$host_a")" 'rate 4Mbit' "host end of a after the dry run"
out=$("$NSNET" --dry-run attach b lan2 --rate-out 3mbit 2>&1 || true)
assert_match "$out" 'network lan2 does not exist' "dry run of attach to a missing network"

# Killed at each step, then rolled back by gc: qdiscs and record as before.
require_fault_injection
world() { qdisc host "$host_a"; qdisc a eth0; cat "$STATE_DIR/namespaces/a.json"; }
before=$(world)
n=1
while [ $n -le 20 ]; do
	rc=0
	NSNET_FAULT=$n "$NSNET" limit a lan --clear --rate-out 1mbit >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] && break
	[ $rc = 137 ] || fail "limit killed at step $n: exit status $rc"
	run_ok "$NSNET" gc >/dev/null
	assert_eq "$(world)" "$before" "limit killed at step $n, then gc"
	n=$((n + 1))
done
[ $n -gt 2 ] || fail "limit was never killed"
assert_match "$(qdisc host "$host_a")" '^qdisc noqueue' "host end of a after --clear --rate-out 1mbit"
assert_match "$(qdisc a eth0)" 'rate 1Mbit' "eth0 in a after --clear --rate-out 1mbit"

# Cleared: no qdisc of nsnet's left, and traffic well above the old limits.
run_ok "$NSNET" limit a lan --clear >/dev/null
assert_match "$(qdisc host "$host_a")" '^qdisc noqueue' "host end of a after --clear"
assert_match "$(qdisc a eth0)" '^qdisc noqueue' "eth0 in a after --clear"
assert_eq "$(ns_json a | jq -c '.attachments[0].limit')" 'null' "ls --json limit after --clear"
got=$(iperf_rate a 10.0.0.3)
[ "$got" -gt 16000000 ] || fail "a -> b after --clear: $got bit/s, expected well above 8mbit"
run_ok "$NSNET" check >/dev/null

# attach with limits, into a namespace that has none yet.
run_ok "$NSNET" ns add c >/dev/null
run_ok "$NSNET" attach c lan --rate-in 2mbit >/dev/null
assert_match "$(qdisc host "$(ns_host_ifname c lan)")" 'rate 2Mbit' "host end of c after attach --rate-in"
assert_match "$(qdisc c eth0)" '^qdisc noqueue' "eth0 in c (no --rate-out)"

# Bad values: one line naming the value and the expected form, exit 2; nothing changed.
run_fail_status 2 "--rate-in 'fast': expected a rate" "$NSNET" limit a lan --rate-in fast
run_fail_status 2 "--rate-out '10': expected a rate from 1kbit" "$NSNET" limit a lan --rate-out 10
run_fail_status 2 "--rate-in '-5mbit'" "$NSNET" attach c lan --rate-in -5mbit
run_fail_status 2 "--rate-in '200gbit'" "$NSNET" ns add d --net lan --rate-in 200gbit
run_fail_status 2 "--burst '1': expected a size from 2kb" "$NSNET" limit a lan --burst 1
run_fail_status 2 "--burst 32kb: needs --rate-in or --rate-out" "$NSNET" ns add d --net lan --burst 32kb
run_fail_status 2 'needs a --net' "$NSNET" ns add d --rate-in 1mbit
run_fail_status 2 'nothing to change' "$NSNET" limit a lan
run_fail_status 1 'namespace a is not attached to network nosuch' "$NSNET" limit a nosuch --rate-in 1mbit
run_fail_status 1 'no rate on network lan' "$NSNET" limit a lan --burst 32kb
ip netns list | grep -q '^d' && fail "namespace d exists after refused ns add"

stop_servers
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" ns rm c >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
