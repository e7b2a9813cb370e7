#!/bin/sh
# SPDX-License-Identifier: MIT
# 50 concurrent `ns add` on one network all succeed with 50 distinct addresses (the lowest 50),
# each answering the host; 50 concurrent `ns rm` then leave nothing.
. "$(dirname "$0")/../lib/lib.sh"

N=50
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null

pids=
i=1
while [ $i -le $N ]; do
	"$NSNET" ns add "p$i" --net lan >"$T_TMP/add.$i" 2>&1 </dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
failed=
i=1
for pid in $pids; do
	wait "$pid" || failed="$failed p$i"
	i=$((i + 1))
done
if [ -n "$failed" ]; then
	for n in $failed; do sed "s/^/$n: /" "$T_TMP/add.${n#p}" >&2; done
	fail "ns add failed for:$failed"
fi

json "$NSNET" ns ls --json >"$T_TMP/ns.json"
assert_eq "$(jq '[.[] | select(.name | test("^p[0-9]+$"))] | length' "$T_TMP/ns.json")" "$N" "namespaces listed"
addrs=$(jq -r '.[] | select(.name | test("^p[0-9]+$")) | .attachments[].addresses[]' "$T_TMP/ns.json" | sort -t. -k4n)
assert_eq "$(printf '%s\n' "$addrs" | sort -u | wc -l)" "$N" "distinct addresses"
assert_eq "$(printf '%s\n' "$addrs" | tr '\n' ' ')" "$(i=2; while [ $i -le $((N + 1)) ]; do printf '10.0.0.%d ' $i; i=$((i + 1)); done)" "the lowest $N addresses"
# Each namespace holds the address nsnet reports, and answers.
jq -r '.[] | select(.name | test("^p[0-9]+$")) | "\(.name) \(.attachments[0].addresses[0])"' "$T_TMP/ns.json" |
	while read -r ns addr; do
		ip -n "$ns" -o -4 addr show dev eth0 | grep -q "inet $addr/24 " || fail "$ns does not hold $addr"
	done
for addr in $addrs; do ping_ok host "$addr"; done
assert_eq "$(ip -o link show master nsnet-lan | wc -l)" "$N" "ports on nsnet-lan"

pids=
i=1
while [ $i -le $N ]; do
	"$NSNET" ns rm "p$i" >"$T_TMP/rm.$i" 2>&1 </dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
failed=
i=1
for pid in $pids; do
	wait "$pid" || failed="$failed p$i"
	i=$((i + 1))
done
if [ -n "$failed" ]; then
	for n in $failed; do sed "s/^/$n: /" "$T_TMP/rm.${n#p}" >&2; done
	fail "ns rm failed for:$failed"
fi
assert_eq "$(net_json lan | jq -c '.namespaces')" "[]" "namespaces of lan after rm"
run_ok "$NSNET" network rm lan >/dev/null
leak_check
