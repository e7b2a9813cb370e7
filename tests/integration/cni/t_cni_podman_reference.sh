#!/bin/sh
# SPDX-License-Identifier: MIT
# t_cni_podman's checks with the reference bridge + host-local + portmap conflist instead of
# nsnet: proves that Podman runs in the sandbox on this machine (settings, rootfs, teardown
# checks), so that a failure of t_cni_podman is nsnet's.
CNI_MAIN=bridge
# backends: nft
. "$(dirname "$0")/t_cni_podman.sh"
