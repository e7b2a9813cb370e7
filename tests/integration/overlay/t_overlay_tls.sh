#!/bin/sh
# SPDX-License-Identifier: MIT
# An overlay network whose etcd speaks only https with client certificates (--client-cert-auth)
# and has authentication on (user root). Certificates are made here with openssl: a CA, a server
# certificate for etcd's address, a client certificate (no Common Name: etcd's JSON gateway refuses
# one with a CN), one with a CN, and a second CA that signed none of them.
# Two "hosts" as in t_overlay_hosts (a netns plus its own mount namespace each). Shows: bad
# options refused in one line before anything changes (TLS files with http, a missing file, a
# certificate without its key, a user without a password); the wrong CA, no client certificate,
# a client certificate with a CN and a wrong password each fail with a clear error and change
# nothing (no link, record or key);
# --dry-run shows the TLS files and the user on the etcdctl lines with the password masked;
# with everything right (h1's password from a file, h2's from NSNET_STORE_PASSWORD, kept 0600 in
# its state dir) the two hosts reach each other, the records hold paths and never the password,
# the agents keep the hosts' leases alive through TLS past the TTL, and again after etcd
# restarts (its tokens gone: the client authenticates again); teardown leaves no key or file.
# Its subject (how nsnet reaches the store) does not depend on the firewall: one backend.
# backends: nft
# timeout: 120
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/overlay_hosts.sh"

command -v etcd >/dev/null 2>&1 || skip "etcd is not installed (tests/deps.sh installs etcd-server)"
command -v etcdctl >/dev/null 2>&1 || skip "etcdctl is not installed (tests/deps.sh installs etcd-client)"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed (tests/deps.sh installs it)"
ip link add t_vxprobe type vxlan id 1 dstport 4789 nolearning 2>"$T_TMP/probe.err" || probe_fail "VXLAN devices"
ip link del t_vxprobe

TTL=3
E=https://172.31.0.2:2379
TD=$(realpath "$T_TMP")	# nsnet records the files' real paths
P=$TD/pki
PW=s3cret-pass

# --- Certificates: CA, server (etcd's address; clientAuth too: etcd's gateway dials the server
# with it), client; and a CA that signed nothing here. -------------------------------------------
mkdir -p "$P"
cert() { # NAME CN CA EXT: key and certificate NAME signed by CA (self-signed when CA is "-")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "${2:+/CN=$2}${2:-/O=nsnet test}" \
		-keyout "$P/$1.key" -out "$P/$1.csr" 2>/dev/null || fail "openssl req $1"
	printf '%s\n' "$4" >"$P/$1.ext"
	if [ "$3" = - ]; then
		openssl x509 -req -in "$P/$1.csr" -signkey "$P/$1.key" -days 2 -extfile "$P/$1.ext" \
			-out "$P/$1.pem" 2>/dev/null || fail "openssl x509 $1"
	else
		openssl x509 -req -in "$P/$1.csr" -CA "$P/$3.pem" -CAkey "$P/$3.key" -CAcreateserial -days 2 \
			-extfile "$P/$1.ext" -out "$P/$1.pem" 2>/dev/null || fail "openssl x509 $1"
	fi
}
cert ca "nsnet test CA" - "basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign"
cert other "another CA" - "basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign"
cert server etcd ca "subjectAltName=IP:172.31.0.2
extendedKeyUsage=serverAuth,clientAuth"
# No Common Name: etcd's JSON gateway refuses a client certificate that has one (HTTP 400).
cert client "" ca "subjectAltName=DNS:nsnet-h
extendedKeyUsage=clientAuth"
cert badclient root ca "extendedKeyUsage=clientAuth"
printf '%s\n' "$PW" >"$TD/pw"
chmod 600 "$TD/pw" "$P"/*.key

# --- Underlay, etcd's namespace st (172.31.0.2), hosts h1, h2 (172.31.0.11, .12) ---------------
ov_underlay
ip netns add st
plug st 172.31.0.2
OV_CARRY=$TD	# the certificates and the password file
OV_ETCD_ARGS="--cert-file $P/server.pem --key-file $P/server.key --client-cert-auth --trusted-ca-file $P/ca.pem"
TLS="--cacert $P/ca.pem --cert $P/client.pem --key $P/client.key"
ctl() { ip netns exec st etcdctl --endpoints $E $TLS --user "root:$PW" "$@"; }
# Before auth is on, etcdctl with --user is refused: health is asked without it then.
healthy() { ctl endpoint health || ip netns exec st etcdctl --endpoints $E $TLS endpoint health; }

host_up 1
host_up 2
etcd_start
ip netns exec st etcdctl --endpoints $E $TLS user add "root:$PW" >/dev/null || fail "etcdctl user add root"
ip netns exec st etcdctl --endpoints $E $TLS user grant-role root root >/dev/null || fail "etcdctl user grant-role"
ip netns exec st etcdctl --endpoints $E $TLS auth enable >/dev/null || fail "etcdctl auth enable"
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys before the test"

NET="ov --driver vxlan --subnet 10.50.0.0/16 --store $E --ttl $TTL"
GOOD="--store-cacert $P/ca.pem --store-cert $P/client.pem --store-key $P/client.key --store-user root"
nothing_changed() { # N WHAT
	assert_eq "$(on "$1" ip -o link show | grep -c nsnet- || true)" 0 "nsnet links on h$1 after $2"
	assert_eq "$(on "$1" sh -c 'find /run/nsnet/networks /run/nsnet/overlay -type f 2>/dev/null')" "" "records on h$1 after $2"
	assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys after $2"
}
refused() { # N PATTERN WHAT ARGS...: network create fails with PATTERN and changes nothing
	n=$1 pat=$2 what=$3; shift 3
	out=$(on "$n" env NSNET_STORE_PASSWORD="$PW" timeout "$T_CMD_TIMEOUT" "$NSNET" network create $NET "$@" 2>&1) &&
		fail "$what: network create succeeded"
	assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "$what: a one-line error ($out)"
	assert_match "$out" "$pat" "$what"
	nothing_changed "$n" "$what"
}

# Bad options: refused before anything is contacted.
refused 1 "ov: --store http://172.31.0.2:2379: TLS files .* need https:// endpoints" "TLS files with http" \
	--store http://172.31.0.2:2379 $GOOD
refused 1 "ov: --store-cacert $TD/none.pem: No such file or directory" "a missing CA file" \
	--store-cacert "$TD/none.pem"
refused 1 "ov: --store-cert without --store-key" "a certificate without its key" --store-cert "$P/client.pem"
out=$(nsn 1 network create $NET $GOOD 2>&1) && fail "a user without a password was accepted"
assert_match "$out" "--store-user root: no password" "a user without a password"
nothing_changed 1 "a user without a password"

# The store refuses: wrong CA, no client certificate, wrong password. Each a clear error, no change.
refused 1 "ov: the store .*nothing changed: .*certificate" "the wrong CA" \
	--store-cacert "$P/other.pem" --store-cert "$P/client.pem" --store-key "$P/client.key" --store-user root
refused 1 "ov: the store .*nothing changed: etcd $E: " "no client certificate" \
	--store-cacert "$P/ca.pem" --store-user root
refused 1 "ov: the store refused this host, nothing changed: .*HTTP 400: CommonName of client .* without a Common Name only" \
	"a client certificate with a Common Name" --store-cacert "$P/ca.pem" --store-cert "$P/badclient.pem" \
	--store-key "$P/badclient.key" --store-user root
out=$(nsn 1 network create $NET $GOOD:wrong 2>&1) && fail "a wrong password was accepted"
assert_match "$out" "ov: the store refused this host, nothing changed: etcd $E: /v3/auth/authenticate: .*authentication failed" "a wrong password"
nothing_changed 1 "a wrong password"

# --dry-run: the TLS files and the user on the etcdctl lines, the password masked; nothing done.
out=$(nsn 1 --dry-run network create $NET $GOOD:$PW 2>&1) || fail "dry-run: $out"
assert_match "$out" "etcdctl --endpoints $E --cacert $P/ca.pem --cert $P/client.pem --key $P/client.key --user root:\*\*\* txn " "dry-run: the etcdctl line"
assert_match "$out" "install -m 0600 /dev/null /run/nsnet/overlay/ov.json" "dry-run: the password kept in the state dir"
assert_no_match "$out" "$PW" "dry-run: the password"
nothing_changed 1 "a dry run"

# Everything right: h1's password from a file, h2's from the environment.
nsn 1 network create $NET $GOOD --store-password-file "$TD/pw" || fail "network create on h1"
on 2 env NSNET_STORE_PASSWORD="$PW" timeout "$T_CMD_TIMEOUT" "$NSNET" network create $NET $GOOD ||
	fail "network create on h2"
rec1=$(on 1 cat /run/nsnet/networks/ov.json)
assert_match "$rec1" "\"cacert\": *\"$P/ca.pem\"" "h1's record: the CA's path"
assert_match "$rec1" "\"password_file\": *\"$TD/pw\"" "h1's record: the password file's path"
assert_no_match "$rec1" "$PW" "h1's record: the password"
assert_eq "$(on 1 sh -c 'ls /run/nsnet/overlay/ov.json 2>/dev/null')" "" "h1 keeps no password"
assert_no_match "$(on 2 cat /run/nsnet/networks/ov.json)" "$PW" "h2's record: the password"
assert_eq "$(on 2 stat -c %a /run/nsnet/overlay/ov.json)" 600 "the mode of h2's kept password"
assert_match "$(on 2 cat /run/nsnet/overlay/ov.json)" "$PW" "h2 keeps its password in the state dir"
nsn 1 ns add a1 --net ov || fail "ns add a1"
nsn 2 ns add a2 --net ov || fail "ns add a2"
A2=$(addr_of 2 a2)
wait_until 10 fdb_has 1 172.31.0.12 || fail "h1 never programmed h2"
wait_until 10 fdb_has 2 172.31.0.11 || fail "h2 never programmed h1"
on 1 ip netns exec a1 ping -n -c1 -W2 "$A2" >/dev/null || fail "ping a1 -> a2"

# The agents keep the hosts' leases alive through TLS: both keys stay, under their first leases,
# for more than twice the TTL (a lease that lapsed would have taken its key with it).
lease_of() { ctl get "/nsnet/overlay/ov/hosts/$1" -w json | grep -o '"lease":[0-9]*' | cut -d: -f2; }
kept_for() { # SECONDS: both hosts' keys under the same leases for that long
	l1=$(lease_of 172.31.0.11) l2=$(lease_of 172.31.0.12)
	[ -n "$l1" ] && [ -n "$l2" ] || fail "a host key is missing: h1 '$l1', h2 '$l2'"
	until=$(( $(now_ms) + $1 * 1000 ))
	while [ "$(now_ms)" -lt "$until" ]; do
		[ "$(lease_of 172.31.0.11)" = "$l1" ] || fail "h1's host key lapsed (lease $l1): $(on 1 tail -3 /run/nsnet/overlay/agent.log)"
		[ "$(lease_of 172.31.0.12)" = "$l2" ] || fail "h2's host key lapsed (lease $l2): $(on 2 tail -3 /run/nsnet/overlay/agent.log)"
		sleep 0.5
	done
}
kept_for $((2 * TTL + 1))
# etcd restarts: its tokens are gone (leases survive), the agents authenticate again: both keys
# there (under their leases or new ones), then kept alive again for twice the TTL.
etcd_stop
etcd_start
keys_there() { [ -n "$(lease_of 172.31.0.11)" ] && [ -n "$(lease_of 172.31.0.12)" ]; }
wait_until 15 keys_there || fail "the host keys after etcd restarted: $(ctl get --prefix /nsnet/ --keys-only)"
kept_for $((2 * TTL + 1))
on 1 ip netns exec a1 ping -n -c1 -W2 "$A2" >/dev/null || fail "ping a1 -> a2 after etcd restarted"

# Teardown: no key, no kept password, no agent.
for n in 1 2; do
	pid=$(on "$n" sh -c 'cut -d: -f1 /run/nsnet/overlay/agent.pid 2>/dev/null' || true)
	nsn "$n" ns rm "a$n" || fail "ns rm a$n"
	nsn "$n" network rm ov || fail "network rm on h$n"
	assert_eq "$(on "$n" sh -c 'ls /run/nsnet/overlay/ov.json 2>/dev/null')" "" "h$n's kept password after network rm"
	assert_eq "$(on "$n" ip -o link show | grep -c nsnet- || true)" 0 "nsnet links left on h$n"
	[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null)" = Z ] ||
		fail "the agent of h$n still runs"
done
assert_eq "$(ctl get --prefix /nsnet/ --keys-only)" "" "keys left in etcd"
etcd_stop
for p in $HPIDS; do kill "$p" 2>/dev/null || true; done
for n in 1 2; do ip netns del "h$n"; done
ip netns del st
ip link del ul
echo "ok: overlay through etcd over TLS with a client certificate and a user"
