# SPDX-License-Identifier: MIT
# Helpers for the CNI tests (t_cni_*.sh): run CNI plugins by hand, and run a conflist the way
# libcni does. Sourced after lib.sh, so it runs inside tests/sandbox.sh. POSIX sh + jq.
#
# Theory of operation: a runtime calls a plugin by exec'ing CNI_PATH/<type> with CNI_COMMAND,
# CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH (and CNI_ARGS) in its environment and the
# network configuration on stdin; the plugin prints a result (or a CNI error) as JSON on stdout.
# For a conflist, libcni builds each plugin's configuration from the list's plugin entry plus the
# list's `name` and `cniVersion`, the `runtimeConfig` keys the plugin declared in `capabilities`,
# and (ADD) the previous plugin's result as `prevResult`. It caches the last result; CHECK runs
# the plugins in order and DEL in reverse order, each given that cached result as `prevResult`.
# cni_add/cni_check/cni_del below do exactly this, with the cache in $CNI_CACHE.
#
# The plugin dir $CNI_BIN holds symlinks to every reference plugin in $CNI_REF_DIR and `nsnet`
# pointing at $NSNET, so a configuration names nsnet as "type": "nsnet" the way an engine would.
#
# Checks after DEL are split in two:
#   - the container's own things (always a failure when left): the host side of its veth and any
#     other host link the ADD result listed, iptables/nft rules naming its address or ID, and
#     chains other than the reference portmap's shared ones, host-local leases, nsnet records
#     naming the container;
#   - the network's shared things after the last DEL: the bridge, and the empty shared chains the
#     reference portmap installs once (CNI-HOSTPORT-*). The reference bridge plugin never removes
#     its bridge, so for it these are reported and cleaned up by cni_network_cleanup; with
#     CNI_STRICT=1 (the default when nsnet is the main plugin) a bridge left behind is a failure.

CNI_REF_DIR=${CNI_REF_DIR:-/usr/lib/cni}
CNI_VERSION=${CNI_VERSION:-1.0.0}
CNI_BIN=$T_TMP/cni-bin
CNI_CACHE=$T_TMP/cni-cache
CNI_LOG=$T_TMP/cni-log
# host-local keeps leases in dataDir (default /var/lib/cni/networks, on the real disk): every
# configuration here points it into the sandbox's /run.
CNI_HL_DIR=$T_TMP/host-local
mkdir -p "$CNI_BIN" "$CNI_CACHE" "$CNI_LOG" "$CNI_HL_DIR"

# Safety net: nothing a plugin or runtime might write under /var/lib/cni reaches the disk.
if [ -d /var/lib/cni ]; then mount -t tmpfs -o mode=0755 nsnet-sandbox-cni /var/lib/cni; fi

# cni_need_reference PLUGIN...: skip unless the reference plugins are installed.
cni_need_reference() {
	for p in "$@"; do
		[ -x "$CNI_REF_DIR/$p" ] ||
			skip "reference CNI plugin $CNI_REF_DIR/$p is missing (tests/deps.sh installs containernetworking-plugins)"
	done
}

# cni_nsnet_answers: nsnet speaks CNI (VERSION prints JSON listing supportedVersions).
cni_nsnet_answers() {
	out=$(CNI_COMMAND=VERSION timeout 5 "$NSNET" </dev/null 2>/dev/null) || return 1
	printf '%s' "$out" | jq -e '.supportedVersions | length > 0' >/dev/null 2>&1
}

# cni_need_nsnet: skip until nsnet answers CNI.
cni_need_nsnet() {
	cni_nsnet_answers || skip "nsnet does not answer CNI yet (CNI_COMMAND=VERSION $NSNET prints no supportedVersions)"
}

# cni_need TYPE...: skip unless every plugin type is usable: nsnet must answer CNI, the others
# must be installed reference plugins.
cni_need() {
	for p in "$@"; do
		if [ "$p" = nsnet ]; then cni_need_nsnet; else cni_need_reference "$p"; fi
	done
}

# The plugin dir: every reference plugin, and nsnet under its CNI name.
for p in "$CNI_REF_DIR"/*; do
	[ -x "$p" ] && ln -sf "$p" "$CNI_BIN/${p##*/}"
done
ln -sf "$NSNET" "$CNI_BIN/nsnet"

# --- One plugin ---------------------------------------------------------------------------------

# cni_exec COMMAND CONFFILE CONTAINERID NETNS IFNAME [CNI_ARGS]: exec the plugin named by the
# configuration's "type" the way a runtime does; its stdout is printed, its stderr kept in
# $CNI_LOG/last.err. Returns the plugin's exit status (124 when it ran over T_CMD_TIMEOUT).
cni_exec() (
	ptype=$(jq -r '.type' "$2") || fail "cni_exec: $2 is not JSON"
	[ -x "$CNI_BIN/$ptype" ] || fail "cni_exec: no plugin '$ptype' in $CNI_BIN"
	# Only what a runtime passes (plus PATH, which plugins need to find iptables): nothing of the
	# test's own environment leaks in, except the sanitizer settings of an ASan build.
	env -i PATH="$PATH" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${NSNET_STATE_DIR:+NSNET_STATE_DIR="$NSNET_STATE_DIR"} \
		CNI_COMMAND="$1" CNI_CONTAINERID="$3" CNI_NETNS="$4" CNI_IFNAME="$5" \
		CNI_PATH="$CNI_BIN" ${6:+CNI_ARGS="$6"} \
		timeout -k 2 "$T_CMD_TIMEOUT" "$CNI_BIN/$ptype" <"$2" 2>"$CNI_LOG/last.err"
)

# cni_version_of TYPE: the plugin's VERSION answer (supportedVersions JSON).
cni_version_of() (
	printf '{"cniVersion":"%s"}' "$CNI_VERSION" >"$CNI_LOG/version.json"
	env -i PATH="$PATH" CNI_COMMAND=VERSION timeout 5 "$CNI_BIN/$1" <"$CNI_LOG/version.json"
)

# --- A conflist, the way libcni runs it ---------------------------------------------------------

# cni_plugin_conf LIST INDEX RUNTIMECONF PREVRESULT_FILE: the configuration libcni gives plugin
# INDEX of LIST: the plugin entry + name + cniVersion + runtimeConfig (only the keys the plugin
# declared in "capabilities") + prevResult (when PREVRESULT_FILE is not empty).
cni_plugin_conf() (
	if [ -n "$4" ]; then prev=$4; else prev=/dev/null; fi
	rt=${3:-}
	[ -n "$rt" ] || rt='{}'
	jq -c --argjson i "$2" --argjson rt "$rt" --slurpfile prev "$prev" '
		.plugins[$i] + {name: .name, cniVersion: .cniVersion}
		| (.capabilities // {}) as $caps
		| ($rt | with_entries(select($caps[.key] == true))) as $r
		| (if ($r | length) > 0 then . + {runtimeConfig: $r} else . end)
		| (if ($prev | length) > 0 then . + {prevResult: $prev[0]} else . end)' "$1"
)

cni_cache_file() { # LIST CONTAINERID IFNAME
	echo "$CNI_CACHE/$(jq -r .name "$1")-$2-$3.json"
}

# cni_add LIST CONTAINERID NETNS IFNAME [RUNTIMECONF_JSON] [CNI_ARGS]: ADD through every plugin
# of LIST in order, each given the previous result; prints the final result and caches it. On a
# failure it stops (as libcni does; the runtime then calls DEL), prints the plugin's output (the
# CNI error) and returns 1; the failing plugin's error is then in $CNI_LOG/error.json. Each call
# keeps its files in a directory of its own under $CNI_LOG, so calls for different containers
# may run in parallel.
cni_add() (
	CNI_TOP=$CNI_LOG CNI_LOG=$CNI_LOG/add.$2.$4
	mkdir -p "$CNI_LOG"
	n=$(jq '.plugins | length' "$1")
	prev=
	i=0
	while [ "$i" -lt "$n" ]; do
		cni_plugin_conf "$1" "$i" "${5:-}" "$prev" >"$CNI_LOG/conf.$i.json"
		rc=0
		cni_exec ADD "$CNI_LOG/conf.$i.json" "$2" "$3" "$4" "${6:-}" >"$CNI_LOG/result.$i.json" || rc=$?
		if [ "$rc" != 0 ]; then
			cp "$CNI_LOG/result.$i.json" "$CNI_TOP/error.json"
			echo "cni_add: $(jq -r '.type' "$CNI_LOG/conf.$i.json") ADD for $2 failed (exit status $rc): $(cat "$CNI_LOG/result.$i.json") $(cat "$CNI_LOG/last.err")" >&2
			return 1
		fi
		jq -e '.cniVersion' "$CNI_LOG/result.$i.json" >/dev/null 2>&1 || {
			echo "cni_add: $(jq -r '.type' "$CNI_LOG/conf.$i.json") ADD for $2 printed no result: $(cat "$CNI_LOG/result.$i.json")" >&2
			return 1
		}
		prev=$CNI_LOG/result.$i.json
		i=$((i + 1))
	done
	cp "$prev" "$(cni_cache_file "$1" "$2" "$4")"
	cat "$prev"
)

# cni_del LIST CONTAINERID NETNS IFNAME [RUNTIMECONF_JSON] [CNI_ARGS]: DEL through every plugin in
# reverse order, each given the cached ADD result (when there is one) as prevResult; then drops
# the cache entry. Stops at the first failure like libcni (returns 1, error in the log).
cni_del() (
	CNI_TOP=$CNI_LOG CNI_LOG=$CNI_LOG/del.$2.$4
	mkdir -p "$CNI_LOG"
	cache=$(cni_cache_file "$1" "$2" "$4")
	[ -f "$cache" ] || cache=
	i=$(jq '.plugins | length' "$1")
	while [ "$i" -gt 0 ]; do
		i=$((i - 1))
		cni_plugin_conf "$1" "$i" "${5:-}" "$cache" >"$CNI_LOG/conf.del.$i.json"
		rc=0
		cni_exec DEL "$CNI_LOG/conf.del.$i.json" "$2" "$3" "$4" "${6:-}" >"$CNI_LOG/del.$i.out" || rc=$?
		if [ "$rc" != 0 ]; then
			cp "$CNI_LOG/del.$i.out" "$CNI_TOP/error.json"
			echo "cni_del: $(jq -r '.type' "$CNI_LOG/conf.del.$i.json") DEL for $2 failed (exit status $rc): $(cat "$CNI_LOG/del.$i.out") $(cat "$CNI_LOG/last.err")" >&2
			return 1
		fi
	done
	[ -z "$cache" ] || rm -f "$cache"
)

# cni_check LIST CONTAINERID NETNS IFNAME [RUNTIMECONF_JSON]: CHECK through every plugin in order
# with the cached result as prevResult (cniVersion >= 0.4.0). Returns 1 on the first failure.
cni_check() (
	CNI_TOP=$CNI_LOG CNI_LOG=$CNI_LOG/check.$2.$4
	mkdir -p "$CNI_LOG"
	cache=$(cni_cache_file "$1" "$2" "$4")
	[ -f "$cache" ] || { echo "cni_check: no cached result for $2" >&2; return 1; }
	n=$(jq '.plugins | length' "$1")
	i=0
	while [ "$i" -lt "$n" ]; do
		cni_plugin_conf "$1" "$i" "${5:-}" "$cache" >"$CNI_LOG/conf.check.$i.json"
		rc=0
		cni_exec CHECK "$CNI_LOG/conf.check.$i.json" "$2" "$3" "$4" >"$CNI_LOG/check.$i.out" || rc=$?
		# The reference portmap 1.1.1 checks IPv6 rules it never made for an IPv4-only container
		# (containernetworking/plugins#819, fixed upstream after 1.1.1): that one error is its bug.
		if [ "$rc" != 0 ] && [ "$(jq -r .type "$CNI_LOG/conf.check.$i.json")" = portmap ] &&
			jq -e '.msg | test("could not check ipv6 dnat")' "$CNI_LOG/check.$i.out" >/dev/null 2>&1 &&
			! jq -e '.ips[]? | select(.address | test(":"))' "$cache" >/dev/null 2>&1; then
			echo "# cni_check: ignoring the reference portmap's IPv6 CHECK bug (plugins#819)" >&2
			rc=0
		fi
		if [ "$rc" != 0 ]; then
			cp "$CNI_LOG/check.$i.out" "$CNI_TOP/error.json"
			echo "cni_check: $(jq -r '.type' "$CNI_LOG/conf.check.$i.json") CHECK for $2 failed (exit status $rc): $(cat "$CNI_LOG/check.$i.out") $(cat "$CNI_LOG/last.err")" >&2
			return 1
		fi
		i=$((i + 1))
	done
)

# cni_gc LIST VALID_JSON: GC (spec 1.1.0) through every plugin of LIST, each given
# "cni.dev/valid-attachments": VALID_JSON (e.g. '[{"containerID":"c1","ifname":"eth0"}]').
cni_gc() (
	CNI_TOP=$CNI_LOG CNI_LOG=$CNI_LOG/gc
	mkdir -p "$CNI_LOG"
	n=$(jq '.plugins | length' "$1")
	i=0
	while [ "$i" -lt "$n" ]; do
		cni_plugin_conf "$1" "$i" "" "" |
			jq -c --argjson v "$2" '. + {"cni.dev/valid-attachments": $v}' >"$CNI_LOG/conf.gc.$i.json"
		cni_exec GC "$CNI_LOG/conf.gc.$i.json" "" "" "" >"$CNI_LOG/gc.$i.out" || {
			echo "cni_gc: $(jq -r '.type' "$CNI_LOG/conf.gc.$i.json") GC failed: $(cat "$CNI_LOG/gc.$i.out")" >&2
			return 1
		}
		i=$((i + 1))
	done
)

# cni_status LIST: STATUS (spec 1.1.0) of every plugin of LIST.
cni_status() (
	CNI_TOP=$CNI_LOG CNI_LOG=$CNI_LOG/status
	mkdir -p "$CNI_LOG"
	n=$(jq '.plugins | length' "$1")
	i=0
	while [ "$i" -lt "$n" ]; do
		cni_plugin_conf "$1" "$i" "" "" >"$CNI_LOG/conf.status.$i.json"
		cni_exec STATUS "$CNI_LOG/conf.status.$i.json" "" "" "" >"$CNI_LOG/status.$i.out" || {
			echo "cni_status: $(jq -r '.type' "$CNI_LOG/conf.status.$i.json") STATUS failed: $(cat "$CNI_LOG/status.$i.out")" >&2
			return 1
		}
		i=$((i + 1))
	done
)

# Failing forms for tests: cni_add_ok prints the result, the others print nothing.
cni_add_ok() { cni_add "$@" || fail "CNI ADD of $2 through $(jq -r '[.plugins[].type] | join(" -> ")' "$1") failed"; }
cni_del_ok() { cni_del "$@" || fail "CNI DEL of $2 through $(jq -r '[.plugins[].type] | reverse | join(" -> ")' "$1") failed"; }
cni_check_ok() { cni_check "$@" || fail "CNI CHECK of $2 failed"; }

# --- Configurations -----------------------------------------------------------------------------

# cni_ipam TYPE SUBNET GATEWAY [NAME]: an IPAM section handing out SUBNET with a default route
# via GATEWAY. Same keys for host-local and nsnet; host-local gets a dataDir in the sandbox.
cni_ipam() {
	jq -cn --arg t "$1" --arg s "$2" --arg g "$3" --arg d "$CNI_HL_DIR" '
		{type: $t, subnet: $s, gateway: $g, routes: [{dst: "0.0.0.0/0"}]}
		+ (if $t == "host-local" then {dataDir: $d} else {} end)'
}

# cni_main_plugin TYPE BRIDGE SUBNET GATEWAY [IPAM_JSON]: the main (interface) plugin entry.
# nsnet: its own IPAM from subnet/gateway unless IPAM_JSON is given. bridge: IPAM_JSON, or
# host-local on SUBNET.
cni_main_plugin() {
	ipam=${5:-}
	case $1 in
	nsnet)
		jq -cn --arg b "$2" --arg s "$3" --arg g "$4" --argjson ipam "${ipam:-null}" '
			{type: "nsnet", bridge: $b, isGateway: true, ipMasq: true}
			+ (if $ipam == null then {subnet: $s, gateway: $g} else {ipam: $ipam} end)' ;;
	*)
		[ -n "$ipam" ] || ipam=$(cni_ipam host-local "$3" "$4")
		jq -cn --arg t "$1" --arg b "$2" --argjson ipam "$ipam" '
			{type: $t, bridge: $b, isGateway: true, ipMasq: true, ipam: $ipam}' ;;
	esac
}

# cni_conflist NAME PLUGIN_JSON...: a conflist (cniVersion $CNI_VERSION) on stdout.
cni_conflist() {
	name=$1; shift
	printf '%s\n' "$@" | jq -cs --arg n "$name" --arg v "$CNI_VERSION" '{cniVersion: $v, name: $n, plugins: .}'
}

# --- Results ------------------------------------------------------------------------------------

# cni_result_ip RESULT_FILE: the container's first IPv4 address (no prefix length).
cni_result_ip() {
	jq -r '[.ips[] | .address | select(test(":") | not)][0] // empty | sub("/.*"; "")' "$1"
}

# cni_result_host_links RESULT_FILE: the host links the result lists (no sandbox), except bridges:
# the host side of the veth, and e.g. the bandwidth plugin's ifb.
cni_result_host_links() (
	set +e
	for l in $(jq -r '.interfaces[]? | select((.sandbox // "") == "") | .name' "$1"); do
		ip -d -o link show dev "$l" 2>/dev/null | grep -q ' bridge ' || echo "$l"
	done
)

# cni_result_host_veth RESULT_FILE: the host side of the container's veth.
cni_result_host_veth() (
	set +e
	for l in $(cni_result_host_links "$1"); do
		ip -d -o link show dev "$l" 2>/dev/null | grep -q ' veth ' && { echo "$l"; return 0; }
	done
	return 1
)

# cni_assert_result RESULT_FILE NETNS IFNAME: the result has the shape chained plugins rely on
# (CNI 1.0 result: the container interface with its sandbox, ips pointing at it, a host veth), and
# the container interface in NETNS really has the address.
cni_assert_result() {
	jq -e --arg s "$2" --arg i "$3" '
		(.interfaces | map(.sandbox == $s and .name == $i) | index(true)) as $c
		| $c != null and (.ips | length) > 0 and all(.ips[]; .interface == $c)' "$1" >/dev/null ||
		fail "ADD result lacks the container interface $3 in $2 with ips pointing at it: $(cat "$1")"
	cni_result_host_veth "$1" >/dev/null || fail "ADD result lists no host veth: $(cat "$1")"
	addr=$(jq -r '.ips[0].address' "$1")
	assert_match "$(ip -n "${2##*/}" -o addr show dev "$3")" " ${addr} " "address of $3 in ${2##*/}"
}

# --- What is left -------------------------------------------------------------------------------

# Rules as text: iptables (nft backend or legacy, whichever has rules) and the nft ruleset.
# Lists like this one run under the tests' set -e: a grep that finds nothing must not end them.
cni_rules() (
	set +e
	for s in iptables-save ip6tables-save iptables-legacy-save ip6tables-legacy-save; do
		command -v "$s" >/dev/null 2>&1 && "$s" 2>/dev/null | grep -v '^#'
	done
	# nsnet's anti-spoofing elements are keyed by the port's interface index; after a DEL they
	# are listed stale and deleted in bulk later (docs/reliability.md): an element whose index no
	# longer exists matches nothing, so only elements of live ports count.
	nft list tables 2>/dev/null | grep -v '^table bridge nsnet$' | while read -r _ f t; do
		nft list table "$f" "$t" 2>/dev/null
	done
	live=$(ip -o link show | cut -d: -f1 | tr '\n' ' ')
	nft -j list table bridge nsnet 2>/dev/null |
		jq -r '.nftables[].set? | select(. != null) | .elem[]? | select(type == "object" and has("concat")) | .concat | map(tostring) | join(" . ")' |
		awk -v live=" $live " 'index(live, " " $1 " ")'
	true
)

# Word match for an address: 10.22.0.2 must not match 10.22.0.20.
cni_addr_ere() { printf '(^|[^0-9.])%s([^0-9]|$)' "$(printf '%s' "$1" | sed 's/\./\\./g')"; }
# Word match for a container ID: cid-p1 must not match cid-p10.
cni_id_ere() { printf '(^|[^A-Za-z0-9_.-])%s([^A-Za-z0-9_.-]|$)' "$(printf '%s' "$1" | sed 's/[.]/\\./g')"; }

# cni_container_left CONTAINERID ADDRESS RESULT_FILE: print what the container left behind after
# its DEL (nothing when clean): the host links of its ADD result, rules naming its address or ID,
# host-local leases, nsnet records naming it. ADDRESS may be empty (unknown, e.g. after a failed
# ADD); RESULT_FILE may hold {}.
cni_container_left() (
	set +e
	for l in $(jq -r '.interfaces[]? | select((.sandbox // "") == "") | .name' "$3"); do
		ip -d -o link show dev "$l" 2>/dev/null | grep -q ' bridge ' && continue
		ip link show dev "$l" >/dev/null 2>&1 && echo "link $l"
	done
	cni_rules >"$CNI_LOG/rules.txt"
	[ -z "$2" ] || grep -E "$(cni_addr_ere "$2")" "$CNI_LOG/rules.txt" | sed 's/^/rule naming its address: /'
	grep -E "$(cni_id_ere "$1")" "$CNI_LOG/rules.txt" | sed 's/^/rule naming its ID: /'
	find "$CNI_HL_DIR" -type f 2>/dev/null | while read -r f; do
		if [ "${f##*/}" = "$2" ] || grep -qE "$(cni_id_ere "$1")" "$f"; then echo "host-local lease $f"; fi
	done
	grep -rlE "$(cni_id_ere "$1")" "$STATE_DIR" 2>/dev/null | sed 's/^/nsnet record naming it: /'
	true
)

# cni_assert_container_gone CONTAINERID ADDRESS RESULT_FILE: nothing of the container is left
# (polled: a host veth goes a little after its namespace).
cni_container_clean() { [ -z "$(cni_container_left "$@")" ]; }
cni_assert_container_gone() {
	wait_until 10 cni_container_clean "$@" && return 0
	cni_container_left "$@" | sed 's/^/left: /' >&2
	fail "DEL of $1 left things behind"
}

# The chains the reference portmap plugin creates once and never removes (shared, empty of
# anything container-specific once every container is gone), and iptables' built-in chains.
CNI_SHARED_CHAINS="CNI-HOSTPORT-DNAT CNI-HOSTPORT-MASQ CNI-HOSTPORT-SETMARK"
CNI_BUILTIN_CHAINS="PREROUTING INPUT FORWARD OUTPUT POSTROUTING"

# cni_iptables_table FAMILY NAME: the nft table is one of iptables-nft's (its chains and rules are
# judged through iptables-save, and the reference plugins leave these tables behind).
cni_iptables_table() {
	case $1:$2 in ip:filter | ip:nat | ip:mangle | ip:raw | ip:security | ip6:filter | ip6:nat | ip6:mangle | ip6:raw | ip6:security) return 0 ;; esac
	return 1
}

# cni_network_left BRIDGE: what the network left after its last DEL (nothing when clean):
# BRIDGE, ports still on it, iptables chains other than the shared/built-in ones, nft tables
# that iptables does not manage (e.g. nsnet's), nsnet records, host-local leases.
cni_network_left() (
	set +e
	ip link show dev "$1" >/dev/null 2>&1 && echo "bridge $1"
	ports=$(ip -o link show master "$1" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); printf "%s ", $2 }')
	[ -z "$ports" ] || echo "ports on $1: $ports"
	cni_rules >"$CNI_LOG/rules.txt"
	for c in $(sed -n 's/^:\([^ ]*\) .*/\1/p' "$CNI_LOG/rules.txt" | sort -u); do
		case " $CNI_SHARED_CHAINS $CNI_BUILTIN_CHAINS " in *" $c "*) ;; *) echo "iptables chain $c" ;; esac
	done
	nft list tables 2>/dev/null | while read -r _ fam name; do
		cni_iptables_table "$fam" "$name" || echo "nft table $fam $name"
	done
	# ids/backend.json is the host's firewall backend choice, kept on purpose (docs/iptables.md);
	# ids/owner.json the state dir's identity, which its links' marks name (docs/reliability.md).
	find "$STATE_DIR" -type f ! -name '*.lock' ! -name lock ! -path '*/ids/backend.json' ! -path '*/ids/owner.json' 2>/dev/null |
		sed 's/^/nsnet record /'
	find "$CNI_HL_DIR" -type f ! -name lock ! -name 'last_reserved_ip.*' 2>/dev/null | sed 's/^/host-local lease /'
	true
)

# cni_network_cleanup BRIDGE: after the last DEL, check what the network left. A port still on
# the bridge, a chain that is not shared, an nft table of someone else than iptables, a lease or
# an nsnet record is a failure; so is the bridge itself when CNI_STRICT=1 (nsnet as the main
# plugin: teardown leaves nothing). What the reference plugins leave by design (their bridge,
# the shared empty CNI-HOSTPORT-* chains and iptables' tables) is then removed, so that lib.sh's
# leak check judges the rest.
cni_network_clean() { cni_network_left "$1" | grep -qv '^bridge ' && return 1; return 0; }
cni_network_cleanup() {
	wait_until 10 cni_network_clean "$1" || {
		cni_network_left "$1" | sed 's/^/left: /' >&2
		fail "the network left things behind after its last DEL"
	}
	if ip link show dev "$1" >/dev/null 2>&1; then
		[ "${CNI_STRICT:-0}" != 1 ] || fail "bridge $1 is left after the last DEL (CNI_STRICT=1)"
		echo "# the reference bridge plugin keeps its bridge $1: removed by the test" >&2
		ip link del "$1"
	fi
	nft list tables 2>/dev/null | while read -r _ fam name; do
		if cni_iptables_table "$fam" "$name"; then nft delete table "$fam" "$name"; fi
	done
	for s in iptables-legacy ip6tables-legacy; do
		command -v "$s" >/dev/null 2>&1 || continue
		for t in nat filter mangle; do "$s" -t "$t" -F 2>/dev/null; "$s" -t "$t" -X 2>/dev/null; done
	done
	true
}

# --- Containers (network namespaces standing in for them) and traffic --------------------------

# cni_start_server NETNS PORT: the address-echo server of lib.sh in NETNS (made with ip netns
# add), tracked for cleanup; waits until it listens. Log: $T_TMP/server.NETNS.PORT.log.
cni_start_server() {
	ip netns exec "$1" python3 -c "$SERVER_PY" "$2" >"$T_TMP/server.$1.$2.log" 2>&1 </dev/null &
	track_pid $!
	wait_listen "$1" "$2"
}

# cni_tcp_ok FROM ADDR PORT EXPECTED: a connection from FROM to ADDR:PORT is answered by the
# address-echo server with EXPECTED (the client address it saw). Polled 5 s (ARP, bridge
# forwarding delay on a fresh port).
cni_tcp_is() { [ "$(tcp_get "$1" "$2" "$3")" = "$4" ]; }
cni_tcp_ok() {
	wait_until 5 cni_tcp_is "$@" && return 0
	fail "TCP from $1 to $2:$3: expected the server to see $4, got '$(tcp_get "$1" "$2" "$3" || true)'"
}
