#!/bin/sh
# SPDX-License-Identifier: MIT
# network create makes bridge nsnet-NAME holding the gateway, the firewall rules (nft table or
# iptables chains) and a state record; network ls shows it; network rm removes all of it, and the
# table (the base chains) goes with the last network.
. "$(dirname "$0")/../lib/lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create lab --subnet 10.1.0.0/24 >/dev/null

ip -o link show dev nsnet-lan type bridge | grep -q . || fail "no bridge nsnet-lan"
assert_match "$(ip -o link show dev nsnet-lan)" 'state UP|,UP' "nsnet-lan is up"
assert_match "$(ip -o -4 addr show dev nsnet-lan)" 'inet 10\.0\.0\.1/24 ' "gateway address on nsnet-lan"
assert_match "$(ip -o -4 addr show dev nsnet-lab)" 'inet 10\.1\.0\.1/24 ' "gateway address on nsnet-lab"
fw_present || fail "no firewall rules of nsnet after network create"
[ -f "$STATE_DIR/networks/lan.json" ] || fail "no state record $STATE_DIR/networks/lan.json"
# The gateway answers from the host side of the bridge.
ping_ok host 10.0.0.1

assert_match "$(run_ok "$NSNET" network ls)" 'lan' "network ls"
assert_eq "$(json "$NSNET" network ls --json | jq -r '[.[].name] | sort | join(",")')" "lab,lan" "network ls --json names"

run_ok "$NSNET" network rm lan >/dev/null
ip link show dev nsnet-lan >/dev/null 2>&1 && fail "bridge nsnet-lan still exists after network rm"
[ -e "$STATE_DIR/networks/lan.json" ] && fail "state record of lan still exists after network rm"
assert_eq "$(json "$NSNET" network ls --json | jq -r '[.[].name] | join(",")')" "lab" "network ls --json after rm lan"
# Another network still exists: the table stays.
fw_present || fail "firewall rules removed while network lab still exists"

run_ok "$NSNET" network rm lab >/dev/null
fw_present && fail "firewall rules of nsnet still exist after the last network rm"
assert_eq "$(json "$NSNET" network ls --json)" "[]" "network ls --json when empty"
leak_check
