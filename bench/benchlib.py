# SPDX-License-Identifier: MIT
# Helpers shared by the bench/*.py timing loops: errors, percentiles, the sandbox guard.
import os
import platform
import sys
import time


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


def machine_start():
    """The machine before a run: CPUs, load average, start time (for machine_line)."""
    return {"nproc": len(os.sched_getaffinity(0)), "load": os.getloadavg(), "t": time.monotonic()}


def machine_line(start):
    """The report's `machine:` line, measured now against machine_start()'s @start."""
    load0, load1 = start["load"], os.getloadavg()
    elapsed = time.monotonic() - start["t"]
    return (f"machine: nproc {start['nproc']}, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} at start, "
            f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} at end; kernel {platform.release()}; run took {elapsed:.0f} s")


def print_table(rows):
    """Print @rows (the first one the header) as a table: first column left-aligned, the others right."""
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print(" | ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)))
        if k == 0:
            print("-+-".join("-" * x for x in w))
