#!/bin/sh
# SPDX-License-Identifier: MIT
# Malformed subnets, gateways and MTUs are refused with one line naming the value, and nothing is
# created (no bridge, no table, no record; `nsnet ls --json` unchanged).
# One backend: its subject (values refused before anything is made) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"

before=$(snapshot)
bad() { # ERE VALUE-ARGS...
	pattern=$1; shift
	run_fail "$pattern" "$NSNET" network create bad "$@"
	assert_unchanged "$before" "state after: network create bad $*"
}
bad '10\.0\.0\.300/24' --subnet 10.0.0.300/24
bad '10\.0\.0\.0/33' --subnet 10.0.0.0/33
bad 'fd00::/129' --subnet fd00::/129
bad '10\.0\.0\.0/24' --subnet 10.0.0.5/24
bad 'fd00:10::/64' --subnet fd00:10::5/64
bad '10\.0\.0\.0/-1' --subnet 10.0.0.0/-1
bad 'garbage' --subnet garbage
bad '10\.0\.0\.0' --subnet 10.0.0.0
bad '10\.1\.0\.1' --subnet 10.0.0.0/24 --gateway 10.1.0.1
bad '10\.0\.0\.999' --subnet 10.0.0.0/24 --gateway 10.0.0.999
bad 'abc' --subnet 10.0.0.0/24 --mtu abc
bad '70000' --subnet 10.0.0.0/24 --mtu 70000
# A second subnet that is bad: the good first one must not be half-applied.
bad '10\.1\.0\.300/24' --subnet 10.0.0.0/24 --subnet 10.1.0.300/24
# The same network must still be creatable afterwards.
run_ok "$NSNET" network create bad --subnet 10.0.0.0/24 >/dev/null
run_ok "$NSNET" network rm bad >/dev/null
leak_check
