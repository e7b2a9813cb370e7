# SPDX-License-Identifier: MIT
"""Timing loop for bench/attach (run by it, inside the sandbox).

For each side (nsnet, then the ip-command script; the order alternates per round) it adds COUNT namespaces
one after another, timing each command with time.perf_counter_ns, checks that they work, then removes them,
timing each removal. Between phases it waits (bounded) until the kernel has really removed the veths, so
one side's asynchronous namespace cleanup does not land in the other side's timings.
"""
import os
import shutil
import subprocess
import sys
import time

from benchlib import die, machine_line, machine_start, pct, print_table, require_sandbox

BR_NSNET, NET_NSNET, GW_NSNET = "nsnet-lan", "lan", "10.0.0.1"
# The same adds on a network made with --no-dns, alternating with lan's (issue 12: DNS may cost an
# attach at most 0.5 ms).
BR_PLAIN, NET_PLAIN, GW_PLAIN = "nsnet-plain", "plain", "10.2.0.1"
DNS_LIMIT_MS = 0.5
BR_IP, GW_IP = "ipbench", "10.1.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
IP_SCRIPT = os.path.join(HERE, "attach-ip.sh")


def parse(argv):
    if not argv:
        die("usage: attach NSNET_BINARY [COUNT] [--rounds N] [--backend nft|iptables]")
    opts = {"bin": argv[0], "count": 200, "rounds": 2, "backend": "nft"}
    args = iter(argv[1:])
    for a in args:
        if a.isdigit():
            opts["count"] = int(a)
        elif a in ("--rounds", "--backend"):
            v = next(args, None)
            if v is None:
                die(f"{a} needs a value")
            opts[a[2:]] = int(v) if a == "--rounds" else v
        elif a.startswith(("--rounds=", "--backend=")):
            k, v = a[2:].split("=", 1)
            opts[k] = int(v) if k == "rounds" else v
        else:
            print(f"bench: ignoring unknown argument {a!r}", file=sys.stderr)
    if not 1 <= opts["count"] <= 60000:
        die("COUNT must be between 1 and 60000")
    if opts["backend"] not in ("nft", "iptables"):
        die(f"--backend {opts['backend']}: expected nft or iptables")
    # Every nsnet command of the run uses it (network create records it in the sandbox's state dir).
    os.environ["NSNET_BACKEND"] = opts["backend"]
    return opts


TIMEOUT = 60  # seconds any one command may take before the bench gives up


def spawn(cmd, **kw):
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=TIMEOUT, **kw)
    except subprocess.TimeoutExpired:
        die(f"`{' '.join(cmd)}` did not finish within {TIMEOUT} s")


def run(cmd, check=True):
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and p.returncode != 0:
        die(f"`{' '.join(cmd)}` failed with status {p.returncode}:\n{p.stdout.rstrip()}")
    return p.stdout


def timed(cmds):
    """Run each command in turn; return the wall time of each in ms. Stop at the first failure."""
    out = []
    for cmd in cmds:
        t0 = time.perf_counter_ns()
        p = spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t1 = time.perf_counter_ns()
        if p.returncode != 0:
            die(f"`{' '.join(cmd)}` failed with status {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
        out.append((t1 - t0) / 1e6)
    return out


def links_on(bridge):
    return len(run(["ip", "-o", "link", "show", "master", bridge], check=False).splitlines())


def netns_count():
    return len(run(["ip", "netns", "list"]).splitlines())


def wait_drained(bridge, timeout=60.0):
    """Poll until no port is left on the bridge (namespace deletion finishes asynchronously)."""
    end = time.monotonic() + timeout
    while links_on(bridge):
        if time.monotonic() > end:
            die(f"{links_on(bridge)} veths still on {bridge} {timeout:.0f} s after removing their namespaces")
        time.sleep(0.05)


def check_added(side, names, bridge, gw, total=None):
    total = len(names) if total is None else total
    if netns_count() != total or links_on(bridge) != len(names):
        die(f"{side}: expected {total} namespaces and {len(names)} veths, found {netns_count()} and {links_on(bridge)}")
    last = names[-1]
    if not run(["ip", "-n", last, "route", "show", "default"]).strip():
        die(f"{side}: {last} has no default route")
    run(["ip", "netns", "exec", last, "ping", "-c1", "-W2", "-q", gw])  # the last one really is attached


def check_removed(side, bridge):
    wait_drained(bridge)
    left = netns_count() + len(os.listdir("/etc/netns"))
    if left:
        die(f"{side}: namespaces or /etc/netns entries left after rm: {run(['ip', 'netns', 'list'])}")


TRUE = shutil.which("true") or "/bin/true"
EXEC = []  # exec of /bin/true by the same harness, one after each nsnet command: what start-up alone costs


def timed_own(cmds):
    """timed(), each command followed by an exec of /bin/true (its time goes to EXEC)."""
    out = []
    for cmd in cmds:
        out += timed([cmd])
        EXEC.extend(timed([[TRUE]]))
    return out


PLAIN = {"add": [], "rm": [], "lan_add": [], "lan_rm": []}  # per round: plain's times, and lan's of the same run


def alternating(o, cmd):
    """cmd(net, name) for each name on lan and on plain, lan first on even turns, plain first on odd ones."""
    t = {NET_NSNET: [], NET_PLAIN: []}
    for i in range(1, o["count"] + 1):
        for net in ((NET_NSNET, NET_PLAIN) if i % 2 == 0 else (NET_PLAIN, NET_NSNET)):
            t[net] += timed_own([cmd(net, ("b" if net == NET_NSNET else "p") + str(i))])
    return t[NET_NSNET], t[NET_PLAIN]


def side_nsnet(o):
    names = [f"b{i}" for i in range(1, o["count"] + 1)]
    plain = [f"p{i}" for i in range(1, o["count"] + 1)]
    add, padd = alternating(o, lambda net, n: [o["bin"], "ns", "add", n, "--net", net])
    check_added("nsnet", names, BR_NSNET, GW_NSNET, 2 * len(names))
    check_added("nsnet (--no-dns)", plain, BR_PLAIN, GW_PLAIN, 2 * len(names))
    rm, prm = alternating(o, lambda net, n: [o["bin"], "ns", "rm", n])
    check_removed("nsnet", BR_NSNET)
    wait_drained(BR_PLAIN)
    PLAIN["add"].append(padd)
    PLAIN["rm"].append(prm)
    return add, rm, rm


def side_ip(o):
    names = [f"ip{i}" for i in range(1, o["count"] + 1)]
    add = timed([["sh", IP_SCRIPT, "add", n, str(i)] for i, n in enumerate(names)])
    check_added("ip-script", names, BR_IP, GW_IP)
    rm = timed([["sh", IP_SCRIPT, "rm", n] for n in names])
    check_removed("ip-script", BR_IP)
    # Again, removed the way tutorials teach it: veth first (each delete waits for the kernel).
    timed([["sh", IP_SCRIPT, "add", n, str(i)] for i, n in enumerate(names)])
    check_added("ip-script", names, BR_IP, GW_IP)
    rmveth = timed([["sh", IP_SCRIPT, "rmveth", n, str(i)] for i, n in enumerate(names)])
    check_removed("ip-script", BR_IP)
    return add, rm, rmveth


def main():
    o = parse(sys.argv[1:])
    require_sandbox("attach")
    machine = machine_start()

    run([o["bin"], "network", "create", NET_NSNET, "--subnet", "10.0.0.0/16"])
    run([o["bin"], "network", "create", NET_PLAIN, "--subnet", "10.2.0.0/16", "--no-dns"])
    run(["sh", IP_SCRIPT, "setup"])
    res = {s: {"add": [], "rm": [], "rmveth": []} for s in ("nsnet", "ip")}
    sides = {"nsnet": side_nsnet, "ip": side_ip}
    for r in range(o["rounds"]):
        for s in (("nsnet", "ip") if r % 2 == 0 else ("ip", "nsnet")):
            add, rm, rmveth = sides[s](o)
            res[s]["add"].append(add)
            res[s]["rm"].append(rm)
            res[s]["rmveth"].append(rmveth)
    run([o["bin"], "network", "rm", NET_NSNET])
    run([o["bin"], "network", "rm", NET_PLAIN])
    run(["sh", IP_SCRIPT, "teardown"])
    machine = machine_line(machine)

    def allof(s, op):
        return [x for rnd in res[s][op] for x in rnd]

    print(f"attach benchmark: {o['count']} namespaces added one after another, then removed; "
          f"{o['rounds']} rounds per side, sides alternating")
    print(machine)
    print(f"nsnet:     {o['bin']} ns add NAME --net lan / ns rm NAME  (lan = 10.0.0.0/16 with its resolver, "
          f"{o['backend']} backend)")
    print(f"ip-script: {os.path.relpath(IP_SCRIPT)} add NAME INDEX / rm NAME  (bridge {BR_IP}, 10.1.0.0/16)")
    print()
    rows = [("op", "nsnet median ms", "ip-script median ms", "ratio (ip/nsnet)")]
    labels = {"add": "ns add", "rm": "ns rm (script: ip netns del)",
              "rmveth": "ns rm (script: ip link del veth, then ip netns del)"}
    for op in ("add", "rm", "rmveth"):
        a, b = pct(allof("nsnet", op), 50), pct(allof("ip", op), 50)
        rows.append((labels[op], f"{a:.2f}", f"{b:.2f}", f"{b / a:.2f}"))
    print_table(rows)
    print()
    print("noise: p90, and the median of each round (spread = (max - min) / min of those medians)")
    for op in ("add", "rm"):
        for s, label in (("nsnet", "nsnet"), ("ip", "ip-script")):
            meds = [pct(rnd, 50) for rnd in res[s][op]]
            spread = (max(meds) - min(meds)) / min(meds) * 100
            print(f"  ns {op:<3} {label:<9}  p90 {pct(allof(s, op), 90):7.2f} ms   rounds "
                  + " ".join(f"{m:.2f}" for m in meds) + f" ms   spread {spread:.0f}%")
    tenth = max(1, o["count"] // 10)
    print(f"growth: median of the first {tenth} and of the last {tenth} ops of each round (does cost rise with the count?)")
    for op in ("add", "rm"):
        parts = []
        for s, label in (("nsnet", "nsnet"), ("ip", "ip-script")):
            first = pct([x for rnd in res[s][op] for x in rnd[:tenth]], 50)
            last = pct([x for rnd in res[s][op] for x in rnd[-tenth:]], 50)
            parts.append(f"{label} {first:.2f} -> {last:.2f} ms")
        print(f"  ns {op:<3} " + ",  ".join(parts))
    print("ratio > 1: nsnet is faster than the ip script; < 1: slower.")
    ex = pct(EXEC, 50)
    print(f"own time: nsnet median - exec of /bin/true by the same harness (median {ex:.2f} ms, p10 {pct(EXEC, 10):.2f}, "
          f"p90 {pct(EXEC, 90):.2f}, {len(EXEC)} runs, one after each nsnet command)")
    for op in ("add", "rm"):
        meds = [pct(rnd, 50) - ex for rnd in res["nsnet"][op]]
        print(f"  ns {op:<3} own {pct(allof('nsnet', op), 50) - ex:6.2f} ms   rounds "
              + " ".join(f"{m:.2f}" for m in meds) + " ms")
    print(f"DNS: the same nsnet adds and removals on plain (10.2.0.0/16, --no-dns), alternating one by one with lan's")
    for op in ("add", "rm"):
        lan, plain = allof("nsnet", op), [x for rnd in PLAIN[op] for x in rnd]
        d = [pct(a, 50) - pct(b, 50) for a, b in zip(res["nsnet"][op], PLAIN[op])]
        verdict = "" if op == "rm" else (f"  (issue 12: at most +{DNS_LIMIT_MS} ms: "
                                         f"{'met' if pct(lan, 50) - pct(plain, 50) <= DNS_LIMIT_MS else 'NOT met'})")
        print(f"  ns {op:<3} median lan (DNS) {pct(lan, 50):.2f} ms, plain (--no-dns) {pct(plain, 50):.2f} ms: "
              f"DNS costs {pct(lan, 50) - pct(plain, 50):+.2f} ms; rounds " + " ".join(f"{x:+.2f}" for x in d)
              + verdict)


if __name__ == "__main__":
    main()
