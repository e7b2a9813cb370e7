#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18, "unclear messages": every echoed value is escaped (control bytes, ESC) and cut with
# "…" when long; malformed values exit 2, refusals 1 (docs/cli.md), bad names and gateways
# included; --ifname lo|all|default, --net lan:, and --dns 0.0.0.0|255.255.255.255|ff02::1 are
# caught by nsnet's validation, not the kernel. Each failed, or was accepted, on the old code.
# One backend: its subject (how refused values are echoed) does not depend on the firewall backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

esc=$(printf '\033')
bad=$(printf 'x\033[31m\ny')
# no_raw: the last command's stderr holds no ESC and names the value escaped.
no_raw() {
	! grep -q "$esc" "$T_TMP/run.err" || fail "raw ESC echoed: $(od -c "$T_TMP/run.err" | head -n 3)"
	grep -q 'x\\x1b\[31m\\x0ay' "$T_TMP/run.err" || fail "value not shown escaped: $(cat "$T_TMP/run.err")"
}

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
before=$(snapshot)
run_fail_status 2 'dns' "$NSNET" ns add a --net lan --dns "$bad"; no_raw
run_fail_status 2 'mtu' "$NSNET" network create n2 --subnet 10.1.0.0/24 --mtu "$bad"; no_raw
run_fail_status 2 'gateway' "$NSNET" network create n2 --subnet 10.1.0.0/24 --gateway "$bad"; no_raw
run_fail_status 2 'affinity' "$NSNET" vip add 10.100.0.1:80 b:80 --affinity "$bad"; no_raw
run_fail_status 2 'ip' "$NSNET" attach b lan --ip "$bad"; no_raw
run_fail_status 2 'ifname|interface' "$NSNET" ns add a --net lan --ifname "$bad"; no_raw
run_fail_status 2 'backend' "$NSNET" --backend "$bad" ls; no_raw
run_fail_status 2 'unknown option' "$NSNET" ns add a "--$bad"; no_raw
run_fail_status 2 'network' "$NSNET" network create "$bad" --subnet 10.1.0.0/24; no_raw
run_fail_status 2 'namespace' "$NSNET" ns rm "$bad"; no_raw

# A 5,000-byte value is cut with "…", the line stays short.
long=/run/$(head -c 5000 /dev/zero | tr '\0' a)
run_fail 'state dir' "$NSNET" --state-dir "$long" ls
[ "$(wc -c <"$T_TMP/run.err")" -lt 600 ] || fail "the long state dir was echoed whole ($(wc -c <"$T_TMP/run.err") bytes)"
grep -q '…' "$T_TMP/run.err" || fail "a cut value is not marked with …: $(cut -c 1-200 "$T_TMP/run.err")"

# Malformed values exit 2: names, gateways outside the subnet, interface names the kernel keeps.
run_fail_status 2 "network name 'a b'" "$NSNET" network create 'a b' --subnet 10.1.0.0/24
run_fail_status 2 "namespace name 'a/b'" "$NSNET" ns add a/b --net lan
run_fail_status 2 "gateway 10\.9\.0\.1: not a host address" "$NSNET" network create n2 --subnet 10.1.0.0/24 --gateway 10.9.0.1
for ifn in lo all default; do
	run_fail_status 2 "interface name '$ifn': reserved" "$NSNET" ns add a --net lan --ifname "$ifn"
	run_fail_status 2 "interface name '$ifn': reserved" "$NSNET" attach b lan --ifname "$ifn"
	run_fail_status 2 "interface name '$ifn': reserved" "$NSNET" network create n2 --subnet 10.1.0.0/24 --bridge "$ifn"
done
run_fail_status 2 "--net lan:,: an empty address" "$NSNET" ns add a --net lan:,
run_fail_status 2 "--net lan:10\.0\.0\.9,: an empty address" "$NSNET" ns add a --net lan:10.0.0.9,
# Refusals exit 1: well-formed, but no nameserver can be there.
for d in 0.0.0.0 255.255.255.255 ff02::1 224.0.0.251; do
	pat=$(printf '%s' "$d" | sed 's/\./\\./g')
	run_fail_status 1 "--dns $pat: $pat is (unspecified|broadcast|multicast)" "$NSNET" ns add a --net lan --dns "$d"
done
assert_unchanged "$before" "state after refused values"
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
leak_check
