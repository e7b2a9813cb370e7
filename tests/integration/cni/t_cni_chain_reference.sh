#!/bin/sh
# SPDX-License-Identifier: MIT
# The CNI harness itself, proven with the reference plugins only: t_cni_chain_portmap's checks
# (bridge + host-local -> portmap -> bandwidth, two containers, traffic to the gateway, between
# containers, to wan and from wan through published ports, CHECK, DEL leaving nothing) with the
# reference bridge as the main plugin. When this fails, the machine or the harness is at fault,
# not nsnet.
CNI_MAIN=bridge
# backends: nft
. "$(dirname "$0")/t_cni_chain_portmap.sh"
