#!/bin/sh
# SPDX-License-Identifier: MIT
# park mode on a routed network: an apply that replaces the network parks the namespace's link,
# and that link going down takes its permanent neighbour entries (169.254.1.1, fe80::1) with it; when the
# apply fails, the rollback puts the entry back with the routes (core/op.c, "n ADDR MAC" lines),
# so the namespace reaches its gateway again and check is clean. Then a replacement by the same
# subnet, which parks the host end down (its host routes, same addresses), applied (killed at a
# sample of its steps first, with fault injection, each time rolled back whole by gc).
# (lan, a bridge network beside it: the replacements below also run beside a network that stays.)
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

# The network replaced by one of the same subnet (another mtu): r keeps its addresses, so its
# host routes and neighbour entries are made again while the parked host end still has them;
# parked down, that end gives them up (and a rollback puts them back with it up).
sed 's|driver: routed}|driver: routed, mtu: 1400}|' "$T_TMP/rt.yaml" >"$T_TMP/rt-mtu.yaml"
routes() { ip route show table all | grep -v 'fe80::' | sort; ip neigh show nud permanent | sort; }
before=$(routes)
if require_fault_injection_soft; then
	n=1
	while :; do
		rc=0
		NSNET_FAULT=$n "$NSNET" apply "$T_TMP/rt-mtu.yaml" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 0 ] && break
		[ "$rc" = 137 ] || fail "apply killed at step $n: exit status $rc, expected 137 (killed) or 0"
		run_ok "$NSNET" gc >/dev/null
		assert_eq "$(routes)" "$before" "the host's routes and neighbour entries after apply killed at step $n, then gc"
		run_ok "$NSNET" check >/dev/null
		ping_ok r 10.7.0.1
		n=$((n + 3))
		[ "$n" -le 600 ] || fail "apply still killed after 600 steps"
	done
else
	run_ok "$NSNET" apply "$T_TMP/rt-mtu.yaml" >/dev/null
fi
assert_eq "$(ip -n r -o link show eth0 | grep -o 'mtu [0-9]*')" "mtu 1400" "r's eth0 after the replacement"
ping_ok r 10.7.0.1
ping_ok r fd00:7::1
run_ok "$NSNET" check >/dev/null

run_ok "$NSNET" down "$T_TMP/rt.yaml" >/dev/null
leak_check
