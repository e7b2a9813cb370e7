#!/bin/sh
# SPDX-License-Identifier: MIT
# The topology keys of the CLI's name and bandwidth options (docs/topology.md): a network's
# resolver (dns: false, domain, dns_upstream), a namespace's and an attachment's aliases and
# limits (rate_in, rate_out, burst). Applied: the names answer, the tbf qdiscs are there, the
# resolver's upstream is the file's, a network with dns: false has none; plan says nothing to do.
# A changed rate and changed aliases are set in place (same interfaces), a changed fixed address
# attaches that network again,
# a changed domain replaces the network; export -> down -> apply -> export gives the same file.
# With fault injection, the edit killed at a sample of its steps is rolled back whole by gc.
# timeout: 300
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

# docs/topology.schema.json names the keys the loader takes, for each kind of object: the
# loader's own list is in its refusal of an unknown key.
schema=$(dirname "$0")/../../../docs/topology.schema.json
loader_keys() {
	printf 'version: 1\nproject: p\n%s\n' "$1" >"$T_TMP/k.yaml"
	"$NSNET" plan "$T_TMP/k.yaml" 2>&1 | sed -n 's/.*(expected \(.*\))$/\1/p' | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' '
}
schema_keys() { jq -r "$1 | keys[]" "$schema" | sort | tr '\n' ' '; }
keys=$(loader_keys 'networks: {n: {zz: 1}}')
assert_match "$keys" '^bridge dns dns_upstream domain driver external gateway internal mtu nat subnet $' "the loader's network keys"
assert_eq "$keys" "$(schema_keys '."$defs".network.oneOf[1].properties')" "network keys: loader and schema"
assert_eq "$(loader_keys 'networks: {n: {subnet: 10.0.0.0/24}}
namespaces: {a: {zz: 1}}')" "$(schema_keys '."$defs".namespace.oneOf[1].properties')" "namespace keys: loader and schema"
assert_eq "$(loader_keys 'networks: {n: {subnet: 10.0.0.0/24}}
namespaces: {a: {networks: [{network: n, zz: 1}]}}')" "$(schema_keys '."$defs".attachment.oneOf[1].properties')" \
	"attachment keys: loader and schema"
assert_eq "$(loader_keys 'zz: 1')" "$(schema_keys '.properties')" "top-level keys: loader and schema"

cat >"$T_TMP/keys.yaml" <<'YAML'
version: 1
project: keys
networks:
  lan: {subnet: 10.10.0.0/24, domain: lab.test, dns_upstream: [192.0.2.53]}
  quiet: {subnet: 10.30.0.0/24, dns: false}
namespaces:
  web1: {networks: [{network: lan, aliases: [www, api]}], rate_in: 10mbit}
  web2: {networks: [lan, {network: quiet, rate_out: 5mbit, burst: 64kb}], aliases: db}
YAML
F=$T_TMP/keys.yaml
plan_rc() { rc=0; "$NSNET" plan "$1" >"$T_TMP/plan" 2>&1 || rc=$?; echo "$rc"; }
tbf() { ip ${1:+-n "$1"} -o link show "$2" >/dev/null && tc ${1:+-n "$1"} qdisc show dev "$2" | grep -o 'tbf .* rate [^ ]* burst [^ ]*' | sed 's/ [0-9a-f]*: root refcnt [0-9]*//'; }

run_ok "$NSNET" apply "$F" >/dev/null
assert_eq "$(plan_rc "$F")" 0 "plan after apply ($(cat "$T_TMP/plan"))"
run_ok "$NSNET" check >/dev/null

# The resolver of lan: its domain, aliases from the namespace and from the attachment, its upstream.
web1=$(ns_addrs web1 lan | head -n 1)
web2=$(ns_addrs web2 lan | head -n 1)
assert_eq "$(dns_answers web2 10.10.0.1 www.lab.test A)" "A $web1" "an attachment's alias under the file's domain"
assert_eq "$(dns_answers web2 10.10.0.1 api A)" "A $web1" "a second alias"
assert_eq "$(dns_answers web1 10.10.0.1 db.lab.test A)" "A $web2" "a namespace's alias"
assert_eq "$(grep '^server=' "$STATE_DIR/dns/lan/dnsmasq.conf")" "server=192.0.2.53" "dns_upstream"
assert_eq "$(grep -v '^#' /etc/netns/web1/resolv.conf | tr '\n' ' ')" "nameserver 10.10.0.1 search lab.test " "web1's resolv.conf"
# quiet has no resolver: no folder, no process, nothing on its gateway's port 53.
[ ! -e "$STATE_DIR/dns/quiet" ] || fail "network quiet (dns: false) has a resolver folder"
assert_eq "$(json "$NSNET" network ls --json | jq -c '[.[] | {(.name): (.dns != null)}] | add')" \
	'{"lan":true,"quiet":false}' "networks with a resolver"

# Limits: "in" on the host end, "out" on the namespace's own end; burst as given or the default.
assert_eq "$(tbf "" "$(ns_host_ifname web1 lan)")" "tbf rate 10Mbit burst 16Kb" "web1's rate_in on lan"
assert_eq "$(tbf web2 eth1)" "tbf rate 5Mbit burst 64Kb" "web2's rate_out on quiet"
assert_eq "$(tbf web2 eth0)" "" "web2 on lan: no limit"

# A changed rate and changed aliases: in place, the interfaces stay.
# (ifindexes of the host ends: an interface inside a namespace made again gets the same one)
hidx() { ip -o link show "$(ns_host_ifname "$1" "$2")" | cut -d: -f1; }
sed -e 's/rate_in: 10mbit/rate_in: 20mbit/' -e 's/aliases: db/aliases: [db, cache]/' -e 's/rate_out: 5mbit, burst: 64kb/rate_out: 5mbit, burst: 64kb, aliases: db/' \
	"$F" >"$T_TMP/keys2.yaml"
# Killed at a sample of the edit's steps (a build with fault injection), then gc: limits, names
# and records as before.
state() { tbf "" "$(ns_host_ifname web1 lan)"; tbf web2 eth1; json "$NSNET" ns ls --json; ls "$STATE_DIR/dns/lan/hosts"; }
if require_fault_injection_soft; then
	before=$(state)
	n=1
	while :; do
		rc=0
		NSNET_FAULT=$n "$NSNET" apply "$T_TMP/keys2.yaml" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 137 ] || break
		run_ok "$NSNET" gc >/dev/null
		assert_eq "$(state)" "$before" "limits, names and records after the edit killed at step $n, then gc"
		run_ok "$NSNET" check >/dev/null
		n=$((n + 2))
	done
	assert_eq "$rc" 0 "exit status of the edit, not killed at step $n"
	[ "$n" -ge 5 ] || fail "the edit was killed at only $((n / 2)) steps"
	run_ok "$NSNET" down --project keys >/dev/null
	run_ok "$NSNET" apply "$F" >/dev/null
fi
w1=$(hidx web1 lan); w2q=$(hidx web2 quiet); w2l=$(hidx web2 lan)
assert_eq "$(plan_rc "$T_TMP/keys2.yaml")" 2 "plan of the edit"
assert_eq "$(cat "$T_TMP/plan")" "$(printf '%s\n' '~ namespace web1 (limits on lan)' '~ namespace web2 (aliases on lan)')" \
	"plan lines of the edit"
run_ok "$NSNET" apply "$T_TMP/keys2.yaml" >/dev/null
assert_eq "$(hidx web1 lan)" "$w1" "web1's host end on lan after its rate changed"
assert_eq "$(hidx web2 quiet)" "$w2q" "web2's host end on quiet (its aliases there did not change)"
assert_eq "$(hidx web2 lan)" "$w2l" "web2's host end on lan after its aliases there changed (in place)"
assert_eq "$(tbf "" "$(ns_host_ifname web1 lan)")" "tbf rate 20Mbit burst 25Kb" "web1's new rate_in"
assert_eq "$(dns_answers web1 10.10.0.1 cache.lab.test A)" "A $(ns_addrs web2 lan | head -n 1)" "web2's new alias"
assert_eq "$(plan_rc "$T_TMP/keys2.yaml")" 0 "plan after the edit ($(cat "$T_TMP/plan"))"
run_ok "$NSNET" check >/dev/null

# Limits removed from the file: their qdiscs go.
sed 's/, rate_out: 5mbit, burst: 64kb//' "$T_TMP/keys2.yaml" >"$T_TMP/keys3.yaml"
assert_eq "$(plan_rc "$T_TMP/keys3.yaml")" 2 "plan of limits removed"
assert_eq "$(cat "$T_TMP/plan")" "~ namespace web2 (limits on quiet)" "plan line of limits removed"
run_ok "$NSNET" apply "$T_TMP/keys3.yaml" >/dev/null
assert_eq "$(tbf web2 eth1)" "" "web2's rate_out removed"
assert_eq "$(hidx web2 quiet)" "$w2q" "web2's host end on quiet after its limit went"

# A fixed address that is not the one leased: that network attached again, the plan says why.
sed 's/{network: lan, aliases: \[www, api\]}/{network: lan, ip: 10.10.0.50, aliases: [www, api]}/' "$T_TMP/keys3.yaml" >"$T_TMP/keys3b.yaml"
assert_eq "$(plan_rc "$T_TMP/keys3b.yaml")" 2 "plan of a fixed address"
assert_eq "$(cat "$T_TMP/plan")" "~ namespace web1 (detach lan; attach lan: address changed)" "plan line of a fixed address"
run_ok "$NSNET" apply "$T_TMP/keys3b.yaml" >/dev/null
assert_eq "$(ns_addrs web1 lan | head -n 1)" 10.10.0.50 "web1's fixed address"
assert_eq "$(tbf "" "$(ns_host_ifname web1 lan)")" "tbf rate 20Mbit burst 25Kb" "web1's rate_in on its new host end"
assert_eq "$(dns_answers web2 10.10.0.1 www.lab.test A)" "A 10.10.0.50" "web1's alias, at its new address"
cp "$T_TMP/keys3b.yaml" "$T_TMP/keys3.yaml"

# A changed domain replaces the network.
sed 's/domain: lab.test/domain: lab2.test/' "$T_TMP/keys3.yaml" >"$T_TMP/keys4.yaml"
assert_eq "$(plan_rc "$T_TMP/keys4.yaml")" 2 "plan of a changed domain"
assert_match "$(cat "$T_TMP/plan")" '^-/\+ network lan \(domain lab\.test -> lab2\.test\)$' "plan of a changed domain"
run_ok "$NSNET" apply "$T_TMP/keys4.yaml" >/dev/null
assert_eq "$(dns_answers web2 10.10.0.1 www.lab2.test A)" "A $(ns_addrs web1 lan | head -n 1)" "names under the new domain"
run_ok "$NSNET" check >/dev/null

# Export round trip.
run_ok "$NSNET" export --project keys >"$T_TMP/exp1.yaml"
assert_match "$(cat "$T_TMP/exp1.yaml")" 'rate_in: 20mbit' "export has the limits"
assert_match "$(cat "$T_TMP/exp1.yaml")" 'dns: false' "export has dns: false"
run_ok "$NSNET" down --project keys >/dev/null
run_ok "$NSNET" apply "$T_TMP/exp1.yaml" >/dev/null
run_ok "$NSNET" export --project keys >"$T_TMP/exp2.yaml"
diff -u "$T_TMP/exp1.yaml" "$T_TMP/exp2.yaml" >&2 || fail "export -> down -> apply -> export differs"
run_ok "$NSNET" down --project keys >/dev/null
