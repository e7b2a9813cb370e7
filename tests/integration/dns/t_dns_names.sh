#!/bin/sh
# SPDX-License-Identifier: MIT
# Names on a network's resolver (docs/dns.md): NAME and NAME.DOMAIN (A, AAAA), an alias held by
# two namespaces (both addresses), PTR, NODATA (never NXDOMAIN) for a missing type, resolv.conf
# (gateway, search domain; two networks: both), the system resolver, and scope: a namespace on
# another network neither gets the names nor reaches the resolver. Teardown leaves no process.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64 >/dev/null
run_ok "$NSNET" network create v4 --subnet 10.0.1.0/24 --domain corp.test >/dev/null
run_ok "$NSNET" ns add a --net lan --alias web >/dev/null
# Each check right after the command: when it returns, the name resolves (no waiting).
assert_eq "$(dns_answers a 10.0.0.1 a A)" "A 10.0.0.2" "a name right after ns add"
run_ok "$NSNET" ns add b --net lan --alias web --alias db >/dev/null
assert_eq "$(dns_answers a 10.0.0.1 b A)" "A 10.0.0.3" "NAME"
run_ok "$NSNET" ns add c --net v4 >/dev/null

assert_eq "$(grep -v '^#' /etc/netns/a/resolv.conf | tr '\n' ' ')" "nameserver 10.0.0.1 nameserver fd00:10::1 search lan " \
	"resolv.conf: the network's resolver"
assert_eq "$(dns_answers a 10.0.0.1 b.lan AAAA)" "AAAA fd00:10::3" "NAME.DOMAIN, AAAA"
assert_eq "$(dns_answers a fd00:10::1 b.lan A)" "A 10.0.0.3" "over IPv6"
assert_eq "$(dns_answers a 10.0.0.1 web A)" "A 10.0.0.2 A 10.0.0.3" "an alias of two namespaces"
assert_eq "$(dns_answers a 10.0.0.1 web.lan AAAA)" "AAAA fd00:10::2 AAAA fd00:10::3" "an alias, AAAA"
assert_eq "$(dns_answers a 10.0.0.1 db.lan A)" "A 10.0.0.3" "a second alias"
assert_eq "$(dns_answers a 10.0.0.1 10.0.0.3 PTR)" "PTR b.lan" "PTR"
assert_eq "$(dns_answers a 10.0.0.1 fd00:10::2 PTR)" "PTR a.lan" "PTR, IPv6"
assert_eq "$(dnsq c 10.0.1.1 c AAAA)" "rcode NOERROR" "NODATA for AAAA on an IPv4-only network"
assert_eq "$(dns_answers c 10.0.1.1 c.corp.test A)" "A 10.0.1.2" "--domain"
assert_eq "$(dns_rcode a 10.0.0.1 nobody.lan A)" "NXDOMAIN" "an unknown name of the domain"
assert_match "$(ip netns exec a getent ahostsv4 b | head -1)" '^10\.0\.0\.3 ' "the system resolver (search lan)"
assert_match "$(run_ok "$NSNET" exec a -- getent hosts web.lan)" '^fd00:10::[23] ' "nsnet exec"

# Scope: network v4 gets nothing from lan's resolver, and its own does not know lan's names.
assert_eq "$(dns_rcode c 10.0.0.1 a A 1)" "timeout" "another network reaches the resolver"
assert_eq "$(dns_answers c 10.0.1.1 a.lan A 1)" "" "another network's resolver answers lan's names"

# attach with an alias: c is on both networks, its resolv.conf names both resolvers and domains.
run_ok "$NSNET" attach c lan --alias cee >/dev/null
assert_eq "$(dns_answers a 10.0.0.1 cee A)" "A 10.0.0.4" "attach --alias"
assert_eq "$(grep -v '^#' /etc/netns/c/resolv.conf | tr '\n' ' ')" \
	"nameserver 10.0.1.1 nameserver 10.0.0.1 nameserver fd00:10::1 search corp.test lan " "two networks: both resolvers"
assert_eq "$(dns_answers c 10.0.0.1 a A)" "A 10.0.0.2" "attached: lan's resolver answers"
run_ok "$NSNET" detach c lan >/dev/null
assert_eq "$(dns_rcode a 10.0.0.1 cee A)" "NXDOMAIN" "detach removes the names at once"
assert_eq "$(grep -v '^#' /etc/netns/c/resolv.conf | tr '\n' ' ')" "nameserver 10.0.1.1 search corp.test " "detach: one resolver again"
run_ok "$NSNET" ns rm b >/dev/null
assert_eq "$(dns_answers a 10.0.0.1 web A)" "A 10.0.0.2" "ns rm removes its names at once"

# ls shows the resolver.
assert_match "$(run_ok "$NSNET" ls)" 'resolver 10\.0\.0\.1 fd00:10::1  domain lan  PID [0-9]+ running' "ls"
assert_eq "$(json "$NSNET" ls --json | jq -c '.networks[] | select(.name == "lan") | .dns | [.domain, .running, .servers]')" \
	'["lan",true,["10.0.0.1","fd00:10::1"]]' "ls --json"

for n in a c; do run_ok "$NSNET" ns rm "$n" >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm v4 >/dev/null
assert_eq "$(dns_procs)" "" "a resolver survives network rm"
leak_check
