#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared pick chains (nft_services.c, "The pick chains") come with the first VIP that needs
# each, not with the base: none before any VIP; `vip add` with 3 backends makes pick4t-3 (and a
# dry run shows it), a second one uses it without making it again; a VIP with affinity makes
# picksep4t-N. check reports a VIP whose pick chain lost its rule or is gone, and gc puts it back;
# pick chains no VIP uses are allowed, and gc's rebuild leaves them out. A `vip add` that fails
# after its firewall commit takes the pick chain it made away again.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

picks() { nft list table inet nsnet | sed -n 's/^\tchain \(pick[^ ]*\) {$/\1/p' | sort | tr '\n' ' '; }
check_fails() {
	rc=0
	out=$("$NSNET" check 2>&1) || rc=$?
	assert_eq "$rc" "1" "check exit status ($1)"
	assert_match "$out" "$2" "check finding ($1)"
}

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
for n in a b c; do run_ok "$NSNET" ns add $n --net lan >/dev/null; done
assert_eq "$(picks)" "" "pick chains with a network and no VIP"

out=$(run_ok "$NSNET" vip add --dry-run 10.100.0.1:80 a:80 b:80 c:80 2>&1)
assert_match "$out" "^nft 'add chain inet nsnet pick4t-3'$" "dry run: the pick chain made"
assert_match "$out" "^nft 'add rule inet nsnet pick4t-3 dnat ip to ip daddr . tcp dport . numgen random mod 3 map @bk4t'$" \
	"dry run: the pick chain's rule"
assert_eq "$(picks)" "" "pick chains after a dry run"

run_ok "$NSNET" vip add 10.100.0.1:80 a:80 b:80 c:80 >/dev/null
assert_eq "$(picks)" "pick4t-3 " "pick chains after vip add with 3 backends"
assert_match "$(nft list chain inet nsnet pick4t-3)" 'dnat ip to ip daddr \. tcp dport \. numgen random mod 3 map @bk4t' \
	"pick4t-3's rule"
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check after vip add"

# A second VIP of 3 backends: the chain is not made (nor its rule added) again.
out=$(run_ok "$NSNET" -v vip add 10.100.0.2:80 a:80 b:80 c:80 2>&1)
assert_no_match "$out" "chain inet nsnet pick" "vip add -v of a second VIP with 3 backends"
assert_eq "$(nft -a list chain inet nsnet pick4t-3 | grep -c 'numgen random')" "1" "rules in pick4t-3"

# The rule gone, then the chain gone: check names it, gc puts it back.
nft flush chain inet nsnet pick4t-3
check_fails "pick4t-3 flushed" "VIP id 1: nft chain pick4t-3 is missing"
run_ok "$NSNET" gc >/dev/null
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check after gc repaired pick4t-3's rule"
# A chain that a map element jumps to cannot be deleted: the VIPs' elements go first.
nft delete element inet nsnet svc4 '{ 10.100.0.1 . tcp . 80, 10.100.0.2 . tcp . 80 }'
nft flush chain inet nsnet pick4t-3
nft delete chain inet nsnet pick4t-3
assert_eq "$(picks)" "" "pick chains after deleting pick4t-3 by hand"
check_fails "pick4t-3 deleted" "VIP id 2: nft chain pick4t-3 is missing"
run_ok "$NSNET" gc >/dev/null
assert_eq "$(picks)" "pick4t-3 " "pick chains after gc"
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check after gc made pick4t-3 again"

# vip set to another count moves the VIP to that count's chain, made in the same transaction.
run_ok "$NSNET" vip set 10.100.0.2:80 a:80 b:80 >/dev/null
assert_eq "$(picks)" "pick4t-2 pick4t-3 " "pick chains after vip set to 2 backends"
assert_match "$(nft list map inet nsnet svc4)" '10\.100\.0\.2 \. tcp \. 80 : jump pick4t-2' "the VIP's element after vip set"
# Affinity: the VIP's own chain ends in the shared picksep chain.
run_ok "$NSNET" vip add 10.100.0.3:81/udp a:81 b:81 --affinity 30 >/dev/null
assert_eq "$(picks)" "pick4t-2 pick4t-3 picksep4u-2 " "pick chains after a VIP with affinity"
assert_match "$(nft list chain inet nsnet picksep4u-2)" 'ip daddr \. udp dport \. numgen random mod 2 vmap @sep4u' \
	"picksep4u-2's rule"
# No VIP of 3 backends left: pick4t-3 stays (allowed), and gc's rebuild leaves it out.
run_ok "$NSNET" vip rm 10.100.0.1:80 >/dev/null
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check with a pick chain no VIP uses"
run_ok "$NSNET" gc >/dev/null
assert_eq "$(picks)" "pick4t-2 picksep4u-2 " "pick chains after gc with no VIP of 3 backends"

# A vip add that fails after its firewall commit (its record cannot be written) is rolled back,
# the pick chain it made with it.
mkdir "$STATE_DIR/vips/tcp-10.100.0.5-80.json"
run_fail 'Is a directory' "$NSNET" vip add 10.100.0.5:80 a:80 b:80 c:80
rmdir "$STATE_DIR/vips/tcp-10.100.0.5-80.json"
assert_eq "$(picks)" "pick4t-2 picksep4u-2 " "pick chains after a failed vip add"
out=$(run_ok "$NSNET" check)
assert_match "$out" "agree" "check after a failed vip add"

run_ok "$NSNET" vip rm 10.100.0.2:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.0.3:81/udp >/dev/null
for n in a b c; do run_ok "$NSNET" ns rm $n >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
leak_check
