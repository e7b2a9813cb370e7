#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden files: the --dry-run text of a fixed sequence of operations, and the ruleset it leaves,
# compared byte for byte with tests/golden/*.$NSNET_BACKEND.txt. A change in how nsnet renders a
# step shows up here as a diff in review. After an intended change, regenerate the files with
# NSNET_GOLDEN_UPDATE=1 (tests/run.sh BUILD integration golden) and commit the diff.
. "$(dirname "$0")/../lib/lib.sh"

GOLDEN=$T_ROOT/tests/golden
PLAN=$T_TMP/dryrun.txt
RULES=$T_TMP/ruleset.txt
: >"$PLAN"

# Each step: its --dry-run output goes into the plan file, then it is applied for real, so the
# next step's plan starts from the state this one left.
step() {
	printf '### %s\n' "$*" >>"$PLAN"
	"$NSNET" --dry-run "$@" >>"$PLAN" 2>&1 || fail "--dry-run $*: failed"
	run_ok "$NSNET" "$@" >/dev/null
}

dump_rules() {
	if [ "$NSNET_BACKEND" = iptables ]; then
		for t in filter nat raw; do
			echo "## iptables $t"
			iptables-save -t "$t" | grep -E 'NSNET' | sed 's/\[[0-9]*:[0-9]*\]//'
			echo "## ip6tables $t"
			ip6tables-save -t "$t" | grep -E 'NSNET' | sed 's/\[[0-9]*:[0-9]*\]//'
		done
	else
		nft list table inet nsnet
	fi
	nft list table bridge nsnet 2>/dev/null || true
}

step network create lan --subnet 10.0.0.0/24 --subnet fd00:10::/64
step network create db --subnet 10.20.0.0/24 --internal
step network create lab --subnet 10.30.0.0/24 --no-nat --mtu 1400
step ns add web1 --net lan
step ns add web2 --net lan:10.0.0.12,fd00:10::12 --dns 192.0.2.53
step ns add app --net db --net lan
step ns add tool
step attach tool lab --ip 10.30.0.7
step vip add 10.100.0.1:80/tcp web1:8080 web2:8080 --name web
step vip add 10.100.0.2:53/udp web1:5353 --affinity 60
step vip add '[fd00:100::1]:80' '[fd00:10::12]:8080'
step vip set 10.100.0.1:80/tcp web1:8080 web2:8080 app:8080
step publish web1 8080:80/tcp
step publish web2 127.0.0.1:8081:80
step publish app 5300:53/udp --net lan
dump_rules >"$RULES" 2>&1
step unpublish web2 127.0.0.1:8081
step vip rm 10.100.0.2:53/udp
step detach tool lab
step ns rm web2
step vip rm '[fd00:100::1]:80'
step vip rm 10.100.0.1:80/tcp
step unpublish web1 8080/tcp
step unpublish app 5300/udp
step ns rm web1
step ns rm app
step ns rm tool
step network rm lab
step network rm db
step network rm lan

for f in dryrun ruleset; do
	want=$GOLDEN/$f.$NSNET_BACKEND.txt
	got=$T_TMP/$f.txt
	if [ "${NSNET_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$got" "$want"
		echo "updated $want"
		continue
	fi
	[ -f "$want" ] || fail "no golden file $want (NSNET_GOLDEN_UPDATE=1 makes it)"
	if ! diff -u "$want" "$got" >"$T_TMP/diff"; then
		cat "$T_TMP/diff" >&2
		fail "$f differs from $want (the diff is above)"
	fi
done
leak_check
