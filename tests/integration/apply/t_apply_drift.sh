#!/bin/sh
# SPDX-License-Identifier: MIT
# Drift: plan reports an object of the project changed or missing in the kernel, as `nsnet check`
# finds it (a namespace's interface gone, an address changed, a published port's rules gone), and
# apply repairs it: then check is clean, plan has nothing to do and traffic flows again. An
# object of another project that drifted is neither reported nor touched.
# timeout: 300
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_other
run_ok "$NSNET" apply "$F" >/dev/null
make_wan
app_lan=$(ip -n app -o link show eth1 | cut -d: -f1)

# web1's interface goes, app's address on db changes, the published port's rules go (nft: all
# of nsnet's rules); s1 (project other) loses its interface too.
ip -n web1 link del eth0
ip -n app addr flush dev eth0
ip -n app addr add 10.20.0.99/24 dev eth0
ip -n s1 link del eth0
if [ "$(json "$NSNET" ls --json | jq -r .backend)" = nft ]; then
	nft delete table inet nsnet
else
	iptables-save | grep -v 'NSNET-PUB-1' | iptables-restore
fi
rc=0; "$NSNET" check >"$T_TMP/check" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "check found no difference"

rc=0; "$NSNET" plan "$F" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of plan with drift ($(cat "$T_TMP/plan"))"
assert_match "$(cat "$T_TMP/plan")" '^! namespace web1: host end .* of its lan attachment is missing$' "plan: web1's interface"
assert_match "$(cat "$T_TMP/plan")" '^! namespace app: address 10\.20\.0\.2 of its db attachment is not on eth0$' "plan: app's address"
assert_match "$(cat "$T_TMP/plan")" '^~ namespace web1 \(attached again \(drift\)\)$' "plan: web1 repaired"
assert_match "$(cat "$T_TMP/plan")" '^! rules .*(chain|rules).* missing' "plan: the rules missing"
assert_match "$(cat "$T_TMP/plan")" '^~ rules ' "plan: the rules rebuilt"
if grep -q 's1' "$T_TMP/plan"; then fail "plan of lab1 names s1 (project other): $(cat "$T_TMP/plan")"; fi

run_ok "$NSNET" apply "$F" >/dev/null
rc=0; "$NSNET" plan "$F" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 0 "exit status of plan after the repair ($(cat "$T_TMP/plan"))"
assert_eq "$(ns_addrs app db | head -n 1)" 10.20.0.2 "app's address on db after the repair"
assert_eq "$(ip -n app -o link show eth1 | cut -d: -f1)" "$app_lan" "app's lan interface (the same)"
ping_ok web2 "$(ns_addrs web1 lan | head -n 1)"
start_server web1 8080
assert_eq "$(tcp_get wan 192.0.2.1 8080)" "192.0.2.2" "wan through published port 8080 to web1 after the repair"
stop_servers
# Only s1's drift is left, which is project other's.
"$NSNET" check >"$T_TMP/check" 2>&1 || true
assert_eq "$(grep -vc 's1' "$T_TMP/check")" 0 "check after the repair: $(cat "$T_TMP/check")"
run_ok "$NSNET" apply "$T_TMP/other.yaml" >/dev/null
run_ok "$NSNET" check >/dev/null
run_ok "$NSNET" down --project lab1 >/dev/null
run_ok "$NSNET" down --project other >/dev/null
