#!/bin/sh
# SPDX-License-Identifier: MIT
# A second real CNI client: containerd 1.6 (Debian) and `ctr run --cni`, which calls the first
# conflist of /etc/cni/net.d with the plugins of /opt/cni/bin (go-cni's fixed defaults): both are
# tmpfs mounts of this sandbox holding the test's conflist and plugin dir (nsnet; CNI_MAIN=bridge:
# the reference bridge + host-local, which proves the harness). containerd runs in the sandbox
# with its own root, state, sockets and config (native snapshotter, no CRI plugin); the image is
# built here from Debian's busybox-static as an OCI layout tarball (tar + sha256sum) and loaded
# with `ctr image import`. Two containers run busybox httpd serving their names. Checks: each got
# an address of the subnet, container to container HTTP, a container reaches wan (masqueraded),
# the host reaches each container; `ctr task kill` ends each (ctr run then makes the CNI DEL),
# `ctr container rm` removes it, and nothing is left: no link, rule, lease, nsnet record,
# container or shim process; containerd is stopped by its PID.
# timeout: 300
# backends: nft
# (containerd's side does not depend on the firewall backend; the plugin's rules on both backends are
# what the other t_cni_* tests check, so this slow test runs once.)

# The shims double-fork away from containerd: make this shell a child subreaper (kept across
# exec), so they are reparented to it and reaped here, not left as zombies for PID 1.
if [ -z "${T_SUBREAPER:-}" ] && command -v python3 >/dev/null 2>&1; then
	T_SUBREAPER=1 exec python3 -c 'import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
os.execvp("sh", ["sh"] + sys.argv[1:])' "$0"
fi
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
for c in containerd ctr containerd-shim-runc-v2 crun; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (tests/deps.sh installs containerd and crun)"
done
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable' ||
	skip "no static $BUSYBOX (tests/deps.sh installs busybox-static)"
[ -d /etc/cni ] && [ -d /opt ] || skip "no /etc/cni or /opt to mount the sandbox's own CNI dirs over"
case $(dpkg --print-architecture 2>/dev/null || uname -m) in
amd64 | x86_64) ARCH=amd64 ;;
arm64 | aarch64) ARCH=arm64 ;;
*) skip "no OCI architecture name known here for $(uname -m)" ;;
esac

BR=cnictd0 SUBNET=10.27.0.0/24 GW=10.27.0.1 NET=nsnetctd
D=$T_TMP/containerd
IMG=nsnet.test/busybox:latest

# --- The sandbox, made fit for containerd --------------------------------------------------------
# crun gets an empty tmpfs as the cgroup dir and runs with cgroups disabled (the wrapper below):
# the sandbox's fresh sysfs has no cgroup mounts. libcni's cache (/var/lib/cni), /opt (for
# /opt/cni/bin) and /etc/cni/net.d become tmpfs mounts of this sandbox only.
mount -t tmpfs -o mode=0755 nsnet-sandbox-cgroup /sys/fs/cgroup
mount -t tmpfs -o mode=0755 nsnet-sandbox-varlib /var/lib
mount -t tmpfs -o mode=0755 nsnet-sandbox-opt /opt
mount -t tmpfs -o mode=0755 nsnet-sandbox-etccni /etc/cni
mkdir -p /etc/cni/net.d /opt/cni "$D/img/blobs/sha256" "$D/rootfs/bin" "$D/rootfs/proc" "$D/rootfs/sys" \
	"$D/rootfs/dev" "$D/rootfs/tmp" "$D/rootfs/www/c1" "$D/rootfs/www/c2"
ln -s "$CNI_BIN" /opt/cni/bin
if [ "$MAIN" = nsnet ]; then
	cni_conflist "$NET" "$(cni_main_plugin nsnet "$BR" "$SUBNET" "$GW")"
else
	cni_conflist "$NET" "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW" "$(cni_ipam host-local "$SUBNET" "$GW")")"
fi >/etc/cni/net.d/10-$NET.conflist
printf '#!/bin/sh\nexec crun --cgroup-manager=disabled "$@"\n' >"$D/crun"
chmod +x "$D/crun"

# --- The image: one layer (busybox and its applets, a web root per container) -----------------
cp "$BUSYBOX" "$D/rootfs/bin/busybox"
for a in sh httpd wget ip timeout sleep; do ln -s busybox "$D/rootfs/bin/$a"; done
echo c1 >"$D/rootfs/www/c1/index.html"
echo c2 >"$D/rootfs/www/c2/index.html"
# blob FILE: move FILE into the layout's blobs, named by its digest; prints "DIGEST SIZE".
blob() {
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	size=$(stat -c %s "$1")
	mv "$1" "$D/img/blobs/sha256/$sum"
	echo "$sum $size"
}
(cd "$D/rootfs" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$D/layer.tar" .)
set -- $(blob "$D/layer.tar")
layer=$1 layer_size=$2
jq -cn --arg a "$ARCH" --arg l "sha256:$layer" \
	'{architecture: $a, os: "linux", config: {Env: ["PATH=/bin"], Cmd: ["/bin/sh"]},
	  rootfs: {type: "layers", diff_ids: [$l]}}' >"$D/config.json"
set -- $(blob "$D/config.json")
jq -cn --arg c "sha256:$1" --argjson cs "$2" --arg l "sha256:$layer" --argjson ls "$layer_size" \
	'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
	  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$D/manifest.json"
set -- $(blob "$D/manifest.json")
jq -cn --arg m "sha256:$1" --argjson ms "$2" --arg n "$IMG" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
	  digest: $m, size: $ms, annotations: {"io.containerd.image.name": $n,
	  "org.opencontainers.image.ref.name": "latest"}}]}' >"$D/img/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$D/img/oci-layout"
(cd "$D/img" && tar -cf "$D/image.tar" oci-layout index.json blobs)

# --- containerd, and what it started -------------------------------------------------------------
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.ttrpc.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
EOF
C_PIDS=
running() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
any_running() {
	for pid in $C_PIDS; do running "$pid" && return 0; done
	return 1
}
no_pid_running() { ! any_running; }
# c CMD...: ctr against this test's containerd, in namespace nsnet, with a time limit.
c() { run_ok ctr --address "$D/containerd.sock" --namespace nsnet "$@"; }
ctr_quiet() { timeout -k 2 20 ctr --address "$D/containerd.sock" --namespace nsnet "$@" >/dev/null 2>&1; }
# On any exit: kill and remove what still runs, stop containerd, then kill -9 recorded PIDs that
# survive (shims, container processes); then lib.sh's exit handler (servers, leak check).
ctd_on_exit() {
	for id in c1 c2; do
		ctr_quiet task kill -s KILL "$id"
		ctr_quiet task rm -f "$id"
		ctr_quiet container rm "$id"
	done
	if [ -n "${CTD_PID:-}" ] && running "$CTD_PID"; then kill "$CTD_PID" 2>/dev/null; fi
	wait_until 10 no_pid_running || true
	for pid in $C_PIDS; do running "$pid" && kill -9 "$pid" 2>/dev/null; done
	true
}
trap 'st=$?; set +e; ctd_on_exit; (exit $st); t_on_exit' EXIT

containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 </dev/null &
CTD_PID=$!
C_PIDS=$CTD_PID
ctd_up() { [ -S "$D/containerd.sock" ] && ctr_quiet version; }
wait_until 30 ctd_up || { tail -n 20 "$D/containerd.log" >&2; fail "containerd did not answer within 30 s"; }
c image import --snapshotter native "$D/image.tar" >/dev/null
assert_match "$(c image ls -q)" "^$IMG\$" "ctr image ls"

make_wan
mkdir -p "$T_TMP/wanroot" && echo wan >"$T_TMP/wanroot/index.html"
ip netns exec wan "$BUSYBOX" httpd -f -vv -p 198.51.100.1:80 -h "$T_TMP/wanroot" >"$T_TMP/wan.http.log" 2>&1 </dev/null &
track_pid $!
wait_listen wan 80

# run_ctr ID: `ctr run --cni` in the foreground of a background job, as a user runs it: when the
# task ends, ctr makes the CNI DEL and deletes the task. The task is running once CNI is done.
task_running() { c task ls | grep -Eq "^$1[[:space:]]+[0-9]+[[:space:]]+RUNNING"; }
run_ctr() {
	ctr --address "$D/containerd.sock" --namespace nsnet run --cni --snapshotter native \
		--runc-binary "$D/crun" --null-io "$IMG" "$1" /bin/httpd -f -p 80 -h "/www/$1" \
		>"$T_TMP/ctr-run.$1.log" 2>&1 </dev/null &
	eval "RUN_$1=\$!"
	track_pid "$!"
	wait_until 30 task_running "$1" || { cat "$T_TMP/ctr-run.$1.log" >&2; fail "task $1 is not running after 30 s"; }
	task_pid=$(c task ls | awk -v id="$1" '$1 == id { print $2 }')
	shim_pid=$(cat "$D/state/io.containerd.runtime.v2.task/nsnet/$1/shim.pid" 2>/dev/null || true)
	C_PIDS="$C_PIDS $task_pid $shim_pid"
}
run_ctr c1
run_ctr c2
# in_ctr ID CMD...: run CMD in container ID (crun, cgroups off, as the task).
n_exec=0
in_ctr() {
	n_exec=$((n_exec + 1))
	timeout -k 2 15 ctr --address "$D/containerd.sock" --namespace nsnet task exec --exec-id "x$n_exec" "$@" 2>/dev/null
}
addr_of() { in_ctr "$1" ip -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p'; }
ip1=$(addr_of c1)
ip2=$(addr_of c2)
case $ip1 in 10.27.0.*) ;; *) fail "c1 got address '$ip1', not one of $SUBNET" ;; esac
case $ip2 in 10.27.0.*) ;; *) fail "c2 got address '$ip2', not one of $SUBNET" ;; esac
[ "$ip1" != "$ip2" ] || fail "c1 and c2 both got $ip1"

# http_from WHERE URL: fetch URL with busybox wget from container WHERE, or from the host.
http_from() {
	if [ "$1" = host ]; then
		timeout 5 "$BUSYBOX" wget -q -O - "$2" 2>/dev/null
	else
		in_ctr "$1" timeout 5 wget -q -O - "$2"
	fi
}
http_is() { [ "$(http_from "$1" "$2")" = "$3" ]; }
http_ok() {
	wait_until 5 http_is "$@" && return 0
	fail "HTTP from $1 to $2: expected '$3', got '$(http_from "$1" "$2" || true)'"
}
http_ok c2 "http://$ip1/" c1                 # container to container
http_ok c1 "http://$ip2/" c2
http_ok c1 http://198.51.100.1/ wan          # out to wan, masqueraded
assert_match "$(cat "$T_TMP/wan.http.log")" '^192\.0\.2\.1:[0-9]+: url:/$' "client seen by wan (masqueraded)"
http_ok host "http://$ip1/" c1               # the host reaches each container
http_ok host "http://$ip2/" c2
# nsnet knows each container by go-cni's ID, NAMESPACE-ID.
for id in c1 c2; do
	[ "$MAIN" != nsnet ] || grep -rqE "$(cni_id_ere "nsnet-$id")" "$STATE_DIR" ||
		fail "no nsnet record names container nsnet-$id"
done

# Teardown: ctr task kill (ctr run then makes the CNI DEL and deletes the task), ctr container rm.
ctr_gone() { ! running "$(eval echo "\$RUN_$1")"; }
for id in c1 c2; do
	c task kill -s KILL "$id" >/dev/null
	wait_until 30 ctr_gone "$id" || fail "ctr run $id did not end within 30 s of ctr task kill"
	c container rm "$id" >/dev/null
done
assert_eq "$(c container ls -q)" "" "ctr container ls after rm"
assert_eq "$(c task ls -q)" "" "ctr task ls after rm"
echo '{}' >"$T_TMP/none.json"
if [ "$MAIN" = nsnet ]; then
	cni_assert_container_gone nsnet-c1 "$ip1" "$T_TMP/none.json"
	cni_assert_container_gone nsnet-c2 "$ip2" "$T_TMP/none.json"
else
	# ctr's DEL gives no netns (the task is gone), and the reference bridge plugin then returns
	# before removing its ipMasq rules: shown, not failed, then dropped with iptables' tables.
	for id in c1 c2; do
		eval "a=\$ip${id#c}"
		cni_container_left "nsnet-$id" "$a" "$T_TMP/none.json" | sed "s/^/# reference bridge, DEL without netns, left: /" >&2
	done
	nft list tables 2>/dev/null | while read -r _ fam name; do
		if cni_iptables_table "$fam" "$name"; then nft delete table "$fam" "$name"; fi
	done
fi
cni_network_cleanup "$BR"
if out=$(http_from host "http://$ip1/"); then fail "$ip1 still answers after teardown: $out"; fi

# containerd, stopped by its PID; then no shim or container process may be left.
kill "$CTD_PID"
ctd_stopped() { ! running "$CTD_PID"; }
wait_until 30 ctd_stopped || fail "containerd still runs 30 s after SIGTERM"
wait_until 10 no_pid_running || fail "processes still run after teardown:$(for p in $C_PIDS; do running "$p" && printf ' %s' "$p"; done)"
stop_servers
leak_check
