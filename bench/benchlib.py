# SPDX-License-Identifier: MIT
# Helpers shared by the bench/*.py timing loops: errors, percentiles, the sandbox guard.
import os
import platform
import selectors
import subprocess
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


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def spawn_posix(argv, conf, env, timeout):
    """Run argv with conf on stdin; (status, stdout, stderr). Kills it (by its PID) after timeout."""
    fds = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr
    acts = [(os.POSIX_SPAWN_DUP2, fds[0][0], 0), (os.POSIX_SPAWN_DUP2, fds[1][1], 1),
            (os.POSIX_SPAWN_DUP2, fds[2][1], 2)]
    acts += [(os.POSIX_SPAWN_CLOSE, fd) for pair in fds for fd in pair]
    pid = os.posix_spawn(argv[0], argv, env, file_actions=acts)
    for fd in (fds[0][0], fds[1][1], fds[2][1]):
        os.close(fd)
    try:
        os.write(fds[0][1], conf)  # a CNI config is far below a pipe's 64 KiB
    except BrokenPipeError:
        pass
    os.close(fds[0][1])
    out = {fds[1][0]: [], fds[2][0]: []}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for fd in out:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            ready = sel.select(left) if left > 0 else []
            if not ready:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                for fd in list(sel.get_map()):  # those not at EOF yet (the others are closed)
                    os.close(fd)
                raise subprocess.TimeoutExpired(argv, timeout)
            for key, _ in ready:
                b = os.read(key.fd, 65536)
                if b:
                    out[key.fd].append(b)
                else:
                    sel.unregister(key.fd)
                    os.close(key.fd)
    _, status = os.waitpid(pid, 0)
    return Ran(os.waitstatus_to_exitcode(status), b"".join(out[fds[1][0]]), b"".join(out[fds[2][0]]))
