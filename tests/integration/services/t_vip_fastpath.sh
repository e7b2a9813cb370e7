#!/bin/sh
# SPDX-License-Identifier: MIT
# vip add/set/rm with nft go through libnftnl batches (no libnftables): what they leave must be
# exactly what the text of the same change gives. `nsnet gc` rebuilds the table from that text,
# so the table before and after gc must be identical, after adds, a set and a removal; and a
# VIP with affinity (which takes the text path) mixed in changes nothing of that. The published
# ports of a namespace that goes are removed the same way.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:1::/64 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
# The table as a sorted set of objects (gc creates VIPs in record order, not by age), without the
# pick chains that nothing jumps to: `vip set` to another backend count leaves the old count's
# chain in place, and gc's rebuild makes only the chains the VIPs use (nft_services.c).
table() {
	nft -j list table inet nsnet | python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
def targets(o, found):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("jump", "goto") and isinstance(v, dict):
                found.add(v.get("target"))
            targets(v, found)
    elif isinstance(o, list):
        for v in o:
            targets(v, found)
    return found
objs = [o for o in json.load(sys.stdin)["nftables"] if "metainfo" not in o]
used = targets(objs, set())
def unused_pick(o):
    name = o.get("chain", {}).get("name") or o.get("rule", {}).get("chain") or ""
    return name.startswith("pick") and name not in used
print("\n".join(sorted(json.dumps(strip(o), sort_keys=True) for o in objs if not unused_pick(o))))'
}
same_after_gc() {
	before=$(table)
	run_ok "$NSNET" gc >/dev/null
	table >"$T_TMP/after"
	printf '%s\n' "$before" >"$T_TMP/before"
	diff -u "$T_TMP/before" "$T_TMP/after" >&2 || fail "table inet nsnet changed when gc rebuilt it ($1)"
}

run_ok "$NSNET" vip add 10.100.0.1:80 a:80 b:80 >/dev/null
run_ok "$NSNET" vip add 10.100.0.2:53/udp a:53 >/dev/null
run_ok "$NSNET" vip add '[fd00:100::1]:80' a:80 b:80 >/dev/null
run_ok "$NSNET" vip add 10.100.0.3:80 >/dev/null
run_ok "$NSNET" vip add 10.100.0.4:80 a:80 b:80 --affinity 60 >/dev/null
same_after_gc "adds"
# A VIP without affinity is map elements only: its svc4 element jumps to the shared pick chain.
assert_match "$(nft list map inet nsnet svc4)" '10\.100\.0\.1 \. tcp \. 80 : jump pick4t-2' "VIP element jumps to the shared pick chain"
nft list chain inet nsnet vip-1 >/dev/null 2>&1 && fail "a VIP without affinity has a chain of its own"
assert_match "$(nft list chain inet nsnet vip-5)" 'goto picksep4t-2' "a VIP with affinity keeps its chain"
assert_match "$(nft list map inet nsnet bk6t)" 'fd00:100::1 \. 80 \. 1 : fd00:1::3 \. 80' "IPv6 backend element"

run_ok "$NSNET" vip set 10.100.0.2:53/udp a:53 b:53 >/dev/null
run_ok "$NSNET" vip set 10.100.0.3:80 b:80 >/dev/null
same_after_gc "vip set"
assert_match "$(nft list map inet nsnet svc4)" '10\.100\.0\.2 \. udp \. 53 : jump pick4u-2' "VIP element after vip set"

# vip rm deletes nothing: the VIP's elements get a timeout of one tick and expire (docs/services.md).
# Right after it, no element of the VIP may be left without a timeout; then they are gone.
vip_elems() { nft list map inet nsnet svc4; nft list map inet nsnet bk4t; }
run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
vip_elems | grep '10\.100\.0\.1 ' | grep -v 'timeout' >&2 && fail "an element of the removed VIP does not expire"
i=0
while vip_elems | grep -q '10\.100\.0\.1 '; do
	[ $i -lt 500 ] || fail "the removed VIP's elements did not expire within 5 s"
	i=$((i + 1))
	sleep 0.01
done
same_after_gc "vip rm"
assert_no_match "$(nft list map inet nsnet svc4)" '10\.100\.0\.1 ' "svc4 element of the removed VIP"
assert_no_match "$(nft list map inet nsnet bk4t)" '10\.100\.0\.1 ' "bk4t elements of the removed VIP"
# A VIP added while an element of its key is still expiring (a vip rm less than a tick ago, here
# made to last 60 s with other data) replaces it: the expiring keys are destroyed first.
nft add element inet nsnet svc4 '{ 10.100.0.9 . tcp . 80 timeout 60s : jump pick4t-1 }'
nft add element inet nsnet bk4t '{ 10.100.0.9 . 80 . 0 timeout 60s : 10.0.0.99 . 80 }'
run_ok "$NSNET" vip add 10.100.0.9:80 a:80 b:80 >/dev/null
assert_match "$(nft list map inet nsnet svc4)" '10\.100\.0\.9 \. tcp \. 80 : jump pick4t-2' "VIP added over an expiring element"
vip_elems | grep '10\.100\.0\.9 ' | grep 'timeout' >&2 && fail "the new VIP kept an expiring element"
assert_no_match "$(nft list map inet nsnet bk4t)" '10\.0\.0\.99' "the expiring backend element is gone"
run_ok "$NSNET" check >/dev/null
run_ok "$NSNET" vip rm 10.100.0.9:80 >/dev/null

# Ports are published through libnftnl, and a namespace going takes them with it in one batch:
# the table is then what it was before they were published.
run_ok "$NSNET" ns add c --net lan >/dev/null
unpublished=$(table)
run_ok "$NSNET" publish c 8080:80 >/dev/null
run_ok "$NSNET" publish c 8081:81/udp >/dev/null
# A host address to publish on must be the host's own (issue 18, item 10): give the host two.
ip addr add 192.0.2.9/32 dev lo
ip addr add fd00:2::9/128 dev lo nodad
run_ok "$NSNET" publish c 192.0.2.9:8082:82 >/dev/null
run_ok "$NSNET" publish c '[fd00:2::9]:8083:83' >/dev/null
# Published through libnftnl too (the table exists): what gc rebuilds from the text is the same.
same_after_gc "publish"
assert_match "$(nft list chain inet nsnet pub-1)" 'meta l4proto tcp dnat ip to 10\.0\.0\.[0-9]+:80' "published port's chain"
run_ok "$NSNET" ns rm c >/dev/null
table >"$T_TMP/after"
printf '%s\n' "$unpublished" >"$T_TMP/before"
diff -u "$T_TMP/before" "$T_TMP/after" >&2 || fail "table inet nsnet after the namespace with published ports went"

for v in 10.100.0.2:53/udp '[fd00:100::1]:80' 10.100.0.3:80 10.100.0.4:80; do
	run_ok "$NSNET" vip rm "$v" >/dev/null
done
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
