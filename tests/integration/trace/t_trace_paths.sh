#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet trace, one sandbox for every path of issue 15: across a bridge (connected, with the bridge
# hop), a VIP (the DNAT hop names the backend), a published port from wan, isolated networks
# (dropped by nsnet's isolation rule, named so), a foreign table with policy drop on forward
# (dropped, the table named), no route, nobody listening (refused, exit 0); --json's shape; a
# routed network's source (its gateway's neighbour entry checked instead of a bridge port).
. "$(dirname "$0")/../lib/lib.sh"

make_wan
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create db --subnet 10.1.0.0/24 >/dev/null
run_ok "$NSNET" network create iso --subnet 10.2.0.0/24 --internal >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan:10.0.0.13 >/dev/null
run_ok "$NSNET" ns add c --net db >/dev/null
run_ok "$NSNET" ns add d --net iso >/dev/null
run_ok "$NSNET" vip add 10.100.100.100:80/tcp b:8080 >/dev/null
run_ok "$NSNET" publish b 8080:8080 >/dev/null
start_server b 8080

# trace_json SRC DST STATUS: run `nsnet trace --json`, which must exit STATUS; print its JSON.
trace_json() {
	rc=0
	timeout -k 2 "$T_CMD_TIMEOUT" "$NSNET" trace "$1" "$2" --json >"$T_TMP/trace.out" 2>"$T_TMP/trace.err" </dev/null || rc=$?
	if [ "$rc" != "$3" ]; then
		sed 's/^/  stdout: /' "$T_TMP/trace.out" >&2
		sed 's/^/  stderr: /' "$T_TMP/trace.err" >&2
		fail "trace $1 $2: exit status $rc, expected $3"
	fi
	jq -c . "$T_TMP/trace.out" || fail "trace $1 $2 --json: not JSON"
}

# Across the bridge: connected, a bridge hop in the host, the probe arrives in b.
j=$(trace_json a b:8080 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" connected "a -> b:8080"
assert_eq "$(printf '%s' "$j" | jq -r '[.hops[] | select(.netns == "host" and .kind == "bridge")] | length > 0')" true "bridge hop"
assert_match "$(printf '%s' "$j" | jq -r '.hops[] | select(.kind == "bridge") | .detail')" 'enters bridge nsnet-lan on port nv[0-9a-f]+ \(namespace a, network lan\)' "bridge hop detail"
assert_match "$(printf '%s' "$j" | jq -r '.hops[] | select(.netns == "b") | .kind')" '^arrive$' "arrival in b"
assert_eq "$(printf '%s' "$j" | jq -r '[.hops[0] | keys[]] | join(",")')" 'chain,detail,family,kind,netns,rule,table,verdict' "hop keys"
assert_eq "$(printf '%s' "$j" | jq -r '.checks | map(select(.ok | not)) | length')" 0 "failed checks on a working path"

# Text form of the same.
out=$(run_ok "$NSNET" trace a b:8080)
assert_match "$out" '^result: connected$' "text result"
assert_match "$out" 'host +bridge' "text bridge hop"

# The VIP: the DNAT hop names the chosen backend.
j=$(trace_json a 10.100.100.100:80 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" connected "a -> VIP"
assert_match "$(printf '%s' "$j" | jq -r '.hops[] | select(.kind == "nat") | .rule')" '^VIP (.* )?10\.100\.100\.100:80 -> 10\.0\.0\.13:8080$' "VIP hop"

# The published port, from wan.
j=$(trace_json wan 192.0.2.1:8080 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" connected "wan -> published port"
assert_match "$(printf '%s' "$j" | jq -r '.hops[] | select(.kind == "nat") | .rule')" '^published port \*:8080 -> b:8080$' "published port hop"

# Isolated networks: dropped by nsnet's isolation rule, named as such; exit 1.
j=$(trace_json a c 1)
assert_eq "$(printf '%s' "$j" | jq -r .result)" dropped "a -> c"
assert_eq "$(printf '%s' "$j" | jq -r .dropped_by.rule)" "isolation between networks lan and db" "dropping rule"
assert_eq "$(printf '%s' "$j" | jq -r .dropped_by.netns)" host "where it was dropped"

# Nobody listening: refused, and that is reaching the destination (exit 0).
j=$(trace_json a b:9 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" refused "a -> b:9"

# No route: an internal network's namespace has no default route.
j=$(trace_json d 198.51.100.1 1)
assert_eq "$(printf '%s' "$j" | jq -r .result)" no-route "d -> 198.51.100.1"
assert_eq "$(printf '%s' "$j" | jq -r '.checks[0].ok')" false "route check"

# A foreign table whose forward chain has policy drop (Docker's FORWARD does this): named.
j=$(trace_json a 198.51.100.1 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" connected "a -> wan before the foreign table"
nft add table inet filter
nft add chain inet filter forward '{ type filter hook forward priority 0 ; policy drop ; }'
j=$(trace_json a 198.51.100.1 1)
nft delete table inet filter
assert_eq "$(printf '%s' "$j" | jq -r .result)" dropped "a -> wan with the foreign table"
assert_eq "$(printf '%s' "$j" | jq -r '.dropped_by | [.family, .table, .chain, .kind] | join(" ")')" "inet filter forward policy" "dropped by"
assert_match "$(printf '%s' "$j" | jq -r .dropped_by.rule)" "not nsnet's" "foreign table named as such"

# A routed network: no bridge port behind the source; its gateway 169.254.1.1 is a permanent
# neighbour entry, shown as the "neighbour" check, which fails (and says so) when it is gone.
run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 >/dev/null
run_ok "$NSNET" ns add r1 --net rt >/dev/null
run_ok "$NSNET" ns add r2 --net rt >/dev/null
start_server r2 8080
j=$(trace_json r1 r2:8080 0)
assert_eq "$(printf '%s' "$j" | jq -r .result)" connected "r1 -> r2:8080"
assert_eq "$(printf '%s' "$j" | jq -r '.checks | map(select(.ok | not)) | length')" 0 "failed checks on a routed path"
assert_eq "$(printf '%s' "$j" | jq -r '[.checks[] | select(.check == "bridge-port")] | length')" 0 "bridge-port check on a routed path"
assert_eq "$(printf '%s' "$j" | jq -r '.checks[] | select(.check == "neighbour") | .detail')" \
	"169.254.1.1 on eth0 in r1: permanent entry to the host end's MAC" "neighbour check"
ip -n r1 neigh del 169.254.1.1 dev eth0
j=$(trace_json r1 r2:8080 1)
assert_eq "$(printf '%s' "$j" | jq -r '.checks[] | select(.check == "neighbour") | .ok')" false "neighbour check without the entry"
stop_servers
start_server b 8080
for ns in r1 r2; do run_ok "$NSNET" ns rm $ns >/dev/null; done
run_ok "$NSNET" network rm rt >/dev/null

# Usage errors.
run_fail_status 2 'destination b:0: port 0: expected 1-65535' "$NSNET" trace a b:0
run_fail_status 2 'protocol sctp' "$NSNET" trace a b:80/sctp
run_fail_status 1 'source nosuch: no such namespace' "$NSNET" trace nosuch b:80
assert_eq "$(nft list tables | grep -c nsnet-trace)" 0 "trace tables left in the host"

stop_servers
run_ok "$NSNET" unpublish b 8080 >/dev/null
run_ok "$NSNET" vip rm 10.100.100.100:80 >/dev/null
for ns in a b c d; do run_ok "$NSNET" ns rm $ns >/dev/null; done
for n in lan db iso; do run_ok "$NSNET" network rm $n >/dev/null; done
leak_check
