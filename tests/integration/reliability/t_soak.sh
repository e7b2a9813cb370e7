#!/bin/sh
# SPDX-License-Identifier: MIT
# Concurrency soak: 8 workers run random ns add/rm, attach/detach, vip add/rm and publish on 3
# networks at once for NSNET_SOAK_SECONDS (default 10; `make stress` runs 60). Afterwards
# `nsnet check` must be clean, no address leased twice, and every remaining namespace must reach
# its gateway. Prints the operations per second.
. "$(dirname "$0")/../lib/lib.sh"

SECONDS_=${NSNET_SOAK_SECONDS:-10}
WORKERS=8
for n in 0 1 2; do run_ok "$NSNET" network create "n$n" --subnet "10.$n.0.0/24" >/dev/null; done

worker() {
	w=$1 end=$2 ops=0 i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		r=$(awk -v s="$w$i$$" 'BEGIN { srand(s); printf "%d %d %d", int(rand() * 7), int(rand() * 6), int(rand() * 3) }')
		set -- $r
		op=$1 ns="w${w}s$2" net="n$3"
		case $op in
		0) "$NSNET" ns add "$ns" --net "$net" ;;
		1) "$NSNET" ns rm "$ns" --force ;;
		2) "$NSNET" attach "$ns" "$net" ;;
		3) "$NSNET" detach "$ns" "$net" ;;
		4) "$NSNET" vip add "10.100.$w.$2:80" "$ns:8080" ;;
		5) "$NSNET" vip rm "10.100.$w.$2:80" ;;
		6) "$NSNET" publish "$ns" "$((9000 + w * 10 + $2)):80" ;;
		esac >/dev/null 2>&1 || true  # refusals (exists, not attached, ...) are part of the mix
		ops=$((ops + 1))
	done
	echo "$ops" >"/run/soak-ops-$w"
}

end=$(( $(date +%s) + SECONDS_ ))
pids=
w=0
while [ "$w" -lt "$WORKERS" ]; do
	worker "$w" "$end" &
	pids="$pids $!"
	w=$((w + 1))
done
for p in $pids; do wait "$p" || fail "a soak worker failed"; done

total=$(cat /run/soak-ops-* | awk '{ s += $1 } END { print s }')
echo "soak: $WORKERS workers, ${SECONDS_} s, $total operations, $(awk -v t="$total" -v s="$SECONDS_" 'BEGIN { printf "%.0f", t / s }') ops/s"
[ "$total" -gt "$WORKERS" ] || fail "the workers ran almost nothing ($total operations)"

# A namespace removed in the last moments may still be torn down by the kernel in the background,
# its host veth still present: poll (bounded) instead of failing on that transient state.
tries=0
until out=$("$NSNET" check 2>&1); do
	tries=$((tries + 1))
	[ "$tries" -lt 300 ] || fail "check after the soak: $out"
	sleep 0.1
done
dups=$(ls "$STATE_DIR"/leases/*/ 2>/dev/null | grep -v '^next\.json$' | grep '\.json$' | sort | uniq -d)
[ -z "$dups" ] || fail "addresses leased twice: $dups"
left=0
for ns in $("$NSNET" ns ls --json | jq -r '.[] | select(.attachments | length > 0) | .name'); do
	gw=$("$NSNET" ls --json | jq -r --arg ns "$ns" \
		'first(.networks[] | select(.namespaces | index($ns)) | .gateways[0])')
	ping_ok "$ns" "$gw"
	left=$((left + 1))
done
echo "soak: $left namespaces left, each reaches its gateway"

for ns in $("$NSNET" ns ls --json | jq -r '.[] | select(.managed) | .name'); do
	run_ok "$NSNET" ns rm "$ns" --force >/dev/null
done
for v in $("$NSNET" vip ls --json | jq -r '.[] | "\(.address):\(.port)/\(.protocol)"'); do
	run_ok "$NSNET" vip rm "$v" >/dev/null
done
for n in 0 1 2; do run_ok "$NSNET" network rm "n$n" >/dev/null; done
leak_check
