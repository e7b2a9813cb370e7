#!/bin/sh
# SPDX-License-Identifier: MIT
# Parallel ADD and DEL of different containers, as runtimes do them: 16 ADDs at once, then 8 DELs
# and 8 new ADDs at once, then the remaining DELs at once. Every call succeeds, every container
# has its own address and reaches its gateway, and at the end nothing is left. The main plugin is
# a variable (CNI_MAIN=bridge: the reference bridge + host-local, which proves the harness).
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
BR=cnitest4 SUBNET=10.27.0.0/24 GW=10.27.0.1
LIST=$T_TMP/par.conflist
cni_conflist par "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW")" >"$LIST"

# start VERB N: ADD or DEL container pN in the background; wait_all: fail unless each succeeded.
JOBS=
start() {
	if [ "$1" = add ]; then
		cni_add "$LIST" "cid-p$2" "/run/netns/p$2" eth0 >"$T_TMP/r$2.json" 2>"$T_TMP/e$2.txt" &
	else
		cni_del "$LIST" "cid-p$2" "/run/netns/p$2" eth0 >/dev/null 2>"$T_TMP/e$2.txt" &
	fi
	JOBS="$JOBS $!:$1:$2"
}
wait_all() {
	bad=
	for j in $JOBS; do
		pid=${j%%:*}; rest=${j#*:}
		wait "$pid" || bad="$bad ${rest%%:*} p${rest#*:}: $(cat "$T_TMP/e${rest#*:}.txt");"
	done
	JOBS=
	[ -z "$bad" ] || fail "parallel calls failed:$bad"
}

i=1; while [ "$i" -le 24 ]; do ip netns add "p$i"; i=$((i + 1)); done
i=1; while [ "$i" -le 16 ]; do start add "$i"; i=$((i + 1)); done
wait_all
i=1; while [ "$i" -le 8 ]; do start del "$i"; i=$((i + 1)); done
i=17; while [ "$i" -le 24 ]; do start add "$i"; i=$((i + 1)); done
wait_all

addrs=
i=9; while [ "$i" -le 24 ]; do
	cni_assert_result "$T_TMP/r$i.json" "/run/netns/p$i" eth0
	addrs="$addrs$(cni_result_ip "$T_TMP/r$i.json")
"
	ping_ok "p$i" "$GW"
	i=$((i + 1))
done
assert_eq "$(printf '%s' "$addrs" | sort -u | grep -c .)" 16 "distinct addresses of the 16 live containers"
i=1; while [ "$i" -le 8 ]; do
	cni_assert_container_gone "cid-p$i" "$(cni_result_ip "$T_TMP/r$i.json")" "$T_TMP/r$i.json"
	i=$((i + 1))
done

i=9; while [ "$i" -le 24 ]; do start del "$i"; i=$((i + 1)); done
wait_all
i=9; while [ "$i" -le 24 ]; do
	cni_assert_container_gone "cid-p$i" "$(cni_result_ip "$T_TMP/r$i.json")" "$T_TMP/r$i.json"
	i=$((i + 1))
done
i=1; while [ "$i" -le 24 ]; do ip netns del "p$i"; i=$((i + 1)); done
cni_network_cleanup "$BR"
leak_check
