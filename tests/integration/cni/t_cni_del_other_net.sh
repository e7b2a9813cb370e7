#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18 item 11: a CNI DEL whose configuration names another network than the ADD's still
# releases the container and removes the network its ADD made once its last container is gone
# (the network is the one recorded for the container, not the one this DEL names).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

ip netns add ctr
cni_ok ADD "$(cni_conf 1.0.0 lan '"subnet":"10.88.0.0/24"')" CNI_CONTAINERID=id-1 CNI_NETNS=/run/netns/ctr >/dev/null
ip link show nsnet-lan >/dev/null 2>&1 || fail "ADD made no bridge for network lan"
cni_ok DEL "$(cni_conf 1.0.0 other '"subnet":"10.89.0.0/24"')" CNI_CONTAINERID=id-1 CNI_NETNS=/run/netns/ctr >/dev/null
assert_eq "$(cni_state_files | grep -c namespaces/ || true)" 0 "sandbox records after DEL"
cni_net_gone lan
cni_net_gone other
ip netns del ctr
leak_check
