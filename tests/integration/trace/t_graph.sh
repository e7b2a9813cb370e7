#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet graph: dot that Graphviz parses, holding every namespace and VIP and the published port;
# mermaid text; svg through dot; bad formats are usage errors.
# One backend: its subject (the graph drawn from the records) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
command -v dot >/dev/null 2>&1 || skip "graphviz (dot) is not installed (tests/deps.sh installs it)"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create db --subnet 10.1.0.0/24 --internal >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
run_ok "$NSNET" attach b db >/dev/null
run_ok "$NSNET" ns add c --net db >/dev/null
run_ok "$NSNET" vip add 10.100.100.100:80/tcp a:8080 b:8080 >/dev/null
run_ok "$NSNET" vip add 10.100.100.101:53/udp c:5353 >/dev/null
run_ok "$NSNET" publish b 8080:80 >/dev/null

out=$(run_ok "$NSNET" graph)
printf '%s\n' "$out" | dot -Tcanon >"$T_TMP/canon.dot" 2>"$T_TMP/dot.err" || fail "dot does not parse it: $(cat "$T_TMP/dot.err")"
for ns in a b c; do
	assert_match "$out" "^  ns_$ns \\[shape=component, label=\"$ns" "namespace $ns"
done
assert_match "$out" 'label="VIP 10\.100\.100\.100:80/tcp"' "VIP 1"
assert_match "$out" 'label="VIP 10\.100\.100\.101:53/udp"' "VIP 2"
assert_match "$out" '^  vip_[A-Za-z0-9_]+ -> ns_a \[label="10\.0\.0\.2:8080"' "VIP edge to its backend"
assert_match "$out" '^  vip_[A-Za-z0-9_]+ -> ns_c \[label="10\.1\.0\.3:5353"' "VIP edge to its backend"
assert_match "$out" '^  host -> ns_b \[label="\*:8080 -> 80/tcp"' "published port"
assert_match "$out" 'network db.*internal' "internal network"
assert_eq "$(printf '%s\n' "$out" | grep -c -- '^  net_[a-z]* -> ns_[a-c] ')" 4 "an edge per attachment"

run_ok "$NSNET" graph --format svg -o "$T_TMP/g.svg" >/dev/null
grep -q '<svg' "$T_TMP/g.svg" || fail "graph --format svg wrote no SVG"
assert_match "$(run_ok "$NSNET" graph --format mermaid)" '^flowchart LR$' "mermaid"
run_fail_status 2 'format png: expected dot, svg or mermaid' "$NSNET" graph --format png

run_ok "$NSNET" vip rm 10.100.100.100:80 >/dev/null
run_ok "$NSNET" vip rm 10.100.100.101:53/udp >/dev/null
run_ok "$NSNET" unpublish b 8080 >/dev/null
for ns in a b c; do run_ok "$NSNET" ns rm $ns >/dev/null; done
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm db >/dev/null
leak_check
