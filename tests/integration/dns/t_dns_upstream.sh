#!/bin/sh
# SPDX-License-Identifier: MIT
# Names outside the network are forwarded: to the host's nameservers as its /etc/resolv.conf lists
# them, or to --dns-upstream. The upstream is a second dnsmasq in the wan namespace answering a
# test name; the host's resolv.conf is the sandbox's own file (lib.sh bind-mounts it over
# /etc/resolv.conf), rewritten here before each network is made. (A resolv.conf changed under a
# running resolver is t_dns_resolv_watch.)
# One backend: its subject (the resolver's upstreams) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

make_wan
ip netns exec wan /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address=192.0.2.2 \
	--bind-interfaces --address=/ext.test/198.51.100.7 --user=root --pid-file= </dev/null >/dev/null 2>&1 &
track_pid $!
wait_until 10 sh -c "ip netns exec wan ss -lunH 'sport = :53' | grep -q ." || fail "the wan resolver did not start"
assert_eq "$(dns_answers host 192.0.2.2 www.ext.test A)" "A 198.51.100.7" "the wan resolver itself"

# A loopback nameserver first (as systemd-resolved's): the resolver runs in the host's namespace.
printf 'nameserver 127.0.0.53\nnameserver 192.0.2.2\n' >"$T_TMP/resolv.conf"
run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
assert_eq "$(dns_answers a 10.0.0.1 www.ext.test A)" "A 198.51.100.7" "forwarded to the host's nameservers"
assert_match "$(ip netns exec a getent ahostsv4 www.ext.test | head -1)" '^198\.51\.100\.7 ' "the system resolver, forwarded"

# --dns-upstream: the host's resolv.conf no longer matters.
printf 'nameserver 192.0.2.53\n' >"$T_TMP/resolv.conf"
run_ok "$NSNET" network create up --subnet 10.0.2.0/24 --dns-upstream 192.0.2.2 >/dev/null
run_ok "$NSNET" ns add u --net up >/dev/null
assert_eq "$(dns_answers u 10.0.2.1 www.ext.test A)" "A 198.51.100.7" "--dns-upstream"
assert_match "$(cat "$STATE_DIR/dns/up/dnsmasq.conf")" 'server=192\.0\.2\.2' "the upstream in the config"
run_fail_status 2 'dns-upstream bogus' "$NSNET" network create x --subnet 10.0.3.0/24 --dns-upstream bogus
run_fail 'no-dns' "$NSNET" network create x --subnet 10.0.3.0/24 --no-dns --dns-upstream 192.0.2.2

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm u >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
run_ok "$NSNET" network rm up >/dev/null
leak_check
