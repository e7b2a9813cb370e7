#!/bin/sh
# SPDX-License-Identifier: MIT
# Topology files nsnet apply refuses before anything changes, each with the file's LINE:COL:
# unknown and duplicate keys, anchors, aliases, tags, wrong types, references to networks and
# namespaces the file does not define, overlapping subnets, duplicate fixed addresses, clashing
# ports (exit 2, as malformed values; plan: 1); and, against the records (exit 1): an object of
# the same name made outside the project, a subnet overlapping a network made by hand, a VIP of
# another project, an external one that does not exist, a host port published by hand.
. "$(dirname "$0")/../lib/lib.sh"

n=0
# refused STATUS WHERE ERE: the file on stdin is refused by apply with STATUS and
# "nsnet: FILE:WHERE: ..." matching ERE; plan refuses it with status 1 and the same message.
refused() {
	n=$((n + 1))
	f=$T_TMP/r$n.yaml
	{ printf 'version: 1\nproject: p\n'; cat; } >"$f"
	run_fail_status "$1" "^nsnet: $f:$2: $3" "$NSNET" apply "$f"
	run_fail_status 1 "^nsnet: $f:$2: $3" "$NSNET" plan "$f"
}

run_ok "$NSNET" network create byhand --subnet 10.50.0.0/24 >/dev/null
run_ok "$NSNET" ns add solo --net byhand >/dev/null
run_ok "$NSNET" publish solo 127.0.0.1:7070:70 >/dev/null
printf 'version: 1\nproject: q\nvips: [{vip: "10.100.0.7:80", backends: ["10.50.0.9:80"]}]\n' >"$T_TMP/q.yaml"
run_ok "$NSNET" apply "$T_TMP/q.yaml" >/dev/null
before=$(snapshot)

refused 2 4:30 'unknown key "nta" in a network' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24, nta: true}
Y
refused 2 5:3 'duplicate key "lan"' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
  lan: {subnet: 10.1.0.0/24}
Y
refused 2 4:8 'anchor &n: anchors and aliases are not accepted' <<'Y'
networks:
  lan: &n {subnet: 10.0.0.0/24}
Y
refused 2 6:18 'alias \*x: anchors and aliases are not accepted' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [*x]}
Y
refused 2 4:17 'tag .*: tags are not accepted' <<'Y'
networks:
  lan: {subnet: !!str 10.0.0.0/24}
Y
refused 2 4:35 'mtu "big": expected a number 68-65535' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24, mtu: big}
Y
refused 2 6:23 'namespace a: network wan is not defined in this file' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [lan, wan]}
Y
refused 2 8:47 'backend b:80: namespace b is not defined in this file' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [lan]}
vips:
  - {vip: "10.100.0.1:80", backends: ["a:80", "b:80"]}
Y
refused 2 9:17 'publish: namespace c is not defined in this file' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [lan]}
publish:
  - {namespace: a, port: "8080:80"}
  - {namespace: c, port: "8081:80"}
Y
refused 2 5:16 'subnet 10.0.5.0/24 of network db overlaps subnet 10.0.0.0/16 of network lan' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/16}
  db: {subnet: 10.0.5.0/24}
Y
refused 2 7:37 'ip 10.0.0.5 on network lan is also namespace a' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [{network: lan, ip: 10.0.0.5}]}
  b: {networks: [{network: lan, ip: 10.0.0.5}]}
Y
refused 2 10:26 'host port 8080/tcp is already published at line 9' <<'Y'
networks:
  lan: {subnet: 10.0.0.0/24}
namespaces:
  a: {networks: [lan]}
  b: {networks: [lan]}
publish:
  - {namespace: a, port: "8080:80"}
  - {namespace: b, port: "192.0.2.1:8080:81"}
Y
refused 2 5:11 'VIP 10.100.0.1:80/tcp is defined twice \(line 4\)' <<'Y'
vips:
  - {vip: "10.100.0.1:80", backends: ["10.0.0.5:80"]}
  - {vip: "10.100.0.1:80/tcp", backends: ["10.0.0.6:80"]}
Y
# Against the records: refusals, status 1.
refused 1 4:3 'network byhand exists and is not part of project p \(it was made outside any project\): add "external: true"' <<'Y'
networks:
  byhand: {subnet: 10.50.0.0/24}
Y
refused 1 4:3 'namespace solo exists and is not part of project p' <<'Y'
namespaces:
  solo: {}
Y
refused 1 4:3 'subnet 10.50.0.128/25 of network near overlaps subnet 10.50.0.0/24 of network byhand \(it was made outside any project\)' <<'Y'
networks:
  near: {subnet: 10.50.0.128/25}
Y
refused 1 4:5 'VIP 10.100.0.7:80/tcp exists and is not part of project p \(it belongs to project q\)' <<'Y'
vips:
  - {vip: "10.100.0.7:80", backends: ["10.50.0.8:80"]}
Y
refused 1 4:3 'external network nowhere does not exist' <<'Y'
networks:
  nowhere: {external: true}
Y
refused 1 8:5 'host port 127.0.0.1:7070/tcp is taken by namespace solo' <<'Y'
networks:
  byhand: {external: true}
namespaces:
  a: {networks: [byhand]}
publish:
  - {namespace: a, port: "127.0.0.1:7070:70"}
Y
assert_unchanged "$before" "refused files"

# external: true uses them, and down leaves them.
cat >"$T_TMP/ok.yaml" <<'Y'
version: 1
project: p
networks: {byhand: {external: true}}
namespaces: {solo: {external: true}, a: {networks: [byhand]}}
vips: [{vip: "10.100.0.1:80", backends: ["a:80"]}]
Y
ls_before=$(json "$NSNET" ls --json)
run_ok "$NSNET" apply "$T_TMP/ok.yaml" >/dev/null
assert_eq "$(json "$NSNET" ns ls --json | jq -c '[.[] | select(.name == "a") | .attachments[].network]')" '["byhand"]' "a on byhand"
run_ok "$NSNET" down --project p >/dev/null
# (the kernel deletes a removed namespace's veth in the background: ls is what to compare)
assert_eq "$(json "$NSNET" ls --json)" "$ls_before" "nsnet ls after apply and down of a file with external objects"
run_ok "$NSNET" unpublish solo 127.0.0.1:7070 >/dev/null
run_ok "$NSNET" ns rm solo >/dev/null
run_ok "$NSNET" down --project q >/dev/null
run_ok "$NSNET" network rm byhand >/dev/null
