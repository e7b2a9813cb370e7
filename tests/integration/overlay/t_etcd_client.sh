#!/bin/sh
# SPDX-License-Identifier: MIT
# The etcd client overlay networks are built on (src/store/, through etcd_prog), against a real
# etcd (Debian's etcd-server) that the test starts on the sandbox's loopback and stops by PID:
# keys written by it read back by etcdctl and the other way round, create-if-absent, delete-if-
# value, prefix listing with its revision, leases (grant, keepalive, revoke takes the key with
# it), a watch that sees puts and deletes in order (also replayed from a past revision), a watch
# from a compacted revision (ERANGE); an overlay network's keys (the definition compared field by
# field, blocks claimed and released, live hosts listed, invalid entries skipped); fail-over to
# the second endpoint, clear errors. No firewall is involved: it runs on one backend.
# backends: nft
# timeout: 120
. "$(dirname "$0")/../lib/lib.sh"

PROG=$(dirname "$NSNET")/tests/etcd_prog
[ -x "$PROG" ] || skip "$PROG is not built (make unit-bins builds it)"
command -v etcd >/dev/null 2>&1 || skip "etcd is not installed (tests/deps.sh installs etcd-server)"
command -v etcdctl >/dev/null 2>&1 || skip "etcdctl is not installed (tests/deps.sh installs etcd-client)"

E=http://127.0.0.1:2379
etcd --data-dir "$T_TMP/etcd" --name t1 --listen-client-urls $E --advertise-client-urls $E \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster t1=http://127.0.0.1:2380 >"$T_TMP/etcd.log" 2>&1 </dev/null &
track_pid $!
ctl() { etcdctl --endpoints $E "$@"; }
wait_until 30 ctl endpoint health || { tail -5 "$T_TMP/etcd.log" >&2; fail "etcd did not become healthy"; }
P() { "$PROG" "$E" "$@"; }

# put/get, both ways with etcdctl (the client's base64 is the gateway's).
P put /t/a "one two" || fail "put"
assert_eq "$(ctl get /t/a --print-value-only)" "one two" "etcdctl reads what the client wrote"
ctl put /t/b "from etcdctl" >/dev/null
assert_eq "$(P get /t/b)" "/t/b=from etcdctl" "the client reads what etcdctl wrote"
assert_eq "$(P get /t/none)" "" "a missing key reads as nothing"

# create-if-absent: once only; the existing value is untouched.
P create /t/c first || fail "create of a new key"
out=$(P create /t/c second 2>&1) && fail "a second create succeeded"
assert_match "$out" "^error EEXIST: .*key /t/c exists already" "second create"
assert_eq "$(ctl get /t/c --print-value-only)" "first" "value after the refused create"

# prefix listing: sorted, only the prefix, with the store's revision.
ctl put /u/x other >/dev/null
out=$(P prefix /t/)
assert_eq "$(printf '%s\n' "$out" | grep -v '^revision')" "$(printf '/t/a=one two\n/t/b=from etcdctl\n/t/c=first')" "prefix /t/"
rev=$(printf '%s\n' "$out" | sed -n 's/^revision //p')
assert_eq "$rev" "$(ctl get /u/x -w json | jq -r .header.revision)" "the listing's revision"

# delete-if-value: refused while someone else's value is there, done when it is ours, fine when gone.
out=$(P delete-if /t/c notmine 2>&1) && fail "delete-if with another value succeeded"
assert_match "$out" "^error ESTALE: " "delete-if with another value"
P delete-if /t/c first || fail "delete-if with our value"
assert_eq "$(ctl get /t/c)" "" "/t/c after delete-if"
P delete-if /t/c first || fail "delete-if of a key already gone"

# leases: a key under a lease goes when the lease is revoked; keepalive of a dead lease is ENOENT.
id=$(P lease 30) || fail "lease grant"
P put /t/leased yes "$id" || fail "put with a lease"
assert_match "$(P keepalive "$id")" "^ttl [0-9]+" "keepalive of a live lease"
assert_eq "$(ctl get /t/leased -w json | grep -o '"lease":[0-9]*' | cut -d: -f2)" "$id" "etcd holds the key under the lease"
P revoke "$id" || fail "revoke"
assert_eq "$(ctl get /t/leased)" "" "the leased key after revoke"
out=$(P keepalive "$id" 2>&1) && fail "keepalive of a revoked lease succeeded"
assert_match "$out" "^error ENOENT: .*has expired" "keepalive of a revoked lease"

# watch: a watcher started first sees the put then the delete, in order, with their revisions.
"$PROG" $E watch /w/ 0 20000 2 >"$T_TMP/watch.out" 2>&1 &
wpid=$!
track_pid $wpid
# The watch exists once etcd counts it (no sleep: poll the server's own metric).
wait_until 20 sh -c "curl -s $E/metrics | grep -q '^etcd_debugging_mvcc_watcher_total 1'" || fail "the watch never started"
r1=$(ctl put /w/k v1 -w json | jq -r .header.revision)
r2=$(ctl del /w/k -w json | jq -r .header.revision)
wait "$wpid" || fail "watch exited with an error: $(cat "$T_TMP/watch.out")"
untrack_pid "$wpid"
assert_eq "$(cat "$T_TMP/watch.out")" "$(printf 'put /w/k=v1 @%s\ndelete /w/k @%s\nnext %s' "$r1" "$r2" $((r2 + 1)))" "watch events"
# Replayed from a past revision: the same two events, at once.
assert_eq "$(P watch /w/ "$r1" 20000 2)" "$(printf 'put /w/k=v1 @%s\ndelete /w/k @%s\nnext %s' "$r1" "$r2" $((r2 + 1)))" "watch from revision $r1"
# Nothing happens: the watch ends at its deadline, next unchanged.
assert_eq "$(P watch /w/ $((r2 + 1)) 300 1)" "next $((r2 + 1))" "watch with no events"
# After a compaction the old revision is gone: ERANGE, to re-list.
ctl compact "$r2" >/dev/null
out=$(P watch /w/ "$r1" 5000 1 2>&1) && fail "watch from a compacted revision succeeded"
assert_match "$out" "^error ERANGE: .*compacted" "watch from a compacted revision"

# An overlay network's keys (src/store/overlay.c). The definition: written once, compared after.
N="lan 10.244.0.0/22 24 42"
P ov-def $N || fail "first definition"
P ov-def $N || fail "the same definition again"
out=$(P ov-def lan 10.244.0.0/22 24 43 2>&1) && fail "a different VNI was accepted"
assert_match "$out" "^error EINVAL: overlay lan: --vni 43, but the network in the store has 42" "VNI mismatch"
out=$(P ov-def lan 10.245.0.0/22 24 42 2>&1) && fail "a different subnet was accepted"
assert_match "$out" "^error EINVAL: overlay lan: --subnet 10.245.0.0/22, but the network in the store has 10.244.0.0/22" "subnet mismatch"
# Blocks: one per host, first free first; a host that asks again keeps its own; four /24 in a /22.
lease=$(P lease 60)
assert_eq "$(P ov-claim $N h1 "$lease")" "10.244.0.0/24" "h1's block"
assert_eq "$(P ov-claim $N h2 "$lease")" "10.244.1.0/24" "h2's block"
assert_eq "$(P ov-claim $N h1 "$lease")" "10.244.0.0/24" "h1's block, asked again"
# A block taken behind our back (another host won the race) is skipped.
ctl put /nsnet/overlay/lan/blocks/10.244.2.0-24 h9 >/dev/null
assert_eq "$(P ov-claim $N h3 "$lease")" "10.244.3.0/24" "h3's block, past the one h9 took"
out=$(P ov-claim $N h4 "$lease" 2>&1) && fail "a fifth host got a block of a /22 in /24s"
assert_match "$out" "^error ENOSPC: overlay lan: every /24 block of 10.244.0.0/22 is taken \(4 hosts\)" "no block left"
# Release: only by its holder; then the next host gets it.
P ov-release $N h1 10.244.1.0/24 2>/dev/null && fail "h1 released h2's block"
P ov-release $N h2 10.244.1.0/24 || fail "h2 released its block"
assert_eq "$(P ov-claim $N h4 "$lease")" "10.244.1.0/24" "h4 gets the freed block"
# Live hosts: announced under a liveness lease, listed; invalid entries (a block outside the
# subnet, a bad MAC, not JSON) are skipped and counted, never listed.
live=$(P lease 30)
P ov-announce $N h1 172.31.0.1 10.244.0.0/24 "$live" || fail "announce h1"
P ov-announce $N h4 172.31.0.4 10.244.1.0/24 "$live" || fail "announce h4"
ctl put /nsnet/overlay/lan/hosts/evil '{"vtep":"172.31.0.9","mac":"02:00:00:00:00:09","block":"10.0.0.0/24"}' >/dev/null
ctl put /nsnet/overlay/lan/hosts/bad '{"vtep":"172.31.0.9","mac":"zz","block":"10.244.2.0/24"}' >/dev/null
ctl put /nsnet/overlay/lan/hosts/junk 'not json' >/dev/null
assert_eq "$(P ov-hosts $N)" "$(printf 'h1 172.31.0.1 10.244.0.0/24\nh4 172.31.0.4 10.244.1.0/24\nskipped 3')" "live hosts"
# The liveness lease gone (the host died): it is no longer listed; its block stays reserved.
P revoke "$live" || fail "revoke the liveness lease"
assert_eq "$(P ov-hosts $N)" "skipped 3" "live hosts after the lease went"
assert_eq "$(ctl get /nsnet/overlay/lan/blocks/10.244.0.0-24 --print-value-only)" "h1" "h1's block after its liveness lease went"

# Endpoints: the first one down, the second answers; all down is a clear error; bad ones refused.
assert_eq "$("$PROG" http://127.0.0.1:1,$E get /t/a)" "/t/a=one two" "fail-over to the second endpoint"
out=$("$PROG" http://127.0.0.1:1 get /t/a 2>&1) && fail "get with no etcd succeeded"
assert_match "$out" "^error EHOSTUNREACH: etcd http://127.0.0.1:1: " "no etcd"
out=$("$PROG" ftp://x get /t/a 2>&1) && fail "an ftp endpoint was accepted"
assert_match "$out" "^error EINVAL: store endpoint 'ftp://x': expected http" "bad endpoint"

stop_pid "$(last_pid)"
echo "ok: etcd client: keys, transactions, leases, watches, fail-over"
