#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The floor's `ns add` and `ns rm`, one fresh process per operation, against nsnet's, same harness.

bench/floor times the kernel work of `ns add`/`ns rm` inside one long-running process. nsnet's
own time (bench/attach, issue 19) is a fresh process's wall time minus an exec of /bin/true. This
times both the same way: each operation is a process started with posix_spawn (as a runtime starts
a plugin) and reaped with waitpid, interleaved one by one with an exec of /bin/true, so both
figures are "own time" from the same loop, on the same machine, at the same moment.

Run by `sh bench/floor FLOOR_BINARY --cold NSNET_BINARY [COUNT]`, inside its sandbox, after its
setup (bridge nsfloor0, table bridge nsfloor). nsnet's side is a network made with --no-dns (no
resolver, as the floor has none) on its own bridge.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import die, machine_line, machine_start, pct, require_sandbox  # noqa: E402

TRUE = "/bin/true"


def spawn_ms(argv):
    """Wall time of argv in ms (posix_spawn + waitpid, output to /dev/null); dies if it fails."""
    acts = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        die(f"`{' '.join(argv)}` failed with status {os.waitstatus_to_exitcode(status)}")
    return (t1 - t0) / 1e6


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if p.returncode != 0:
        die(f"`{' '.join(argv)}` failed with status {p.returncode}:\n{p.stdout.rstrip()}")
    return p.stdout


def main():
    require_sandbox("floor --cold")
    if len(sys.argv) < 3:
        die("usage: floor_cold.py FLOOR_BINARY NSNET_BINARY [COUNT=200]")
    floor, nsnet = sys.argv[1], sys.argv[2]
    count = sys.argv[3] if len(sys.argv) > 3 else "200"
    if not count.isdigit() or not 1 <= int(count) <= 1000:
        die(f"COUNT {count}: expected a number from 1 to 1000")
    count = int(count)
    start = machine_start()
    # /run/netns made a shared mount of its own first (as the first `ip netns add` does), so that
    # both sides bind their namespaces under the same mount.
    run(["ip", "netns", "add", "cold-warmup"])
    run(["ip", "netns", "del", "cold-warmup"])
    run([nsnet, "network", "create", "cold", "--subnet", "10.3.0.0/16", "--no-dns"])
    t = {k: [] for k in ("true", "floor add", "nsnet add", "floor rm", "nsnet rm")}
    # Adds, then removals, each one after the other: true, floor, nsnet (nsnet first on odd turns).
    for i in range(count):
        t["true"].append(spawn_ms([TRUE]))
        order = [("floor", [floor, "--cold-add", str(i)]), ("nsnet", [nsnet, "ns", "add", f"c{i}", "--net", "cold"])]
        for side, argv in (order if i % 2 == 0 else order[::-1]):
            t[f"{side} add"].append(spawn_ms(argv))
    # The work was real: the last namespace of each side reaches its gateway.
    run(["ip", "netns", "exec", f"fl{count - 1}", "ping", "-q", "-c1", "-W2", "10.2.0.1"])
    run(["ip", "netns", "exec", f"c{count - 1}", "ping", "-q", "-c1", "-W2", "10.3.0.1"])
    for i in range(count):
        t["true"].append(spawn_ms([TRUE]))
        order = [("floor", [floor, "--cold-rm", str(i)]), ("nsnet", [nsnet, "ns", "rm", f"c{i}"])]
        for side, argv in (order if i % 2 == 0 else order[::-1]):
            t[f"{side} rm"].append(spawn_ms(argv))
    run([nsnet, "network", "rm", "cold"])
    exe = pct(t["true"], 50)
    print(f"floor, one process per operation (posix_spawn + waitpid), {count} of each; exec of /bin/true "
          f"{exe:.3f} ms (p90 {pct(t['true'], 90):.3f})")
    print("op      | floor wall | floor own | nsnet wall | nsnet own | nsnet own / floor own")
    for op in ("add", "rm"):
        fw, nw = pct(t[f"floor {op}"], 50), pct(t[f"nsnet {op}"], 50)
        fo, no = fw - exe, nw - exe
        ratio = f"{no / fo:.2f}x" if fo > 0 else "-"
        print(f"ns {op:<4} | {fw:10.3f} | {fo:9.3f} | {nw:10.3f} | {no:9.3f} | {ratio}")
    print(machine_line(start))


if __name__ == "__main__":
    main()
