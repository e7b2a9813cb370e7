#!/bin/sh
# SPDX-License-Identifier: MIT
# park mode on a routed network: an apply that replaces the network parks the namespace's link,
# and that link going down takes its permanent neighbour entries (169.254.1.1, fe80::1) with it; when the
# apply fails, the rollback puts the entry back with the routes (core/op.c, "n ADDR MAC" lines),
# so the namespace reaches its gateway again and check is clean.
# (lan, a bridge network beside it: an apply of routed networks alone makes no table bridge nsnet,
# which check then reports missing; a matter of its own, left to its own change.)
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

cat >"$T_TMP/rt.yaml" <<'YAML'
version: 1
project: rt
networks: {rt: {subnet: [10.7.0.0/24, "fd00:7::/64"], driver: routed}, lan: {subnet: 10.8.0.0/24}}
namespaces: {r: {networks: [rt]}}
YAML
run_ok "$NSNET" apply "$T_TMP/rt.yaml" >/dev/null
ping_ok r 10.7.0.1
run_ok "$NSNET" check >/dev/null
entry=$(ip -n r -4 neigh show dev eth0 169.254.1.1 | xargs)
assert_eq "$entry" "169.254.1.1 lladdr ee:ee:ee:ee:ee:ee PERMANENT" "r's entry for its gateway"
entry6=$(ip -n r -6 neigh show dev eth0 fe80::1 | xargs)
assert_eq "$entry6" "fe80::1 lladdr ee:ee:ee:ee:ee:ee PERMANENT" "r's entry for its IPv6 gateway"

# The network replaced (its gateway link renamed to a name that is taken): fails after parking.
sed 's|driver: routed}|driver: routed, bridge: taken0}|' "$T_TMP/rt.yaml" >"$T_TMP/rt-taken.yaml"
grep -q 'bridge: taken0' "$T_TMP/rt-taken.yaml" || fail "the edit of rt did not apply to the file"
ip link add taken0 type veth peer name taken1
out=$("$NSNET" -v apply --force "$T_TMP/rt-taken.yaml" 2>&1) && fail "apply with rt's link name taken succeeded: $out"
printf '%s\n' "$out" | grep -qF 'link set eth0 name (parked' || fail "the apply failed before it parked r's link: $out"
assert_eq "$(ip -n r -4 neigh show dev eth0 169.254.1.1 | xargs)" "$entry" "r's entry for its gateway after the rollback"
assert_eq "$(ip -n r -6 neigh show dev eth0 fe80::1 | xargs)" "$entry6" "r's entry for its IPv6 gateway after the rollback"
assert_eq "$(default_route r 4)" "169.254.1.1 eth0" "r's default route after the rollback"
assert_eq "$(default_route r 6)" "fe80::1 eth0" "r's IPv6 default route after the rollback"
ping_ok r 10.7.0.1
ping_ok r fd00:7::1
run_ok "$NSNET" check >/dev/null
ip link del taken0

run_ok "$NSNET" down "$T_TMP/rt.yaml" >/dev/null
leak_check
