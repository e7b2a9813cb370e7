#!/bin/sh
# SPDX-License-Identifier: MIT
# An overlay over an IPv6 underlay (--underlay fd31::1N): t_overlay_filter's whole scenario
# (traffic across hosts, the MTU minus 70, the VXLAN filter against a rogue, drift, the agent
# restarted, a peer leaving, teardown) with VXLAN carried over IPv6; etcd stays on IPv4.
# timeout: 180
UNDERLAY=6
. "$(dirname "$0")/t_overlay_filter.sh"
