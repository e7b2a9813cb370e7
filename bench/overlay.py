# SPDX-License-Identifier: MIT
"""bench/overlay, inside the sandbox: see that script. Figures, not pass/fail.

The underlay is a bridge `ul` in the sandbox with etcd's namespace `st` (172.31.0.2) and hosts
h1..h3 (172.31.0.11..13). A host is a network namespace plus a process holding a private mount
namespace (its own /run: state dir, /run/netns, and /etc/netns); nsnet runs there through nsenter.
Each figure is taken once per round; the table gives every round, the median and the spread
((max - min) / min). Rounds alternate the order of the two throughput sides.
"""
import json
import os
import signal
import subprocess
import sys
import time

from benchlib import die, machine_line, machine_start, print_table, require_sandbox

ETCD = "http://172.31.0.2:2379"
SUBNET = "10.50.0.0/16"


def parse(argv):
    if not argv:
        die("usage: overlay NSNET_BINARY [--rounds N] [--seconds S] [--ttl S]")
    opts = {"bin": argv[0], "rounds": 3, "seconds": 5, "ttl": 10}
    args = iter(argv[1:])
    for a in args:
        key, eq, val = a[2:].partition("=")
        if not a.startswith("--") or key not in opts or key == "bin":
            die(f"unknown argument {a!r}")
        val = val if eq else next(args, None)
        if val is None or not val.isdigit() or int(val) < 1:
            die(f"{a}: expected a positive number")
        opts[key] = int(val)
    return opts


def run(*args, check=True, quiet=True):
    r = subprocess.run(args, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE, text=True)
    if check and r.returncode:
        die(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def ok(*args):
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def poll(what, limit_s, fn, step=0.01):
    """Call fn until it is true; the seconds it took, or die after limit_s."""
    t0 = time.perf_counter()
    while not fn():
        if time.perf_counter() - t0 > limit_s:
            die(f"{what}: not after {limit_s} s")
        time.sleep(step)
    return time.perf_counter() - t0


class Bench:
    def __init__(self, o):
        # The binary itself, not a copy in the sandbox's /run: each host has its own /run, and the
        # agent nsnet starts is /proc/self/exe, which must be reachable from the host.
        self.o, self.pids, self.hosts, self.nsnet = o, [], {}, o["bin"]

    def spawn(self, *args, **kw):
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, **kw)
        self.pids.append(p)
        return p

    def plug(self, ns, addr):
        run("ip", "link", "add", f"u-{ns}", "type", "veth", "peer", "name", "eth0", "netns", ns)
        run("ip", "link", "set", f"u-{ns}", "master", "ul", "up")
        run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")

    def host_up(self, n):
        run("ip", "netns", "add", f"h{n}")
        self.plug(f"h{n}", f"172.31.0.1{n}")
        p = self.spawn("ip", "netns", "exec", f"h{n}", "unshare", "--mount", "--propagation", "private", "sh", "-c",
                       "mount -t tmpfs -o mode=0755 ov-run /run && mkdir -p /run/netns /run/nsnet && "
                       "mount -t tmpfs -o mode=0755 ov-etc /etc/netns && touch /run/ready && exec sleep 100000")
        self.hosts[n] = p.pid
        poll(f"host h{n}", 10, lambda: ok("nsenter", "-t", str(p.pid), "-m", "test", "-f", "/run/ready"))

    def on(self, n, *args):
        return ["nsenter", "-t", str(self.hosts[n]), "-m", "-n", "--", *args]

    def nsn(self, n, *args):
        return run(*self.on(n, self.nsnet, *args))

    def create(self, n):
        return self.nsn(n, "network", "create", "ov", "--driver", "vxlan", "--subnet", SUBNET, "--store", ETCD,
                        "--ttl", str(self.o["ttl"]))

    def fdb_has(self, n, vtep):
        r = run(*self.on(n, "sh", "-c", "bridge fdb show | grep ' dst %s '" % vtep), check=False)
        return r.returncode == 0

    def iperf(self, n, client_ns, server_ip):
        r = run(*self.on(n, "ip", "netns", "exec", client_ns, "iperf3", "-c", server_ip, "-t", str(self.o["seconds"]),
                         "-J"))
        return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9

    def iperf_server(self, n, ns):
        self.spawn(*self.on(n, "ip", "netns", "exec", ns, "iperf3", "-s"), stdout=subprocess.DEVNULL)
        poll(f"iperf3 in {ns}", 10, lambda: run(*self.on(n, "ip", "netns", "exec", ns, "ss", "-ltnH", "sport = :5201"),
                                                  check=False).stdout.strip() != "")

    def addr(self, n, ns):
        out = run(*self.on(n, "ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0")).stdout.split()
        return out[3].split("/")[0]

    def gateway(self, n):
        out = run(*self.on(n, "ip", "-4", "-o", "addr", "show", "dev", "nsnet-ov")).stdout.split()
        return out[3].split("/")[0]

    def setup(self):
        run("ip", "link", "set", "lo", "up")
        run("ip", "link", "add", "ul", "type", "bridge")
        run("ip", "link", "set", "ul", "up")
        run("ip", "netns", "add", "st")
        self.plug("st", "172.31.0.2")
        os.makedirs("/run/overlay-etcd", exist_ok=True)
        self.etcd = self.spawn("ip", "netns", "exec", "st", "etcd", "--data-dir", "/run/overlay-etcd", "--name", "st",
                               "--listen-client-urls", ETCD, "--advertise-client-urls", ETCD,
                               "--listen-peer-urls", "http://127.0.0.1:2380",
                               "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                               "--initial-cluster", "st=http://127.0.0.1:2380",
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        poll("etcd", 30, lambda: ok("ip", "netns", "exec", "st", "etcdctl", "--endpoints", ETCD, "endpoint", "health"),
             0.1)
        for n in (1, 2, 3):
            self.host_up(n)
        # Overlay on h1 and h2, one namespace each; a bridge network with two namespaces on h1.
        for n in (1, 2):
            self.create(n)
            self.nsn(n, "ns", "add", f"a{n}", "--net", "ov")
        self.nsn(1, "network", "create", "lan", "--subnet", "10.60.0.0/24")
        self.nsn(1, "ns", "add", "b1", "--net", "lan")
        self.nsn(1, "ns", "add", "b2", "--net", "lan")
        poll("h1 programs h2", 15, lambda: self.fdb_has(1, "172.31.0.12"))
        self.iperf_server(2, "a2")
        self.iperf_server(1, "b2")

    def throughput(self, rnd):
        sides = [("overlay", lambda: self.iperf(1, "a1", self.addr(2, "a2"))),
                 ("bridge", lambda: self.iperf(1, "b1", self.addr(1, "b2")))]
        if rnd % 2:
            sides.reverse()
        return {name: fn() for name, fn in sides}

    def join(self):
        """network create on h3, then until a1 (h1) and a2 (h2) both ping h3's gateway."""
        t0 = time.perf_counter()
        self.create(3)
        t_create = time.perf_counter() - t0
        gw = self.gateway(3)
        reached = set()

        def all_reach():
            for n in (1, 2):
                if n not in reached and ok(*self.on(n, "ip", "netns", "exec", f"a{n}", "ping", "-n", "-c1", "-W1", gw)):
                    reached.add(n)
            return len(reached) == 2
        poll("h1 and h2 reach h3", 30, all_reach, 0.005)
        return t_create, time.perf_counter() - t0

    def drop(self):
        """Cut h3 off the underlay: until neither h1 nor h2 has it in its FDB."""
        poll("h1 and h2 program h3", 30, lambda: self.fdb_has(1, "172.31.0.13") and self.fdb_has(2, "172.31.0.13"))
        t0 = time.perf_counter()
        run("ip", "link", "set", "u-h3", "down")
        poll("h1 and h2 drop h3", self.o["ttl"] + 30,
             lambda: not self.fdb_has(1, "172.31.0.13") and not self.fdb_has(2, "172.31.0.13"), 0.02)
        t = time.perf_counter() - t0
        run("ip", "link", "set", "u-h3", "up")
        # A clean leave for the next round's join (untimed): h3's agent is back, then network rm.
        poll("h1 sees h3 again", self.o["ttl"] + 30, lambda: self.fdb_has(1, "172.31.0.13"), 0.05)
        self.nsn(3, "network", "rm", "ov")
        poll("h1 forgets h3", 15, lambda: not self.fdb_has(1, "172.31.0.13"))
        return t

    def teardown(self):
        for n in (1, 2):
            self.nsn(n, "ns", "rm", f"a{n}", "--force")
            self.nsn(n, "network", "rm", "ov")
        for ns in ("b1", "b2"):
            self.nsn(1, "ns", "rm", ns, "--force")
        self.nsn(1, "network", "rm", "lan")
        for p in reversed(self.pids):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def stats(xs):
    lo, hi = min(xs), max(xs)
    return sorted(xs)[len(xs) // 2], (hi - lo) / lo * 100 if lo > 0 else 0.0


def main():
    require_sandbox("overlay")
    o = parse(sys.argv[1:])
    start = machine_start()
    b = Bench(o)
    b.setup()
    res = {k: [] for k in ("overlay", "bridge", "create", "join", "drop")}
    for rnd in range(o["rounds"]):
        for k, v in b.throughput(rnd).items():
            res[k].append(v)
        t_create, t_join = b.join()
        res["create"].append(t_create * 1000)
        res["join"].append(t_join * 1000)
        res["drop"].append(b.drop() * 1000)
        print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in res.items()), file=sys.stderr)
    b.teardown()
    names = {"overlay": "TCP overlay h1 -> h2, Gbit/s", "bridge": "TCP one bridge on h1, Gbit/s",
             "create": "network create on h3, ms", "join": "join: create until h1 and h2 reach h3, ms",
             "drop": f"dead host dropped by h1 and h2 (TTL {o['ttl']} s), ms"}
    rows = [["figure"] + [f"round {i + 1}" for i in range(o["rounds"])] + ["median", "spread %"]]
    for k, label in names.items():
        med, spread = stats(res[k])
        rows.append([label] + [f"{x:.2f}" for x in res[k]] + [f"{med:.2f}", f"{spread:.0f}"])
    ratio = stats(res["overlay"])[0] / stats(res["bridge"])[0]
    print(f"bench/overlay: 3 hosts (network + mount namespaces) on one underlay bridge, etcd {ETCD}, "
          f"nsnet {o['bin']}; iperf3 -t {o['seconds']}")
    print_table(rows)
    print(f"overlay / bridge throughput (medians): {ratio:.2f}")
    print("spread = (max - min) / min over the rounds; throughput rounds alternate which side runs first")
    print(machine_line(start))


if __name__ == "__main__":
    main()
