# SPDX-License-Identifier: MIT
# Helpers for the CNI tests (t_cni_*.sh), sourced after lib.sh: run nsnet as a runtime runs a CNI
# plugin (no arguments, CNI_* in the environment, the configuration on stdin).
#
# cni VERB CONF [VAR=VALUE]...: run the plugin; stdout in $T_TMP/cni.out, stderr in
#   $T_TMP/cni.err, exit status in CNI_RC. Defaults: CNI_CONTAINERID=c1, CNI_IFNAME=eth0,
#   CNI_PATH=$CNI_BIN_DIR, CNI_NETNS unset (pass it), CNI_ARGS unset; VAR= (empty) unsets VAR.
# cni_ok VERB CONF [VAR=VALUE]...: must exit 0; prints stdout.
# cni_err CODE VERB CONF [VAR=VALUE]...: must exit non-zero with a CNI error JSON of code CODE
#   on stdout and the message on stderr.

# A plugin dir holding nsnet under its plugin name, plus the reference plugins when installed.
CNI_BIN_DIR=$T_TMP/cni-bin
mkdir -p "$CNI_BIN_DIR"
ln -s "$NSNET" "$CNI_BIN_DIR/nsnet"
for d in /usr/lib/cni /opt/cni/bin; do
	[ -d "$d" ] && CNI_BIN_DIR_REF=$d && break
done
CNI_PATH_ALL=$CNI_BIN_DIR${CNI_BIN_DIR_REF:+:$CNI_BIN_DIR_REF}

cni() {
	# Helpers share the test's variables (POSIX sh has no locals): prefixed names only.
	_cni_verb=$1 _cni_conf=$2
	shift 2
	set -- env -u CNI_NETNS -u CNI_ARGS CNI_COMMAND="$_cni_verb" CNI_CONTAINERID=c1 CNI_IFNAME=eth0 \
		CNI_PATH="$CNI_PATH_ALL" "$@" "$CNI_BIN_DIR/nsnet"
	# "VAR=" in the arguments: unset it (env(1) would set it empty).
	_cni_unset=
	for _cni_a in "$@"; do
		case $_cni_a in CNI_*=) _cni_unset="$_cni_unset -u ${_cni_a%=}" ;; esac
	done
	CNI_RC=0
	if [ -n "$_cni_unset" ]; then
		# shellcheck disable=SC2086
		printf '%s' "$_cni_conf" | timeout -k 2 "$T_CMD_TIMEOUT" env $_cni_unset "$@" >"$T_TMP/cni.out" 2>"$T_TMP/cni.err" || CNI_RC=$?
	else
		printf '%s' "$_cni_conf" | timeout -k 2 "$T_CMD_TIMEOUT" "$@" >"$T_TMP/cni.out" 2>"$T_TMP/cni.err" || CNI_RC=$?
	fi
}

cni_show() {
	echo "exit status: $CNI_RC"
	sed 's/^/  stdout: /' "$T_TMP/cni.out"
	sed 's/^/  stderr: /' "$T_TMP/cni.err"
}

cni_ok() {
	cni "$@"
	if [ "$CNI_RC" != 0 ]; then
		cni_show >&2
		fail "CNI $1 failed"
	fi
	cat "$T_TMP/cni.out"
}

cni_err() {
	_cni_want=$1; shift
	cni "$@"
	_cni_got=$(jq -r '.code' "$T_TMP/cni.out" 2>/dev/null || echo "not JSON")
	if [ "$CNI_RC" = 0 ] || [ "$_cni_got" != "$_cni_want" ] ||
		! jq -e '(.msg | type == "string") and (.cniVersion | type == "string")' "$T_TMP/cni.out" >/dev/null 2>&1 ||
		! grep -q '^nsnet: CNI ' "$T_TMP/cni.err"; then
		cni_show >&2
		fail "CNI $1: expected error code $_cni_want, got $_cni_got"
	fi
}

# cni_msg: the message of the last error.
cni_msg() { jq -r '.msg' "$T_TMP/cni.out"; }

# cni_conf VERSION NAME [EXTRA JSON MEMBERS]: a configuration for nsnet.
cni_conf() {
	printf '{"cniVersion":"%s","name":"%s","type":"nsnet"%s}' "$1" "$2" "${3:+,$3}"
}

# cni_state_files: every record in the state dir (for "nothing half-made").
cni_state_files() {
	find "$STATE_DIR" -type f -path '*.json' ! -path '*/ids/*' 2>/dev/null | sort
}

# cni_net_gone NAME: a network a CNI ADD made went with its last container's DEL (record and bridge).
cni_net_gone() {
	json "$NSNET" network ls --json | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null &&
		fail "network $1 still exists after the last DEL of its containers"
	return 0
}

# --- Crash tests of the plugin (t_cni_crash*): container c1 in namespace ctr -------------------
# cni_crash_setup: the container's namespace, and forwarding already on (the first network
# switches it on and never back off, so it is not part of what a rollback restores).
cni_crash_setup() {
	ip netns add ctr
	sysctl -qw net.ipv4.ip_forward=1
}
# What must be identical before an ADD and after its interrupted run plus gc.
world() {
	echo "== links"; ip -br link | awk '{print $1}' | sed 's/@.*//' | sort
	# (not the operational state: a bridge's follows its ports' carriers, with a lag)
	echo "== addrs"; ip -br addr | awk '{ $2 = ""; print }' | sed 's/ fe80::[^ ]*//g' | sort
	echo "== container"; ip -n ctr -br link | awk '{print $1}' | sed 's/@.*//' | sort
	ip -n ctr -br addr | awk '{ $2 = ""; print }' | sed 's/ fe80::[^ ]*//g' | sort
	ip -n ctr route | sort
	# nsnet's own rules (iptables-nft's empty built-in tables, which appear with use, are not).
	echo "== fw"; { nft list table inet nsnet; nft list table bridge nsnet; ipt_nsnet; } 2>/dev/null | grep -c . || true
	echo "== records"; find "$STATE_DIR" -name '*.json' ! -path '*/ids/*' ! -path '*/ends/complete.json' | sort
	for f in $(find "$STATE_DIR/leases" "$STATE_DIR/ports" -name '*.json' 2>/dev/null | sort); do cat "$f"; echo; done
}
same_as_before() {
	tries=0
	while [ "$(world)" != "$before" ] && [ $tries -lt 50 ]; do
		tries=$((tries + 1)); sleep 0.1
	done
	if [ "$(world)" != "$before" ]; then
		printf '%s\n' "$before" >"$T_TMP/w.before"; world >"$T_TMP/w.after"
		diff "$T_TMP/w.before" "$T_TMP/w.after" | head -30 >&2
		fail "$1: not the state before"
	fi
}
plugin() { # VERB CONF: run the plugin for container c1 in ctr, status only
	printf '%s' "$2" | env CNI_COMMAND="$1" CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/ctr \
		CNI_PATH="$CNI_BIN_DIR" "$CNI_BIN_DIR/nsnet" >/dev/null 2>&1
}

