#!/bin/sh
# SPDX-License-Identifier: MIT
# A real engine: Podman (4.3, Debian) with network_backend "cni" runs two containers on a network
# whose conflist uses nsnet (CNI_MAIN=bridge: the reference bridge + host-local + portmap, which
# is how this test is proven). Rootfs from Debian's busybox-static (podman run --rootfs), each
# container an httpd serving its own name. Checks: each container got an address of the subnet,
# container-to-container HTTP, names (nsnet only: Podman's resolv.conf names the gateway and the
# domain of the CNI result, and busybox nslookup in one container finds the other by its
# container name, which Podman passes as CNI_ARGS K8S_POD_NAME, and by its --network-alias, which
# comes in the aliases capability), a container reaches wan (masqueraded), each published port
# (-p) is reached from wan and from the host's 127.0.0.1 and lands in its container; after podman
# rm -f and podman network rm no link, namespace, rule, lease or nsnet record is left, and no
# conmon or container process.
# Podman's configuration, storage, CNI config dir and plugin dir are all temporary (below).
# One backend: the plugin runs with a runtime's environment only (cni_exec: env -i, no
# NSNET_BACKEND), so it takes the default backend, nft, on the iptables pass too: a second run
# repeats this one.
# backends: nft

# conmon double-forks away from podman: make this shell a child subreaper (kept across exec) so
# that conmon is reparented to it and reaped here when it exits, not left as a zombie for PID 1.
if [ -z "${T_SUBREAPER:-}" ] && command -v python3 >/dev/null 2>&1; then
	T_SUBREAPER=1 exec python3 -c 'import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
os.execvp("sh", ["sh"] + sys.argv[1:])' "$0"
fi
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_conflist.sh"

MAIN=${CNI_MAIN:-nsnet}
cni_need "$MAIN"
[ "$MAIN" = nsnet ] || cni_need host-local portmap
[ "$MAIN" != nsnet ] || : "${CNI_STRICT:=1}"
command -v podman >/dev/null 2>&1 || skip "podman is not installed (tests/deps.sh installs it)"
command -v crun >/dev/null 2>&1 || skip "crun is not installed (tests/deps.sh installs it)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable' ||
	skip "no static $BUSYBOX (tests/deps.sh installs busybox-static)"

BR=cnipod0 SUBNET=10.25.0.0/24 GW=10.25.0.1 NET=nsnetpod
P=$T_TMP/podman

# --- The sandbox, made fit for podman -------------------------------------------------------------
# crun refuses the host's hybrid cgroup layout: an empty tmpfs over the (fresh, sandbox-only)
# sysfs's cgroup dir, with cgroups disabled below. libcni caches results in /var/lib/cni: a tmpfs
# over /var/lib keeps that (and anything else podman might write there) off the disk.
mount -t tmpfs -o mode=0755 nsnet-sandbox-cgroup /sys/fs/cgroup
mount -t tmpfs -o mode=0755 nsnet-sandbox-varlib /var/lib
mkdir -p "$P/cni" "$P/tmp" "$P/graph" "$P/runroot" "$P/rootfs"
# The graph root must not sit on an overlay mount (podman's storage refuses to stack on one).
fstype=$(findmnt -n -o FSTYPE -T "$P/graph")
[ "$fstype" != overlay ] || fail "$P/graph is on an overlay mount"

cat >"$P/containers.conf" <<EOF
[containers]
# root on the test machines cannot raise these limits: ask for what it has.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
cgroups = "disabled"
log_driver = "k8s-file"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$CNI_BIN"]
network_config_dir = "$P/cni"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
runtime = "crun"
tmp_dir = "$P/tmp"
static_dir = "$P/graph/libpod"
volume_path = "$P/graph/volumes"
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$P/graph"
runroot = "$P/runroot"
EOF
echo 'unqualified-search-registries = []' >"$P/registries.conf"
export CONTAINERS_CONF="$P/containers.conf" CONTAINERS_STORAGE_CONF="$P/storage.conf" \
	CONTAINERS_REGISTRIES_CONF="$P/registries.conf"

# A rootfs: busybox-static and the applets used here, one web root per container.
mkdir -p "$P/rootfs/bin" "$P/rootfs/etc" "$P/rootfs/proc" "$P/rootfs/sys" "$P/rootfs/dev" \
	"$P/rootfs/tmp" "$P/rootfs/www/web1" "$P/rootfs/www/web2"
cp "$BUSYBOX" "$P/rootfs/bin/busybox"
for a in sh httpd wget timeout cat nslookup; do ln -s busybox "$P/rootfs/bin/$a"; done
echo web1 >"$P/rootfs/www/web1/index.html"
echo web2 >"$P/rootfs/www/web2/index.html"

# The network: a conflist podman reads from its CNI config dir (network rm deletes it).
if [ "$MAIN" = nsnet ]; then
	cni_conflist "$NET" "$(cni_main_plugin nsnet "$BR" "$SUBNET" "$GW" | jq -c '. + {capabilities: {portMappings: true, aliases: true}}')"
else
	cni_conflist "$NET" "$(cni_main_plugin "$MAIN" "$BR" "$SUBNET" "$GW")" \
		'{"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}'
fi >"$P/cni/$NET.conflist"

# --- podman, and what it started ----------------------------------------------------------------
P_PIDS=
# pod CMD...: podman with a time limit (run_ok: fails the test with podman's output).
pod() { run_ok podman "$@"; }
# remember_pids NAME: conmon's and the container's PIDs, to check that they end.
remember_pids() {
	P_PIDS="$P_PIDS $(podman inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' "$1")"
}
# running PID: PID is a live process (a zombie waiting for its reaper is not).
running() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
any_running() {
	for pid in $P_PIDS; do running "$pid" && return 0; done
	return 1
}
no_pid_running() { ! any_running; }
# On any exit: remove what podman still runs (only this test's storage is visible to it), then
# kill -9 the recorded PIDs that survive; then lib.sh's exit handler (servers, leak check).
pod_on_exit() {
	timeout -k 2 30 podman rm -f -t 0 --all >/dev/null 2>&1 || true
	wait_until 10 no_pid_running || true
	for pid in $P_PIDS; do running "$pid" && kill -9 "$pid" 2>/dev/null; done
	true
}
trap 'st=$?; set +e; pod_on_exit; (exit $st); t_on_exit' EXIT

make_wan
# The wan web server: busybox httpd (-vv logs each client as ADDR:PORT).
mkdir -p "$T_TMP/wanroot" && echo wan >"$T_TMP/wanroot/index.html"
ip netns exec wan "$BUSYBOX" httpd -f -vv -p 198.51.100.1:80 -h "$T_TMP/wanroot" >"$T_TMP/wan.http.log" 2>&1 </dev/null &
track_pid $!
wait_listen wan 80

assert_match "$(pod network ls --format '{{.Name}}')" "^$NET\$" "podman network ls"
# --network-alias: Podman 4.3 passes it (and the container's short ID) in the aliases capability.
pod run -d --name web1 --network "$NET" --network-alias www1 -p 8080:80 --rootfs "$P/rootfs" /bin/httpd -f -p 80 -h /www/web1 >/dev/null
remember_pids web1
pod run -d --name web2 --network "$NET" -p 8081:80 --rootfs "$P/rootfs" /bin/httpd -f -p 80 -h /www/web2 >/dev/null
remember_pids web2
id1=$(pod inspect --format '{{.Id}}' web1)
id2=$(pod inspect --format '{{.Id}}' web2)
ip1=$(pod inspect --format "{{.NetworkSettings.Networks.$NET.IPAddress}}" web1)
ip2=$(pod inspect --format "{{.NetworkSettings.Networks.$NET.IPAddress}}" web2)
case $ip1 in 10.25.0.*) ;; *) fail "web1 got address '$ip1', not one of $SUBNET" ;; esac
case $ip2 in 10.25.0.*) ;; *) fail "web2 got address '$ip2', not one of $SUBNET" ;; esac
[ "$ip1" != "$ip2" ] || fail "web1 and web2 both got $ip1"

# http_from WHERE URL: fetch URL with busybox wget (its -T crashes: timeout(1) bounds it) from
# inside container WHERE, from the wan namespace, or from the host.
http_from() {
	if [ "$1" = wan ]; then
		ip netns exec wan timeout 5 "$BUSYBOX" wget -q -O - "$2" 2>/dev/null
	elif [ "$1" = host ]; then
		timeout 5 "$BUSYBOX" wget -q -O - "$2" 2>/dev/null
	else
		timeout -k 2 10 podman exec "$1" timeout 5 wget -q -O - "$2" 2>/dev/null
	fi
}
http_is() { [ "$(http_from "$1" "$2")" = "$3" ]; }
http_ok() {
	wait_until 5 http_is "$@" && return 0
	fail "HTTP from $1 to $2: expected '$3', got '$(http_from "$1" "$2" || true)'"
}

http_ok web2 "http://$ip1/" web1                     # container to container
if [ "$MAIN" = nsnet ]; then
	# Names: Podman gives the container name as CNI_ARGS K8S_POD_NAME, nsnet's resolver answers it;
	# Podman writes the result's dns (the gateway, the domain) into the container's resolv.conf.
	resolv=$(pod exec web2 cat /etc/resolv.conf)
	assert_match "$resolv" "^nameserver $GW\$" "resolv.conf of web2 (podman, from the CNI result)"
	assert_match "$resolv" "^search .*\b$NET\b" "search domain in resolv.conf of web2"
	out=$(pod exec web2 nslookup web1)
	assert_match "$out" "^Address[^:]*: *$ip1( |\$)" "nslookup web1 in web2 (podman exec)"
	out=$(pod exec web1 nslookup web2.$NET)
	assert_match "$out" "^Address[^:]*: *$ip2( |\$)" "nslookup web2.$NET in web1"
	out=$(pod exec web2 nslookup www1)
	assert_match "$out" "^Address[^:]*: *$ip1( |\$)" "nslookup www1 (--network-alias) in web2"
	http_ok web2 http://web1/ web1                    # by name, through the system resolver
fi
http_ok web1 "http://$ip2/" web2
http_ok web1 http://198.51.100.1/ wan                 # out to wan,
assert_match "$(cat "$T_TMP/wan.http.log")" '^192\.0\.2\.1:[0-9]+: url:/$' "client seen by wan (masqueraded)"
http_ok wan http://192.0.2.1:8080/ web1                # published ports, from wan
http_ok wan http://192.0.2.1:8081/ web2
http_ok host http://127.0.0.1:8080/ web1            # and from the host itself, on its loopback
http_ok host http://127.0.0.1:8081/ web2

# Teardown: containers, then the network.
pod rm -f -t 0 web1 web2 >/dev/null
wait_until 10 no_pid_running || fail "conmon or container processes still run after podman rm -f:$(for p in $P_PIDS; do running "$p" && printf ' %s' "$p"; done)"
assert_eq "$(pod ps -a --format '{{.Names}}')" "" "podman ps -a after rm"
if out=$(http_from wan http://192.0.2.1:8080/); then fail "8080 still answers after podman rm: $out"; fi
pod network rm "$NET" >/dev/null
[ ! -e "$P/cni/$NET.conflist" ] || fail "podman network rm left $P/cni/$NET.conflist"
echo '{}' >"$T_TMP/none.json"
cni_assert_container_gone "$id1" "$ip1" "$T_TMP/none.json"
cni_assert_container_gone "$id2" "$ip2" "$T_TMP/none.json"
cni_network_cleanup "$BR"
stop_servers
leak_check
