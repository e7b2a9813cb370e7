#!/bin/sh
# SPDX-License-Identifier: MIT
# Containers whose namespace is a process's (/proc/PID/ns/net), as runtimes pass them: nsnet gc
# keeps a live one (its namespace is in no /run/netns), also when the path has stopped leading to
# a namespace that lives on elsewhere; DEL after the namespace is gone succeeds and releases the
# lease; a container that died without DEL is reported by nsnet check and cleaned by nsnet gc.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

conf=$(cni_conf 1.1.0 lan '"subnet":"10.88.0.0/24"')
start_ctr() { # start_ctr: a process in a new network namespace; prints its PID
	unshare --net sleep 600 </dev/null >/dev/null 2>&1 &
	pid=$!
	track_pid "$pid"
	wait_until 5 sh -c "[ \"\$(readlink /proc/$pid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]" ||
		fail "unshare did not start"
	echo "$pid"
}
p1=$(start_ctr); p2=$(start_ctr); p3=$(start_ctr)
for n in 1 2 3; do
	eval "pid=\$p$n"
	cni_ok ADD "$conf" CNI_CONTAINERID="ctr$n" CNI_NETNS="/proc/$pid/ns/net" >/dev/null
done
assert_eq "$(nsenter --net=/proc/$p1/ns/net ip -o -4 addr show eth0 | awk '{ print $4 }')" 10.88.0.2/24 "ctr1's address"
nsenter --net=/proc/$p1/ns/net ping -c1 -W1 10.88.0.3 >/dev/null || fail "ctr1 cannot reach ctr2"

# Live, though not in /run/netns: gc keeps them, check agrees.
assert_eq "$(run_ok "$NSNET" gc)" "gc: nothing to do" "gc with live containers"
run_ok "$NSNET" check >/dev/null
assert_eq "$(ls "$STATE_DIR/namespaces" | wc -l)" 3 "records after gc"

# ctr3's namespace outlives its process (a bind mount holds it): the path is dead, the namespace
# and its veth live on; gc must keep it.
: >"$T_TMP/keep"
mount --bind "/proc/$p3/ns/net" "$T_TMP/keep"
stop_pid "$p3"
assert_eq "$(run_ok "$NSNET" gc)" "gc: nothing to do" "gc with a namespace held elsewhere"
nsenter --net="$T_TMP/keep" ping -c1 -W1 10.88.0.1 >/dev/null || fail "ctr3 lost its network"
# Its DEL works with the path gone.
cni_ok DEL "$conf" CNI_CONTAINERID=ctr3 CNI_NETNS="/proc/$p3/ns/net" >/dev/null
umount "$T_TMP/keep"

# ctr2's process ends and its DEL comes later, with or without CNI_NETNS: both succeed.
stop_pid "$p2"
cni_ok DEL "$conf" CNI_CONTAINERID=ctr2 CNI_NETNS="/proc/$p2/ns/net" >/dev/null
cni_ok DEL "$conf" CNI_CONTAINERID=ctr2 >/dev/null
assert_eq "$(lease_addrs lan)" 10.88.0.2 "leases after the DELs of ctr2 and ctr3"

# ctr1 dies and no DEL comes: check reports it once its veth is gone, gc removes it.
stop_pid "$p1"
check_reports() { "$NSNET" check | grep -q 'CNI container ctr1 (eth0): its namespace .* is gone'; }
wait_until 10 check_reports || fail "check does not report the dead container: $("$NSNET" check)"
out=$(run_ok "$NSNET" gc)
assert_match "$out" 'gc: CNI container ctr1 \(eth0\): its namespace /proc/[0-9]+/ns/net is gone: removing its record' "gc output"
assert_match "$out" 'releasing lease 10.88.0.2 on lan' "gc output"
run_ok "$NSNET" check >/dev/null
# A DEL arriving after gc has nothing left to do and succeeds.
cni_ok DEL "$conf" CNI_CONTAINERID=ctr1 CNI_NETNS="/proc/$p1/ns/net" >/dev/null
cni_net_gone lan
