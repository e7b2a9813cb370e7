# SPDX-License-Identifier: MIT
# Helpers shared by the bench/*.py timing loops: errors, percentiles, the sandbox guard.
import os
import sys


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, -(-len(s) * p // 100) - 1)]


def sandbox_marked():
    """Is /run the tmpfs tests/sandbox.sh mounts (and says so in NSNET_IN_SANDBOX)?"""
    with open("/proc/self/mountinfo") as f:
        marked = " nsnet-sandbox-run " in f.read()
    return os.environ.get("NSNET_IN_SANDBOX") == "1" and marked


def require_sandbox(bench):
    if not sandbox_marked():
        die(f"refusing to run outside the sandbox (start it with: sh bench/{bench} NSNET_BINARY)")
