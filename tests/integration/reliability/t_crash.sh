#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash consistency: every mutating operation is killed (SIGKILL) at each of its steps in turn
# (NSNET_FAULT=N, test builds only); after `nsnet gc` the host must be exactly as before the
# operation, `nsnet check` must find records and kernel in agreement, and the operation must
# then succeed when run again. CI samples the steps (NSNET_CRASH_STRIDE, default 6); `make stress`
# kills at every one.
# timeout: 1800
. "$(dirname "$0")/../lib/lib.sh"

require_fault_injection

# What must be identical before an operation and after its interrupted run plus gc.
world() {
	echo "== links"; ip -br link | awk '{print $1}' | sed 's/@.*//' | sort
	echo "== addrs"; ip -br addr | sed 's/ fe80::[^ ]*//g' | sort
	echo "== netns"; ip netns list | awk '{print $1}' | sort
	echo "== etc"; find /etc/netns | sort
	# The ruleset as a set of objects: gc rebuilds the table, which may list chains in another order.
	echo "== nft"; nft -j list ruleset | python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
def iptables_nft(o):  # iptables-nft keeps its built-in tables once used; not nsnet tables
    v = next(iter(o.values()))
    return v.get("family") in ("ip", "ip6") and v.get("table", v.get("name")) in ("filter", "nat", "raw", "mangle", "security")
objs = [json.dumps(strip(o), sort_keys=True) for o in json.load(sys.stdin)["nftables"]
        if "metainfo" not in o and not iptables_nft(o)]
print("\n".join(sorted(objs)))'
	# nsnet's iptables chains and rules, as a set (gc may rebuild them in another order).
	echo "== iptables"; ipt_nsnet | sort
	svc_snapshot | sed -n '/^== route_localnet/,$p'
	# The resolvers running (by command line: a restarted one has another PID).
	echo "== procs"; for p in $(dns_procs); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | sort
}

# same_as_before WHAT: the world equals $before (the kernel frees a deleted namespace's links in
# the background: allow it a moment, polling).
same_as_before() {
	tries=0
	while [ "$(world)" != "$before" ] && [ $tries -lt 50 ]; do
		tries=$((tries + 1)); sleep 0.1
	done
	if [ "$(world)" != "$before" ]; then
		echo "$before" >"$T_TMP/crash.before"; world >"$T_TMP/crash.after"
		diff "$T_TMP/crash.before" "$T_TMP/crash.after" | head -30 >&2
		fail "$1: not the state before"
	fi
}

# crash_one NAME STEP CMD...: kill CMD at STEP; returns 0 when CMD completed instead (STEP was past
# its last step), 1 after checking that the killed run was rolled back.
crash_one() {
	what=$1; n=$2; shift 2
	rc=0
	NSNET_FAULT=$n "$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] && return 0
	[ "$rc" = 137 ] || fail "$what: step $n: exit status $rc, expected 137 (killed) or 0"
	# First the journal alone: any mutating command replays it before its own work (this
	# one then fails: no such VIP). Then gc, which also rebuilds the rules from the records.
	"$NSNET" vip rm 192.0.2.250:1/udp >/dev/null 2>&1 || true
	same_as_before "$what: killed at step $n, rolled back by the next command"
	run_ok "$NSNET" gc >/dev/null
	run_ok "$NSNET" check >/dev/null
	same_as_before "$what: killed at step $n, then gc"
	return 1
}

# crash_each NAME CMD...: kill CMD at step 1, then every S-th step after it until CMD completes,
# checking each time. S is NSNET_CRASH_STRIDE: 1 (every step) in `make stress`; CI samples every
# 6th step (each kill is followed by a check, a gc and a second check, and every network here
# starts a resolver: at stride 3 this test alone took 10 min of CI), the start shifted per
# operation so that together the 16 operations hit every residue.
CRASH_OP=0
crash_each() {
	what=$1; shift
	before=$(world)
	stride=${NSNET_CRASH_STRIDE:-6}
	CRASH_OP=$((CRASH_OP + 1))
	n=1; killed=0
	while [ "$n" -le 600 ]; do
		crash_one "$what" "$n" "$@" && break
		killed=$((killed + 1))
		if [ "$n" = 1 ] && [ "$stride" -gt 1 ]; then
			n=$((2 + CRASH_OP % stride))
		else
			n=$((n + stride))
		fi
	done
	[ "$n" -le 600 ] || fail "$what: still killed after 600 steps"
	[ "$killed" -gt 0 ] || fail "$what: was never killed: fault injection did not trigger"
	echo "ok: $what: killed at $killed steps of 1..$((n - 1)) (stride $stride), each rolled back; then completed"
}

make_wan
crash_each "network create" "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64
crash_each "ns add" "$NSNET" ns add a --net lan --dns 192.0.2.53
run_ok "$NSNET" network create l2 --subnet 10.1.0.0/24 >/dev/null
crash_each "attach" "$NSNET" attach a l2
crash_each "vip add" "$NSNET" vip add 10.100.0.1:80 a:8080 --affinity 30
crash_each "vip set" "$NSNET" vip set 10.100.0.1:80 a:8081
# 64 backends with affinity replaced by 64 others: the undo of that vip set (delete the new,
# re-add the old) is one journal line of over 30 KiB of nft text.
many=$(i=1; while [ $i -le 64 ]; do printf ' 10.9.0.%d:80' "$i"; i=$((i + 1)); done)
others=$(i=1; while [ $i -le 64 ]; do printf ' 10.9.1.%d:80' "$i"; i=$((i + 1)); done)
crash_each "vip add, 64 backends" "$NSNET" vip add 10.100.0.2:80 $many --affinity 30
crash_each "vip set, 64 backends" "$NSNET" vip set 10.100.0.2:80 $others
crash_each "publish" "$NSNET" publish a 8080:80
crash_each "publish 127.0.0.1" "$NSNET" publish a 127.0.0.1:8081:80
ping_ok a 10.0.0.1
# The routed driver (issue 14): its network, a namespace on it, a second routed attachment.
crash_each "network create --driver routed" "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64
crash_each "ns add (routed)" "$NSNET" ns add r --net rt
run_ok "$NSNET" network create rt2 --driver routed --subnet 10.8.0.0/24 >/dev/null
crash_each "attach (routed)" "$NSNET" attach r rt2
# Through the namespace's permanent entry for 169.254.1.1 to the gateway links' addresses.
ping_ok r 10.7.0.1
ping_ok r 10.8.0.1
run_ok "$NSNET" check >/dev/null

run_ok "$NSNET" ns rm r >/dev/null
run_ok "$NSNET" network rm rt2 >/dev/null
run_ok "$NSNET" network rm rt >/dev/null
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.2:80 >/dev/null
run_ok "$NSNET" network rm l2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
