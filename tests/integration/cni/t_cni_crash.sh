#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash consistency of CNI: an ADD (creating its network, publishing a port) killed at each of its
# steps in turn (NSNET_FAULT=N, test builds only) is rolled back by the next nsnet command and by
# gc, so the host and the container's namespace are exactly as before, and then succeeds; a DEL
# killed at any step completes when the runtime runs it again. CI kills the ADD at every 2nd step
# (NSNET_CRASH_STRIDE), the odd ones in the first round and the even ones in the second; `make
# stress` at every step in both.
# timeout: 600
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

require_fault_injection

cni_crash_setup

conf=$(cni_conf 1.1.0 lan '"subnet":"10.88.0.0/24","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80}]}')
for round in "network created by the ADD" "network there already"; do
	# The second round's network is made by hand, so it stays when its last container goes.
	[ "$round" = "network created by the ADD" ] || run_ok "$NSNET" network create lan --subnet 10.88.0.0/24 >/dev/null
	before=$(world)
	stride=${NSNET_CRASH_STRIDE:-2}
	n=1
	while [ "$n" -le 60 ]; do
		rc=0
		NSNET_FAULT=$n plugin ADD "$conf" || rc=$?
		[ "$rc" = 0 ] && break
		[ "$rc" = 137 ] || fail "ADD ($round): step $n: exit status $rc, expected 137 (killed) or 0"
		"$NSNET" vip rm 192.0.2.250:1/udp >/dev/null 2>&1 || true	# any mutating command replays the journal
		same_as_before "ADD ($round) killed at step $n, rolled back by the next command"
		run_ok "$NSNET" gc >/dev/null
		wait_until 5 "$NSNET" check || fail "check after ADD killed at step $n: $("$NSNET" check)"
		same_as_before "ADD ($round) killed at step $n, then gc"
		if [ "$n" = 1 ] && [ "$stride" -gt 1 ] && [ "$round" = "network there already" ]; then
			n=2
		else
			n=$((n + stride))
		fi
	done
	[ "$n" -gt 2 ] || fail "ADD ($round): was never killed: fault injection did not trigger"
	echo "ok: ADD ($round): killed at steps 1..$((n - 1)) (every ${stride}), each rolled back; then completed"
	ping_ok ctr 10.88.0.1
	# DEL killed at each step, then run again by the "runtime": it completes. The reference is
	# the world after a DEL that was not interrupted (in the first round the network the ADD made
	# goes with it; the network made by hand stays).
	plugin DEL "$conf" || fail "DEL failed"
	wait_until 5 "$NSNET" check || fail "check after DEL: $("$NSNET" check)"
	run_ok "$NSNET" gc >/dev/null	# purges the port's stale anti-spoofing elements, as below
	wait_until 5 sh -c '! ip -br link | grep -q "^nv"' || fail "the veth of the DEL is still there"
	before=$(world)
	plugin ADD "$conf" || fail "ADD after DEL failed"
	n=1
	while [ "$n" -le 60 ]; do
		rc=0
		NSNET_FAULT=$n plugin DEL "$conf" || rc=$?
		[ "$rc" = 0 ] && break
		[ "$rc" = 137 ] || fail "DEL: step $n: exit status $rc"
		plugin DEL "$conf" || fail "DEL again after DEL killed at step $n failed"
		"$NSNET" gc >/dev/null	# a veth whose deletion the killed DEL had left to its child
		same_as_before "DEL killed at step $n, then DEL again"
		wait_until 5 "$NSNET" check || fail "check after DEL killed at step $n: $("$NSNET" check)"
		plugin ADD "$conf" || fail "ADD after DEL killed at step $n failed"
		n=$((n + 1))
	done
	plugin DEL "$conf" || fail "last DEL failed"
	run_ok "$NSNET" gc >/dev/null
	wait_until 5 sh -c '! ip -br link | grep -q "^nv"' || fail "the veth of the last DEL is still there"
	if [ "$round" = "network created by the ADD" ]; then
		ip link show dev nsnet-lan >/dev/null 2>&1 && fail "the network the ADD made is still there after its last DEL"
	fi
done
ip netns del ctr
run_ok "$NSNET" network rm lan >/dev/null
