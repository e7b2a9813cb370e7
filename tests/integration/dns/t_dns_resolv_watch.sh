#!/bin/sh
# SPDX-License-Identifier: MIT
# A changed host resolv.conf is picked up without restarting anything: the resolver forwards to
# upstream server 1, then /etc/resolv.conf is replaced by rename (as resolvconf and
# systemd-resolved do) naming server 2, which answers the same test name with another address;
# the answer changes with no nsnet command in between (dnsmasq watches the file's folder with
# inotify). The two upstreams are dnsmasqs in the wan namespace.
#
# lib.sh's test resolv.conf is a file bind-mounted over /etc/resolv.conf: a write to it reaches no
# watch on /etc, and nothing can be renamed over a mount point. So this test puts an overlay over
# /etc (the real /etc as its read-only lower layer, the writable layer in the sandbox's tmpfs;
# nothing reaches the disk) on which /etc/resolv.conf is a plain file, puts the sandbox's tmpfs
# back on /etc/netns (the overlay hides it), and only then starts the resolver.
# One backend: its subject (dnsmasq watching the host's resolv.conf) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

grep -qw overlay /proc/filesystems || skip "the kernel has no overlay filesystem"
mkdir -p "$T_TMP/etc.upper" "$T_TMP/etc.work"
mount -t overlay nsnet-sandbox-etc -o "lowerdir=/etc,upperdir=$T_TMP/etc.upper,workdir=$T_TMP/etc.work" /etc ||
	fail "cannot put an overlay over /etc"
mount -t tmpfs -o mode=0755 nsnet-sandbox-etc-netns /etc/netns
rm -f /etc/resolv.conf
printf 'nameserver 192.0.2.2\n' >/etc/resolv.conf
[ -f /etc/resolv.conf ] && [ ! -L /etc/resolv.conf ] || fail "/etc/resolv.conf is no plain file on the overlay"

make_wan
ip -n wan addr add 192.0.2.3/24 dev eth0
# wan_dns ADDR ANSWER: an upstream on ADDR answering every name under ext.test with ANSWER.
wan_dns() {
	ip netns exec wan /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address="$1" \
		--bind-interfaces --address="/ext.test/$2" --user=root --pid-file= </dev/null >/dev/null 2>&1 &
	track_pid $!
}
wan_dns 192.0.2.2 198.51.100.7
wan_dns 192.0.2.3 198.51.100.8
wan_listens() { [ "$(ip netns exec wan ss -lunH 'sport = :53' | grep -c .)" -ge 2 ]; }
wait_until 10 wan_listens || fail "the wan resolvers did not start"
assert_eq "$(dns_answers host 192.0.2.2 www.ext.test A)" "A 198.51.100.7" "upstream server 1 itself"
assert_eq "$(dns_answers host 192.0.2.3 www.ext.test A)" "A 198.51.100.8" "upstream server 2 itself"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
pid=$(dns_pid lan)
assert_eq "$(dns_answers a 10.0.0.1 www.ext.test A)" "A 198.51.100.7" "forwarded to server 1 of resolv.conf"

# Replace the file as resolvconf does: a new file in the same folder, renamed over the old one.
printf '# changed by the test\nnameserver 192.0.2.3\n' >/etc/resolv.conf.new
mv /etc/resolv.conf.new /etc/resolv.conf
# Each poll asks a name of its own, so that no answer kept in the resolver's cache decides it.
n=0
answer_changed() {
	n=$((n + 1))
	[ "$(dns_answers a 10.0.0.1 "n$n.ext.test" A 1)" = "A 198.51.100.8" ]
}
wait_until 20 answer_changed ||
	fail "the resolver still forwards to server 1 after resolv.conf changed ($(dns_answers a 10.0.0.1 www.ext.test A 1); its log: $(tail -n 3 "$STATE_DIR/dns/lan/log" | tr '\n' ' '))"
assert_eq "$(dns_answers a 10.0.0.1 www.ext.test A)" "A 198.51.100.8" "the test name, after the change"
assert_eq "$(dns_pid lan)" "$pid" "the resolver's PID (not restarted)"
dns_alive lan || fail "the resolver no longer runs"

run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
assert_eq "$(dns_procs)" "" "a resolver survives network rm"
leak_check
