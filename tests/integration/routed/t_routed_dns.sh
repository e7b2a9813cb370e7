#!/bin/sh
# SPDX-License-Identifier: MIT
# A routed network has names too (docs/networks.md, "The gateway link"): its gateway addresses
# sit as /32 and /128 on a portless bridge of the network's name, the resolver listens there and
# the namespaces reach it through their host ends. Names, AAAA, PTR, the gateway answers ping,
# another network (bridge) cannot reach the resolver, check sees a missing gateway link; network
# rm leaves no link and no process.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"
need_ipv6

run_ok "$NSNET" network create rt --driver routed --subnet 10.7.0.0/24 --subnet fd00:7::/64 >/dev/null
run_ok "$NSNET" network create br --subnet 10.8.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net rt >/dev/null
assert_eq "$(dns_answers a 10.7.0.1 a A)" "A 10.7.0.2" "a name right after ns add"
run_ok "$NSNET" ns add b --net rt --alias web >/dev/null
run_ok "$NSNET" ns add c --net br >/dev/null

assert_eq "$(ip -br addr show dev nsnet-rt | awk '{ print $3, $4 }')" "10.7.0.1/32 fd00:7::1/128" \
	"the gateway link's addresses (host addresses: no subnet route through it)"
assert_no_match "$(ip -4 route show 10.7.0.0/24)" "nsnet-rt" "a subnet route through the gateway link"
assert_eq "$(grep -v '^#' /etc/netns/a/resolv.conf | tr '\n' ' ')" "nameserver 10.7.0.1 nameserver fd00:7::1 search rt " \
	"resolv.conf: the routed network's resolver"
assert_eq "$(dns_answers a 10.7.0.1 b A)" "A 10.7.0.3" "NAME"
assert_eq "$(dns_answers a fd00:7::1 web.rt AAAA)" "AAAA fd00:7::3" "an alias, AAAA, over IPv6"
assert_eq "$(dns_answers a 10.7.0.1 10.7.0.3 PTR)" "PTR b.rt" "PTR"
assert_match "$(ip netns exec a getent ahostsv4 b | head -1)" '^10\.7\.0\.3 ' "the system resolver (search rt)"
ping_ok a 10.7.0.1
ping_ok a fd00:7::1
# The traffic between two routed namespaces still goes by their /32 routes, not the gateway link.
ping_ok a 10.7.0.3

# Scope: the bridge network's namespace neither reaches the resolver nor gets the names.
assert_eq "$(dns_rcode c 10.7.0.1 a A 1)" "timeout" "another network reaches the routed network's resolver"
assert_eq "$(dns_answers c 10.8.0.1 a.rt A 1)" "" "another network's resolver answers rt's names"

run_ok "$NSNET" check >/dev/null
for n in a b c; do run_ok "$NSNET" ns rm "$n" >/dev/null; done

# The gateway link is the network's: check sees it gone; network rm still removes the rest.
ip link del nsnet-rt
"$NSNET" check >"$T_TMP/check.out" 2>&1 && fail "check says all agree without the gateway link"
assert_match "$(cat "$T_TMP/check.out")" "gateway link nsnet-rt is missing" "check: the gateway link"
run_ok "$NSNET" network rm rt >/dev/null
run_ok "$NSNET" network rm br >/dev/null
assert_eq "$(ip link show nsnet-rt 2>/dev/null)" "" "the gateway link after network rm"
assert_eq "$(dns_procs)" "" "a resolver survives network rm"
leak_check
