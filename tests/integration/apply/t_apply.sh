#!/bin/sh
# SPDX-License-Identifier: MIT
# nsnet apply of issue 16's topology file, as written: traffic (web1 <-> web2, app to db and lan,
# the VIP, the published port from wan); plan of the same file has nothing to do (exit 0); an edit
# (a backend removed, a namespace added, one removed) planned (exit 2, its lines) and applied with
# the untouched namespaces' interfaces unchanged; a changed subnet (the network replaced, its
# namespaces attached again); export -> down -> apply -> export gives the same file; a second
# project beside it, each down removing only its own; the JSON form of the file.
# timeout: 300
. "$(dirname "$0")/../lib/lib.sh"

. "$(dirname "$0")/lab.sh"

# 1. Plan of a fresh system: every object is a "+", exit status 2.
rc=0; "$NSNET" plan "$F" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of plan before apply"
assert_eq "$(grep -c '^+ ' "$T_TMP/plan")" 7 "plan lines before apply: $(cat "$T_TMP/plan")"

# 2. Apply, then traffic.
out=$(run_ok "$NSNET" apply "$F")
assert_match "$out" '^apply lab1: 7 changes$' "apply output"
run_ok "$NSNET" check >/dev/null
assert_eq "$(ns_addrs web2 lan | head -n 1)" 10.10.0.12 "web2's fixed address"
assert_eq "$(grep nameserver /etc/netns/web2/resolv.conf)" "nameserver 192.0.2.53" "web2 resolv.conf"
web1=$(ns_addrs web1 lan | head -n 1)
ping_ok web1 10.10.0.12
ping_ok web2 "$web1"
ping_ok app 10.20.0.1
ping_ok app "$web1"
assert_eq "$(default_route app)" "10.10.0.1 eth1" "app's default route (db is internal)"
make_wan
start_server web1 8080
start_server web2 8080
[ -n "$(tcp_get app 10.100.0.1 80)" ] || fail "app gets no answer through VIP 10.100.0.1:80"
assert_eq "$(tcp_get wan 192.0.2.1 8080)" "192.0.2.2" "wan through published port 8080 to web1"

# 3. The same file again: nothing to do, plan exit 0, apply changes nothing.
rc=0; "$NSNET" plan "$F" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 0 "exit status of plan after apply ($(cat "$T_TMP/plan"))"
assert_eq "$(cat "$T_TMP/plan")" "" "plan output after apply"
before=$(snapshot)
assert_eq "$(run_ok "$NSNET" apply "$F")" "apply lab1: nothing to do" "second apply"
assert_unchanged "$before" "a second apply of the same file"

# 4. An edit: web2 leaves the VIP and the file, web3 comes.
idx() { ip -n "$1" -o link show "$2" | cut -d: -f1; }
hidx() { ip -o link show "$(ns_host_ifname "$1" "$2")" | cut -d: -f1; }
keep="$(idx web1 eth0) $(idx app eth0) $(idx app eth1) $(hidx web1 lan) $(hidx app db) $(hidx app lan)"
sed -e 's/, "web2:8080"//' -e '/^  web2:/d' -e 's/^  app: /  web3: {networks: [lan]}\n  app: /' "$F" >"$T_TMP/lab1b.yaml"
rc=0; "$NSNET" plan "$T_TMP/lab1b.yaml" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of plan of the edit"
assert_eq "$(sort "$T_TMP/plan")" "$(printf '%s\n' '+ namespace web3 (lan)' '- namespace web2 (no longer in the file)' \
	'~ vip 10.100.0.1:80/tcp (backends web1:8080 web2:8080 -> web1:8080)' | sort)" "plan of the edit"
rc=0; "$NSNET" plan --json "$T_TMP/lab1b.yaml" >"$T_TMP/plan.json" || rc=$?
assert_eq "$rc" 2 "exit status of plan --json"
assert_eq "$(jq -c '[.changes, [.lines[].action]]' "$T_TMP/plan.json")" '[3,["+","-","~"]]' "plan --json"
run_ok "$NSNET" apply --force "$T_TMP/lab1b.yaml" >/dev/null
assert_eq "$(idx web1 eth0) $(idx app eth0) $(idx app eth1) $(hidx web1 lan) $(hidx app db) $(hidx app lan)" "$keep" \
	"ifindexes of the untouched namespaces' interfaces"
assert_eq "$(ns_names | grep -v "^wan$" | tr "\n" " ")" "app web1 web3 " "namespaces after the edit"
assert_eq "$(json "$NSNET" vip ls --json | jq -c '[.[].backends[].namespace]')" '["web1"]' "VIP backends after the edit"
# (masqueraded on the backend's own network: web1 sees the gateway, docs/services.md)
assert_eq "$(tcp_get app 10.100.0.1 80)" 10.10.0.1 "app through the VIP to web1"
rc=0; "$NSNET" plan "$T_TMP/lab1b.yaml" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 0 "plan after the edit"

# 4b. A changed subnet replaces the network and attaches its namespaces again (same namespace).
w1=$(idx web1 eth0)
sed 's|10.20.0.0/24|10.21.0.0/24|' "$T_TMP/lab1b.yaml" >"$T_TMP/lab1c.yaml"
rc=0; "$NSNET" plan "$T_TMP/lab1c.yaml" >"$T_TMP/plan" 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of plan of a changed subnet"
assert_match "$(cat "$T_TMP/plan")" '^-/\+ network db \(subnet 10\.20\.0\.0/24 -> 10\.21\.0\.0/24\)$' "plan of a changed subnet"
assert_match "$(cat "$T_TMP/plan")" '^~ namespace app \(detach db; attach db\)$' "plan of a changed subnet"
run_ok "$NSNET" apply "$T_TMP/lab1c.yaml" >/dev/null
ping_ok app 10.21.0.1
assert_eq "$(idx web1 eth0)" "$w1" "web1's eth0 after db was replaced"
run_ok "$NSNET" check >/dev/null
stop_servers

# 5. Export round trip: export -> down -> apply -> export gives the same file.
run_ok "$NSNET" export --project lab1 >"$T_TMP/exp1.yaml"
run_ok "$NSNET" down --project lab1 >/dev/null
assert_eq "$(json "$NSNET" ls --json | jq -c '[.networks, [.namespaces[] | select(.managed)], .vips, .ports]')" '[[],[],[],[]]' "after down"
# The bridges are deleted by a process of their own (docs/topology.md): right away they hold no
# address and route nothing, check agrees, and they are gone soon after.
assert_eq "$(ip -o addr show | grep -c ' 10\.[12]0\.0\.1/24')" 0 "gateway addresses left on the host right after down"
assert_eq "$(ip route show | grep -c '10\.[12]0\.0\.0/24')" 0 "subnet routes left right after down"
run_ok "$NSNET" check >/dev/null
no_bridges() { ! ip -o link show | grep -q ' nsnet-'; }
wait_until 10 no_bridges || fail "bridges left 10 s after down: $(ip -o link show | grep ' nsnet-')"
run_ok "$NSNET" apply "$T_TMP/exp1.yaml" >/dev/null
run_ok "$NSNET" export --project lab1 >"$T_TMP/exp2.yaml"
diff -u "$T_TMP/exp1.yaml" "$T_TMP/exp2.yaml" >&2 || fail "export -> down -> apply -> export differs"

# 6. A second project beside it (using lab1's lan as external), and one made by hand.
cat >"$T_TMP/lab2.json" <<'JSON'
{"version": 1, "project": "lab2",
 "networks": {"lan": {"external": true}, "back": {"subnet": "10.30.0.0/24", "mtu": 1400, "nat": false}},
 "namespaces": {"x1": {"networks": [{"network": "back", "ifname": "back0"}, "lan"]}},
 "publish": [{"namespace": "x1", "port": "127.0.0.1:9090:90", "protocol": "udp"}]}
JSON
run_ok "$NSNET" apply "$T_TMP/lab2.json" >/dev/null
run_ok "$NSNET" network create byhand --subnet 10.40.0.0/24 >/dev/null
assert_eq "$(ip -n x1 -o link show back0 | grep -o 'mtu [0-9]*')" "mtu 1400" "x1's back0"
# lab1's down would take lan from under x1 (lab2's): refused, nothing changed.
before=$(snapshot)
run_fail_status 1 'down lab1: .*namespace x1' "$NSNET" down --project lab1
assert_unchanged "$before" "a refused down"
run_ok "$NSNET" down "$T_TMP/lab2.json" >/dev/null
assert_eq "$(json "$NSNET" network ls --json | jq -c '[.[].name]')" '["byhand","db","lan"]' "networks after lab2's down"
run_ok "$NSNET" down --project lab1 >/dev/null
assert_eq "$(json "$NSNET" network ls --json | jq -c '[.[].name]')" '["byhand"]' "networks after lab1's down"
run_ok "$NSNET" network rm byhand >/dev/null
