#!/bin/sh
# SPDX-License-Identifier: MIT
# CNI VERSION: lists every supported version and answers in the requested one (the newest for
# one it does not know, so a runtime can still negotiate); needs no CNI_PATH, no container, and
# touches no state (engines call it before every ADD and DEL: it must stay cheap).
# One backend: its subject (the VERSION answer; no state, no rule) does not depend on the firewall
# backend.
# backends: nft
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

for v in 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
	assert_eq "$(cni_ok VERSION "{\"cniVersion\":\"$v\"}" CNI_CONTAINERID= CNI_IFNAME= CNI_PATH= | jq -c .)" \
		"{\"cniVersion\":\"$v\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}" "VERSION $v"
done
assert_eq "$(cni_ok VERSION '{"cniVersion":"0.1.0"}' | jq -r .cniVersion)" 1.1.0 "VERSION for an unknown version"
assert_eq "$(cni_ok VERSION '{}' | jq -r .cniVersion)" 1.1.0 "VERSION without a version"
cni_err 6 VERSION 'nope'
# Nothing on stdin (a person or a tool probing): the list, in the newest version.
assert_eq "$(CNI_COMMAND=VERSION "$NSNET" </dev/null | jq -c .)" \
	'{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}' "VERSION with empty stdin"
# No state dir is made or read, no lock taken.
cni_ok VERSION '{"cniVersion":"1.0.0"}' NSNET_STATE_DIR="$T_TMP/state" >/dev/null
[ ! -e "$T_TMP/state" ] || fail "VERSION created the state dir"
# An ordinary command line still works when CNI_COMMAND happens to be set.
CNI_COMMAND=ADD run_ok "$NSNET" network ls >/dev/null
