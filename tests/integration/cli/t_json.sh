#!/bin/sh
# SPDX-License-Identifier: MIT
# The JSON of network ls, ns ls and ls, exactly as documented (keys, types, values), empty and
# populated, with a managed and an unmanaged namespace; the text ls names the same objects.
. "$(dirname "$0")/../lib/lib.sh"
need_ipv6

norm() { jq -S -c "${1:-.}"; }

assert_eq "$(json "$NSNET" network ls --json)" "[]" "network ls --json, empty"
assert_eq "$(json "$NSNET" ns ls --json)" "[]" "ns ls --json, empty"
assert_eq "$(json "$NSNET" ls --json | jq -c 'del(.backend)' | norm)" '{"namespaces":[],"networks":[],"pools":[],"ports":[],"vips":[]}' "ls --json, empty"
assert_eq "$(json "$NSNET" ls --json | jq -r .backend)" "$NSNET_BACKEND" "ls --json: the backend"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network create v6 --subnet fd00:10::/64 --no-nat --internal --mtu 1400 --no-dns >/dev/null
run_ok "$NSNET" ns add http2 --net lan >/dev/null
ip netns add foo

host_if=$(ns_host_ifname http2 lan)
assert_match "$host_if" '^nv[0-9a-f]{8}$' "host_ifname"
nets=$(json "$NSNET" network ls --json | norm 'sort_by(.name)')
# lan's resolver: its PID is the dnsmasq that runs (docs/dns.md); v6 was made with --no-dns.
pid=$(printf '%s' "$nets" | jq '.[] | select(.name == "lan") | .dns.pid')
assert_match "$pid" '^[1-9][0-9]*$' "network ls --json: lan's resolver PID"
assert_eq "$(cat /proc/"$pid"/comm)" "dnsmasq" "the process of lan's resolver PID"
assert_eq "$nets" "$(norm <<J
[{"name":"lan","bridge":"nsnet-lan","subnets":["10.0.0.0/24"],"gateways":["10.0.0.1"],"nat":true,"internal":false,"mtu":1500,"namespaces":["http2"],
  "dns":{"domain":"lan","pid":$pid,"running":true,"servers":["10.0.0.1"],"upstream":[]},
  "attachments":[{"namespace":"http2","ifname":"eth0","host_ifname":"$host_if","addresses":["10.0.0.2"]}]},
 {"name":"v6","bridge":"nsnet-v6","subnets":["fd00:10::/64"],"gateways":["fd00:10::1"],"nat":false,"internal":true,"mtu":1400,"namespaces":[],"attachments":[]}]
J
)" "network ls --json"

nss=$(json "$NSNET" ns ls --json | norm 'sort_by(.name)')
assert_eq "$nss" "$(norm <<J
[{"name":"foo","managed":false,"exists":true,"attachments":[]},
 {"name":"http2","managed":true,"exists":true,"attachments":[{"network":"lan","ifname":"eth0","host_ifname":"$host_if","addresses":["10.0.0.2"]}]}]
J
)" "ns ls --json"

all=$(json "$NSNET" ls --json | norm '{networks: (.networks | sort_by(.name)), namespaces: (.namespaces | sort_by(.name)), vips: .vips, ports: .ports}')
assert_eq "$all" "$(printf '{"namespaces":%s,"networks":%s,"ports":[],"vips":[]}' "$nss" "$nets" | norm)" "ls --json"

text=$(run_ok "$NSNET" ls)
for w in lan v6 http2 foo 10.0.0.2; do assert_match "$text" "$w" "ls (text)"; done
text=$(run_ok "$NSNET" network ls)
for w in lan v6 nsnet-lan 10.0.0.0/24 fd00:10::/64; do assert_match "$text" "$w" "network ls (text)"; done

ip netns del foo
run_ok "$NSNET" ns rm http2 >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm v6 >/dev/null
leak_check
