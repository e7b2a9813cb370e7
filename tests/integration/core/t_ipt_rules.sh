#!/bin/sh
# SPDX-License-Identifier: MIT
# The iptables backend: nsnet's rules live only in NSNET-* chains reached by one jump from each
# built-in chain; other tools' rules and chains are never touched; repeating a change (gc) adds no
# duplicate; the last object takes every chain and jump away; the backend is recorded and a
# switch is refused while objects exist.
# backends: iptables
. "$(dirname "$0")/../lib/lib.sh"

# Someone else's rules, before and after nsnet's.
iptables -N USER-CHAIN
iptables -A FORWARD -j USER-CHAIN
iptables -t nat -A POSTROUTING -s 203.0.113.0/24 -j MASQUERADE
ip6tables -A FORWARD -p tcp --dport 22 -j ACCEPT
user_rules() {
	# Rules and user chains by table (iptables-nft adds empty built-in tables as they are used).
	for c in iptables ip6tables; do
		$c-save | awk -v c="$c" '/^\*/ { t = $1 } /^-A|^:.* - / { print c, t, $0 }' | grep -v NSNET |
			sed 's/ \[[0-9]*:[0-9]*\]$//'
	done
}
users=$(user_rules)

run_ok "$NSNET" network create lan --subnet 10.0.0.0/24 --subnet fd00:1::/64 >/dev/null
run_ok "$NSNET" ns add a --net lan >/dev/null
run_ok "$NSNET" ns add b --net lan >/dev/null
run_ok "$NSNET" vip add 10.100.0.1:80 a:80 b:80 >/dev/null
run_ok "$NSNET" vip add 10.100.0.2:80 a:80 b:80 --affinity 30 >/dev/null
run_ok "$NSNET" vip add '[fd00:100::1]:80' a:80 >/dev/null
run_ok "$NSNET" vip add 10.100.0.3:53/udp >/dev/null
run_ok "$NSNET" publish a 8080:80 >/dev/null

assert_eq "$(json "$NSNET" ls --json | jq -r .backend)" "iptables" "ls --json names the backend"
rules=$(iptables-save | grep -v '^#')
# One jump from each built-in chain nsnet hooks, and no other rule of nsnet's in them.
for j in 'raw PREROUTING -j NSNET-GUARD' 'filter FORWARD -j NSNET-FORWARD' 'filter OUTPUT -j NSNET-REJECT' \
	'nat PREROUTING -j NSNET-SERVICES' 'nat OUTPUT -j NSNET-SERVICES' 'nat POSTROUTING -j NSNET-POSTROUTING'; do
	set -- $j
	n=$(iptables-save -t "$1" | grep -c -- "^-A $2 -j NSNET-")
	assert_eq "$n" 1 "jumps from $1 $2 into nsnet's chains"
	iptables-save -t "$1" | grep -q -- "^-A $2 $3 $4\$" || fail "no jump $j"
done
assert_match "$rules" '^-A NSNET-SVC-1 -m statistic --mode random --probability 0\.50000000000 -j NSNET-SEP-1-0$' "first of two backends: probability 1/2"
assert_match "$rules" '^-A NSNET-SVC-1 -j NSNET-SEP-1-1$' "last backend takes the rest"
assert_match "$rules" '^-A NSNET-SVC-2 -m recent --rcheck --seconds 30 --reap --name NSNET-AFF-2-[0-9a-f]{8}-80 .*-j NSNET-SEP-2-0$' "affinity: recent match, the list named after the backend"
assert_match "$rules" '^-A NSNET-REJECT -d 10\.100\.0\.3/32 -p udp -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable$' "backend-less VIP rejects"
assert_match "$rules" '^-A NSNET-PUBANY -p tcp -m tcp --dport 8080 -j NSNET-PUB-1$' "published on every address"
assert_match "$(ip6tables-save)" '^-A NSNET-SEP-3-0 -p tcp -j DNAT --to-destination \[fd00:1::2\]:80$' "IPv6 VIP backend"
assert_match "$(ip6tables-save)" '^-A NSNET-POSTROUTING -s fd00:1::/64 ! -o nsnet-lan -j MASQUERADE$' "IPv6 masquerade"

# gc rebuilds from the records: exactly the same rules, none twice.
before=$(fw_dump)
run_ok "$NSNET" gc >/dev/null
assert_eq "$(fw_dump)" "$before" "rules after gc"
for c in iptables ip6tables; do
	dups=$($c-save | grep '^-A' | sort | uniq -d)
	assert_eq "$dups" "" "$c rules present twice"
done

# A chain lost behind nsnet's back: check names it, gc puts it back.
iptables -t nat -D NSNET-VIPS -d 10.100.0.1/32 -p tcp -m tcp --dport 80 -j NSNET-SVC-1
iptables -t nat -F NSNET-SVC-1
iptables -t nat -X NSNET-SVC-1
rc=0
out=$("$NSNET" check 2>&1) || rc=$?
assert_eq "$rc" 1 "check exit status with a lost chain"
assert_match "$out" "iptables chain NSNET-SVC-1 is missing" "check names the lost chain"
run_ok "$NSNET" gc >/dev/null
assert_eq "$(fw_dump)" "$before" "rules after gc repaired the lost chain"

# The backend is the state dir's: switching with objects present is refused, and changes nothing.
run_fail_status 1 "uses the iptables backend while networks or services exist" \
	"$NSNET" --backend nft network create lab --subnet 10.1.0.0/24
nft list table inet nsnet >/dev/null 2>&1 && fail "a refused switch made the nft table"
run_fail_status 2 "backend pf: expected nft or iptables" "$NSNET" --backend pf ls

run_ok "$NSNET" unpublish a 8080 >/dev/null
for v in 10.100.0.1:80 10.100.0.2:80 '[fd00:100::1]:80' 10.100.0.3:53/udp; do
	run_ok "$NSNET" vip rm "$v" >/dev/null
done
run_ok "$NSNET" ns rm a >/dev/null
run_ok "$NSNET" ns rm b >/dev/null
run_ok "$NSNET" network rm lan >/dev/null
assert_eq "$(ipt_nsnet)" "" "nsnet's chains and jumps after the last object went"
assert_eq "$(user_rules)" "$users" "other tools' rules"

# With nothing left, another backend may be chosen; it is recorded.
run_ok "$NSNET" --backend nft network create lab --subnet 10.1.0.0/24 >/dev/null
nft list table inet nsnet >/dev/null 2>&1 || fail "no nft table after switching to nft"
assert_eq "$(ipt_nsnet)" "" "iptables rules after switching to nft"
assert_eq "$(NSNET_BACKEND= json "$NSNET" ls --json | jq -r .backend)" "nft" "recorded backend"
run_ok "$NSNET" --backend nft network rm lab >/dev/null
iptables -D FORWARD -j USER-CHAIN
iptables -X USER-CHAIN
iptables -t nat -D POSTROUTING -s 203.0.113.0/24 -j MASQUERADE
ip6tables -D FORWARD -p tcp --dport 22 -j ACCEPT
leak_check
