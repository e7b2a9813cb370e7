# SPDX-License-Identifier: MIT
"""Timing loop for bench/scale (run by it, inside the sandbox).

Adds COUNT namespaces to one network (`nsnet ns add sN --net lan`), one after another, then removes
them newest first. Every command is started with fork+exec and reaped with wait4(), so each one has
its wall time (time.perf_counter_ns around the start and the reap), its CPU time (user, system) and
its peak RSS (ru_maxrss) from the kernel's own accounting. nsnet's own time is the wall time minus
that of an exec of /bin/true timed the same way (both under GNU time, for the peak RSS) (the median of TRUE_RUNS such execs, taken again at
every checkpoint, since the cost of a fork grows with the machine's load, not with nsnet).
At each checkpoint (10, 1000, 5000, 10000, COUNT) the figures are the median of the WINDOW commands
that end there: the adds that bring the network to that many namespaces, the removals that leave
it with that many.

On a routed network, with bench/floor built (NSNET_FLOOR, set by bench/scale), each checkpoint also
runs `floor --routed-one`: the same kernel work as WINDOW `ns add` and `ns rm` (namespace,
veth, addresses, routes, resolv.conf) done by one C process among nsnet's namespaces (its adds
count at the adds' checkpoints, its removals at the removals'), so the kernel's part at that
count is measured in the same state, and "above floor" (own - floor) is
what nsnet itself adds.
"""
import os
import shutil
import subprocess
import sys
import time

from benchlib import die, machine_line, machine_start, print_table, require_sandbox

CHECKPOINTS = (10, 1000, 5000, 10000)
WINDOW = 15  # bench/floor.c's WINDOW too
TRUE_RUNS = 21


def parse(argv):
    if not argv:
        die("usage: scale NSNET_BINARY [--driver bridge|routed] [--count N] [--backend nft|iptables] [--no-dns]")
    opts = {"bin": argv[0], "count": 1000, "driver": "bridge", "backend": "nft", "dns": True}
    args = iter(argv[1:])
    for a in args:
        if a == "--no-dns":
            opts["dns"] = False
            continue
        key, eq, val = a[2:].partition("=")
        if not a.startswith("--") or key not in ("driver", "count", "backend"):
            die(f"unknown argument {a!r}")
        if not eq:
            val = next(args, None)
            if val is None:
                die(f"{a} needs a value")
        opts[key] = val
    if isinstance(opts["count"], str) and not opts["count"].isdigit():
        die(f"--count {opts['count']!r}: expected a number of namespaces")
    opts["count"] = int(opts["count"])
    if not 10 <= opts["count"] <= 60000:
        die(f"--count {opts['count']}: expected 10 to 60000")
    return opts


GNU_TIME = "/usr/bin/time"
RSS_FILE = "/run/scale-rss"


def run_timed(cmd):
    """(wall ms, user ms, sys ms, maxrss KiB) of one command, which must succeed.

    The command runs under GNU time when there is one: a process forked from python would report
    python's RSS as its peak (ru_maxrss survives exec), one forked from time(1) its own.
    """
    gnu = os.access(GNU_TIME, os.X_OK)
    if gnu:
        cmd = [GNU_TIME, "-f", "%M", "-o", RSS_FILE, *cmd]
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e6
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace").strip()
    p.stderr.close()
    if p.returncode != 0:
        die(f"{' '.join(cmd)} failed ({p.returncode}): {err}")
    rss = ru.ru_maxrss
    if gnu:
        with open(RSS_FILE) as f:
            rss = int(f.read().split()[-1])
    return wall, ru.ru_utime * 1e3, ru.ru_stime * 1e3, rss


def true_ms():
    xs = sorted(run_timed(["/bin/true"])[0] for _ in range(TRUE_RUNS))
    return xs[len(xs) // 2]


def progress(what, i, n, last, t_run):
    """A line on stderr every 500 commands: a long run shows that it moves, and how fast."""
    if i % 500 == 0:
        print(f"scale: {what} {i}/{n}: last {last[0]:.1f} ms wall, {last[1] + last[2]:.1f} ms CPU, "
              f"{time.perf_counter() - t_run:.0f} s so far", file=sys.stderr, flush=True)


def floor_at(floor, serial):
    """(add ms, rm ms): medians of `floor --routed-one`'s WINDOW adds and removals."""
    out = subprocess.run([floor, "--routed-one", str(serial + 1)], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), float(out[1])


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]


def main():
    require_sandbox("scale")
    o = parse(sys.argv[1:])
    # A copy, so a rebuild during the run neither breaks it nor mixes two versions.
    nsnet, n = "/run/scale-nsnet", o["count"]
    shutil.copy2(o["bin"], nsnet)
    os.environ["NSNET_BACKEND"] = o["backend"]
    start = machine_start()
    t_run = time.perf_counter()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    create = [nsnet, "network", "create", "lan", "--subnet", "10.0.0.0/16"]
    if o["driver"] != "bridge":
        create += ["--driver", o["driver"]]
    if not o["dns"]:
        create += ["--no-dns"]
    run_timed(create)
    points = sorted({c for c in CHECKPOINTS if c <= n} | {n})
    floor = os.environ.get("NSNET_FLOOR") if o["driver"] == "routed" else None
    adds, rms, base, fl = {}, {}, {}, {}
    for i in range(1, n + 1):
        adds[i] = run_timed([nsnet, "ns", "add", f"s{i}", "--net", "lan"])
        progress("add", i, n, adds[i], t_run)
        if i in points:
            base[i, "add"] = true_ms()
            if floor:
                fl[i, "add"] = floor_at(floor, len(fl) * WINDOW)[0]
    # The last one must work before the removals are timed: it reaches the network's gateway (on
    # a routed network an address of its gateway link, through the host end) and the first one.
    for dst in ("10.0.0.1", "10.0.0.2"):
        subprocess.run(["ip", "netns", "exec", f"s{n}", "ping", "-c1", "-W2", dst], check=True,
                       stdout=subprocess.DEVNULL)
    for i in range(n, 0, -1):
        if i in points:
            base[i, "rm"] = true_ms()
            if floor:
                fl[i, "rm"] = floor_at(floor, len(fl) * WINDOW)[1]
        rms[i] = run_timed([nsnet, "ns", "rm", f"s{i}"])
        progress("rm", i, n, rms[i], t_run)
    wall_run = time.perf_counter() - t_run

    rows = [["namespaces", "add wall ms", "add own ms", "add user ms", "add sys ms", "add peak RSS KiB",
             "rm wall ms", "rm own ms", "rm user ms", "rm sys ms", "exec /bin/true ms"]]
    if fl:
        rows[0] += ["floor add ms", "floor rm ms", "add above floor", "rm above floor"]
    for c in points:
        wa = [adds[i] for i in range(max(1, c - WINDOW + 1), c + 1)]
        wr = [rms[i] for i in range(max(1, c - WINDOW + 1), c + 1)]
        tb = (base[c, "add"] + base[c, "rm"]) / 2
        aw, rw = median([x[0] for x in wa]), median([x[0] for x in wr])
        rows.append([str(c), f"{aw:.1f}", f"{aw - base[c, 'add']:.1f}", f"{median([x[1] for x in wa]):.1f}",
                     f"{median([x[2] for x in wa]):.1f}", str(max(x[3] for x in wa)), f"{rw:.1f}",
                     f"{rw - base[c, 'rm']:.1f}", f"{median([x[1] for x in wr]):.1f}",
                     f"{median([x[2] for x in wr]):.1f}", f"{tb:.2f}"])
        if fl:
            fa, fr = fl[c, "add"], fl[c, "rm"]
            rows[-1] += [f"{fa:.2f}", f"{fr:.2f}", f"{aw - base[c, 'add'] - fa:.1f}",
                         f"{rw - base[c, 'rm'] - fr:.1f}"]
    print(f"bench/scale: {n} namespaces on one {o['driver']} network ({o['backend']} backend, "
          f"{'with its resolver' if o['dns'] else '--no-dns'}), "
          f"nsnet {o['bin']} (copied at the start)")
    print_table(rows)
    print(f"figures: median of the {WINDOW} commands ending at each count; own = wall - exec of /bin/true "
          f"(median of {TRUE_RUNS}); user = nsnet's own CPU in user space; sys = the kernel's CPU on its "
          f"behalf (netlink, nf_tables, the namespace, file system); peak RSS = the largest ru_maxrss of those adds")
    if fl:
        print(f"floor = the same kernel work in one C process (bench/floor --routed-one, median of its {WINDOW} adds and removals, "
              f"no process start); above floor = own - floor: what nsnet adds to the kernel's work")
    print(f"whole run (create, {n} adds, ping, {n} removals): {wall_run:.1f} s")
    print(machine_line(start))


if __name__ == "__main__":
    main()
