#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The floor's `ns add`, `ns rm`, CNI ADD and DEL, one fresh process each, against nsnet's, same harness.

bench/floor times the kernel work of `ns add`/`ns rm` inside one long-running process. nsnet's
own time (bench/attach, issue 19) is a fresh process's wall time minus an exec of /bin/true. This
times both the same way: each operation is a process started as bench/cni starts a plugin
(benchlib.spawn_posix: posix_spawn, stdin and output through pipes, waitpid), interleaved one by
one with an exec of /bin/true started the same way, so both figures are "own time" from the same
loop, on the same machine, at the same moment.

Run by `sh bench/floor FLOOR_BINARY --cold NSNET_BINARY [COUNT]`, inside its sandbox, after its
setup (bridge nsfloor0, table bridge nsfloor). nsnet's `ns add`/`ns rm` side is a network made
with --no-dns (no resolver, as the floor has none) on its own bridge; its CNI side is nsnet run as
a plugin (config on stdin, CNI_* in the environment) on a network of its own, in namespaces the
harness made, as bench/cni runs it. The CNI DELs compared are the deferred ones (the port cut off
when DEL answers, the veth removed later), which is what nsnet's DEL does.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import die, machine_line, machine_start, pct, require_sandbox, spawn_posix  # noqa: E402

TRUE = "/bin/true"
TIMEOUT = 60  # seconds any one command may take


def spawn_ms(argv, conf=b"", env=None):
    """Wall time of argv in ms, started as bench/cni starts a plugin (spawn_posix: posix_spawn,
    @conf on stdin, its output read through pipes, waitpid); dies if it fails."""
    t0 = time.perf_counter_ns()
    try:
        p = spawn_posix(argv, conf, env if env is not None else dict(os.environ), TIMEOUT)
    except subprocess.TimeoutExpired:
        die(f"`{' '.join(argv)}` did not finish within {TIMEOUT} s")
    t1 = time.perf_counter_ns()
    if p.returncode != 0:
        die(f"`{' '.join(argv)}` failed with status {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    return (t1 - t0) / 1e6


def cni_env(command, cid, netns, plugin):
    return dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid, CNI_NETNS=netns, CNI_IFNAME="eth0",
                CNI_PATH=os.path.dirname(plugin))


def interleaved(t, op, count, floor_argv, nsnet_call):
    """For each i: an exec of /bin/true, then the floor's and nsnet's @op (nsnet first on odd turns)."""
    for i in range(count):
        t["true"].append(spawn_ms([TRUE]))
        order = [("floor", lambda: spawn_ms(floor_argv(i))), ("nsnet", lambda: nsnet_call(i))]
        for side, call in (order if i % 2 == 0 else order[::-1]):
            t.setdefault(f"{side} {op}", []).append(call())


def run(argv, stdin=None):
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
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
    t = {"true": []}
    interleaved(t, "add", count, lambda i: [floor, "--cold-add", str(i)],
                lambda i: spawn_ms([nsnet, "ns", "add", f"c{i}", "--net", "cold"]))
    # The work was real: the last namespace of each side reaches its gateway.
    run(["ip", "netns", "exec", f"fl{count - 1}", "ping", "-q", "-c1", "-W2", "10.2.0.1"])
    run(["ip", "netns", "exec", f"c{count - 1}", "ping", "-q", "-c1", "-W2", "10.3.0.1"])
    interleaved(t, "rm", count, lambda i: [floor, "--cold-rm", str(i)], lambda i: spawn_ms([nsnet, "ns", "rm", f"c{i}"]))
    run([nsnet, "network", "rm", "cold"])
    # CNI ADD and DEL: the runtime's namespaces exist before and after (made and removed untimed).
    conf = json.dumps({"cniVersion": "1.0.0", "name": "cold-cni", "type": "nsnet", "bridge": "nsnet-coldcni",
                       "subnet": "10.4.0.0/16"}).encode()
    fl, kn = [f"fl{i}" for i in range(count)], [f"k{i}" for i in range(count)]
    run(["ip", "-batch", "-"], "".join(f"netns add {n}\n" for n in fl + kn))
    for n in fl + kn:
        run(["ip", "-n", n, "link", "set", "lo", "up"])
    for verb, fop in (("ADD", "--cold-cni-add"), ("DEL", "--cold-cni-del")):
        interleaved(t, f"cni {verb.lower()}", count, lambda i: [floor, fop, str(i)],
                    lambda i: spawn_ms([nsnet], conf, cni_env(verb, f"cid-k{i}", f"/run/netns/k{i}", nsnet)))
        if verb == "ADD":
            run(["ip", "netns", "exec", fl[-1], "ping", "-q", "-c1", "-W2", "10.2.0.1"])
            run(["ip", "netns", "exec", kn[-1], "ping", "-q", "-c1", "-W2", "10.4.0.1"])
    # Untimed: what the deferred DELs left (the floor's veths and elements), then the namespaces.
    run(["ip", "-batch", "-"], "".join(f"link del fv{i}\n" for i in range(count)))
    run(["nft", "flush set bridge nsfloor ports; flush set bridge nsfloor mac; flush set bridge nsfloor addr4"])
    run(["ip", "-batch", "-"], "".join(f"netns del {n}\n" for n in fl + kn))
    exe = pct(t["true"], 50)
    print(f"floor, one process per operation (started as bench/cni starts plugins), {count} of each; exec of /bin/true "
          f"{exe:.3f} ms (p90 {pct(t['true'], 90):.3f})")
    print("op      | floor wall | floor own | nsnet wall | nsnet own | nsnet own / floor own")
    for op, name in (("add", "ns add"), ("rm", "ns rm"), ("cni add", "CNI ADD"), ("cni del", "CNI DEL")):
        fw, nw = pct(t[f"floor {op}"], 50), pct(t[f"nsnet {op}"], 50)
        fo, no = fw - exe, nw - exe
        ratio = f"{no / fo:.2f}x" if fo > 0 else "-"
        print(f"{name:<7} | {fw:10.3f} | {fo:9.3f} | {nw:10.3f} | {no:9.3f} | {ratio}")
    print(machine_line(start))


if __name__ == "__main__":
    main()
