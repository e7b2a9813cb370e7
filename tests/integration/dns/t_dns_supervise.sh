#!/bin/sh
# SPDX-License-Identifier: MIT
# Supervision without a daemon of nsnet's own: a killed resolver is reported by check, started
# again by the next operation on its network and by gc; a resolver serving other names than the
# records (a hosts file removed behind nsnet's back) is reported and reloaded by gc. A dnsmasq of
# another network namespace with the same command line (another sandbox or container using the
# same state dir path) is not nsnet's: neither gc's restart nor network rm stops it.
# One backend: its subject (the resolver processes, reported and restarted) does not depend on the
# firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
dns_alive lan || fail "no resolver after network create"
run_ok "$NSNET" check >/dev/null

# Killed: check says so first, the next operation starts it again.
pid=$(dns_pid lan)
kill -9 "$pid"
# Dead as nsnet sees it: gone, or a zombie (a dying process loses /proc/PID/exe before it is one).
dead() { st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1); [ -z "$st" ] || [ "$st" = Z ]; }
wait_until 5 dead || fail "the resolver survives SIGKILL"
rc=0; out=$("$NSNET" check 2>&1) || rc=$?
assert_eq "$rc" 1 "check exit status with the resolver dead"
assert_match "$out" 'network lan: the resolver is not running' "check: dead resolver"
run_ok "$NSNET" ns add b --net lan >/dev/null
dns_alive lan || fail "ns add did not start the resolver again"
[ "$(dns_pid lan)" != "$pid" ] || fail "the resolver's PID did not change"
assert_eq "$(dns_answers b 10.0.0.1 a A)" "A 10.0.0.2" "old names after the restart"
assert_eq "$(dns_answers a 10.0.0.1 b.lan A)" "A 10.0.0.3" "the new name after the restart"
run_ok "$NSNET" check >/dev/null

# A look-alike in another network namespace: the same dnsmasq and --conf-file path (here even the
# same file), as another sandbox's resolver of a network named lan has.
ip netns add other
ip -n other link set lo up
ip -n other addr add 10.0.0.1/32 dev lo
ip netns exec other /usr/sbin/dnsmasq --keep-in-foreground "--conf-file=$STATE_DIR/dns/lan/dnsmasq.conf" \
	</dev/null >/dev/null 2>&1 &
other=$!
other_alive() {
	st=$(sed 's/.*) //' "/proc/$other/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$(readlink "/proc/$other/exe")" = /usr/sbin/dnsmasq ]
}
wait_until 10 other_alive || fail "the look-alike dnsmasq did not start"

# Killed again: gc starts it (and leaves the look-alike alone). (dead() reads $pid: the new one.)
pid=$(dns_pid lan)
kill -9 "$pid"
wait_until 5 dead || fail "the resolver survives SIGKILL"
assert_match "$(run_ok "$NSNET" gc)" 'resolver is not running: started it again' "gc"
dns_alive lan || fail "gc did not start the resolver again"
other_alive || fail "gc's restart stopped a dnsmasq of another network namespace"
assert_eq "$(dns_answers a 10.0.0.1 b A)" "A 10.0.0.3" "names after gc"

# Stale: a's names removed behind nsnet's back; check reports, gc rewrites and reloads.
rm "$STATE_DIR/dns/lan/hosts/a"
gone() { [ "$(dns_rcode b 10.0.0.1 a A)" = NXDOMAIN ]; }
wait_until 5 gone || fail "dnsmasq did not notice a removed hosts file"
rc=0; out=$("$NSNET" check 2>&1) || rc=$?
assert_eq "$rc" 1 "check exit status with a hosts file gone"
assert_match "$out" "the resolver's names of a differ from the records" "check: stale resolver"
assert_match "$(run_ok "$NSNET" gc)" 'names of a differ from the records: rewritten' "gc rewrites"
assert_eq "$(dns_answers b 10.0.0.1 a A)" "A 10.0.0.2" "a's name after gc"
run_ok "$NSNET" check >/dev/null

# A resolver of a network that has none (left by hand): gc stops it.
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
assert_eq "$(dns_procs)" "" "network rm leaves a resolver"
other_alive || fail "network rm stopped a dnsmasq of another network namespace"
kill "$other"
wait "$other" 2>/dev/null || true
ip netns del other
leak_check
