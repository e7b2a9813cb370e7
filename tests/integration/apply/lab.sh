# SPDX-License-Identifier: MIT
# What the apply tests share (sourced, never run): issue 16's lab file as $T_TMP/lab1.yaml (in $F),
# after lib.sh. lab_other writes a second project's file, $T_TMP/other.yaml, and applies it.
cat >"$T_TMP/lab1.yaml" <<'YAML'
version: 1
project: lab1
networks:
  lan: {subnet: [10.10.0.0/24, "fd00:10::/64"]}
  db:  {subnet: 10.20.0.0/24, internal: true}
namespaces:
  web1: {networks: [lan]}
  web2: {networks: [{network: lan, ip: 10.10.0.12}], dns: [192.0.2.53]}
  app:  {networks: [db, lan]}
vips:
  - {vip: "10.100.0.1:80/tcp", backends: ["web1:8080", "web2:8080"], name: web}
publish:
  - {namespace: web1, port: "8080:8080/tcp"}
YAML
F=$T_TMP/lab1.yaml

lab_other() {
	cat >"$T_TMP/other.yaml" <<'YAML'
version: 1
project: other
networks: {side: {subnet: 10.30.0.0/24}}
namespaces: {s1: {networks: [side]}}
vips: [{vip: "10.100.0.9:53/udp", backends: ["s1:53"]}]
YAML
	run_ok "$NSNET" apply "$T_TMP/other.yaml" >/dev/null
}

# lab_edit: $T_TMP/lab1e.yaml, an edit of the lab with every kind of change: web2 removed (and
# its backend and published port gone), db's subnet changed (replaced, app attached again),
# web3 added, the VIP's backends changed. Its network db's bridge is named by $1 (a name the
# caller may take first to make the apply fail after its removals).
lab_edit() {
	sed -e 's/, "web2:8080"//' -e '/^  web2:/d' \
	    -e "s|db:  {subnet: 10.20.0.0/24, internal: true}|db:  {subnet: 10.21.0.0/24, internal: true, bridge: $1}|" \
	    -e 's/^  app: /  web3: {networks: [lan]}\n  app: /' "$F" >"$T_TMP/lab1e.yaml"
}
