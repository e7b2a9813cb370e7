# SPDX-License-Identifier: MIT
# Forwards to lib/cni_conflist.sh for tests still at the top of tests/integration (move them into an area
# folder and source "$(dirname "$0")/../lib/cni_conflist.sh" instead; see tests/README.md).
. "$(dirname "$0")/lib/cni_conflist.sh"
