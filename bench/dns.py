# SPDX-License-Identifier: MIT
# bench/dns, inside the sandbox: see that script. Prints figures, not pass/fail.
#
# 1. COUNT namespaces on a network with a resolver ("lan") and COUNT on one made with --no-dns
#    ("plain"), added alternately (lan first on even i, plain first on odd i) so that both sides
#    see the same machine. After each lan add, one query from the host asks the resolver for the
#    new name: a miss means the name did not resolve when `ns add` returned.
# 2. From a namespace of lan: queries to the resolver for names of the network, for names it
#    forwards to the "wan" server (new names: not in its cache; and one repeated name: cached),
#    and the same names asked of the wan server directly. Kinds interleaved, three rounds.
import ctypes, os, random, socket, statistics, struct, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import machine_line, machine_start, require_sandbox  # noqa: E402

nsnet, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
WAN_DNS = "198.51.100.53"
GW = {"lan": "10.20.0.1", "plain": "10.21.0.1"}
ROUNDS, PER_KIND = 3, 500


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def query(server, name, timeout=1.0):
    """One A query; returns (answered with at least one record, seconds)."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    t0 = time.perf_counter()
    try:
        s.sendto(q, (server, 53))
        while True:
            m = s.recv(4096)
            if struct.unpack(">H", m[:2])[0] == qid:
                return struct.unpack(">H", m[6:8])[0] > 0, time.perf_counter() - t0
    except OSError:
        return False, time.perf_counter() - t0
    finally:
        s.close()


def wait_answers(server, name, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if query(server, name, 0.2)[0]:
            return
    sys.exit(f"bench/dns: {server} does not answer {name}")


def enter_netns(ns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        sys.exit(f"bench/dns: setns {ns}: {os.strerror(ctypes.get_errno())}")
    os.close(fd)


def ms(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000


def spread(xs):
    return (max(xs) - min(xs)) / min(xs) * 100 if min(xs) > 0 else 0.0


def make_wan():
    run("ip", "link", "set", "lo", "up")
    run("ip", "netns", "add", "wan")
    run("ip", "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", "wan")
    run("ip", "addr", "add", "192.0.2.1/24", "dev", "uplink")
    run("ip", "link", "set", "uplink", "up")
    run("ip", "-n", "wan", "link", "set", "lo", "up")
    run("ip", "-n", "wan", "addr", "add", "192.0.2.2/24", "dev", "eth0")
    run("ip", "-n", "wan", "addr", "add", WAN_DNS + "/32", "dev", "lo")
    run("ip", "-n", "wan", "link", "set", "eth0", "up")
    run("ip", "route", "add", "198.51.100.0/24", "via", "192.0.2.2")
    # The wan's server answers every name under wan.test (the forwarded names).
    p = subprocess.Popen(["ip", "netns", "exec", "wan", "/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv",
                          "--no-hosts", "--user=root", "--pid-file=", "--listen-address=" + WAN_DNS,
                          "--bind-interfaces", "--address=/wan.test/198.51.100.9", "--local-ttl=60"])
    wait_answers(WAN_DNS, "ready.wan.test")
    return p


def adds():
    t = {"lan": [], "plain": []}
    late = 0
    for i in range(count):
        for net in (("lan", "plain") if i % 2 == 0 else ("plain", "lan")):
            name = ("d" if net == "lan" else "p") + str(i)
            t0 = time.perf_counter()
            run(nsnet, "ns", "add", name, "--net", net)
            t[net].append(time.perf_counter() - t0)
            if net == "lan":
                late += not query(GW["lan"], f"{name}.lan", 0.5)[0]
    return t, late


def queries_from_d0(out_fd):
    """In a child inside namespace d0: ROUNDS rounds of the four kinds, interleaved; writes the results."""
    enter_netns("d0")
    res = {k: [[] for _ in range(ROUNDS)] for k in ("local", "forwarded", "cached", "direct")}
    for r in range(ROUNDS):
        for j in range(PER_KIND):
            fresh = f"r{r}x{j}.wan.test"
            kinds = [("local", GW["lan"], f"d{random.randrange(count)}.lan"),
                     ("forwarded", GW["lan"], fresh),
                     ("cached", GW["lan"], "cached.wan.test"),
                     ("direct", WAN_DNS, f"q{r}x{j}.wan.test")]
            random.shuffle(kinds)
            for kind, server, name in kinds:
                ok, sec = query(server, name)
                if ok:
                    res[kind][r].append(sec)
    os.write(out_fd, repr(res).encode())
    os._exit(0)


def main():
    require_sandbox("dns")
    start = machine_start()
    wan = make_wan()
    run(nsnet, "network", "create", "lan", "--subnet", "10.20.0.0/16", "--dns-upstream", WAN_DNS)
    run(nsnet, "network", "create", "plain", "--subnet", "10.21.0.0/16", "--no-dns")
    t, late = adds()

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        queries_from_d0(w)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    res = eval(data.decode())  # our own child's repr of dicts and lists of floats

    for net, pre in (("lan", "d"), ("plain", "p")):
        for i in range(count):
            run(nsnet, "ns", "rm", f"{pre}{i}")
        run(nsnet, "network", "rm", net)
    wan.terminate()
    wan.wait()

    print(f"bench/dns: {count} namespaces on a network with a resolver (lan) and {count} on one with --no-dns "
          f"(plain), added alternately; nsnet {nsnet}")
    print(f"names that did not resolve when ns add returned: {late} of {count}")
    print("ns add wall ms     |  p50 |  p90 |  p99 | mean | first 100 p50 | last 100 p50")
    for net in ("lan", "plain"):
        v = t[net]
        print(f"  {net + (' (DNS)' if net == 'lan' else ' (--no-dns)'):<16} | {ms(v, .5):4.2f} | {ms(v, .9):4.2f} | "
              f"{ms(v, .99):4.1f} | {statistics.mean(v) * 1000:4.2f} | {ms(v[:100], .5):13.2f} | {ms(v[-100:], .5):12.2f}")
    d50 = ms(t["lan"], .5) - ms(t["plain"], .5)
    dmean = (statistics.mean(t["lan"]) - statistics.mean(t["plain"])) * 1000
    dlast = ms(t["lan"][-100:], .5) - ms(t["plain"][-100:], .5)
    print(f"  DNS costs per ns add: {d50:+.2f} ms (p50), {dmean:+.2f} ms (mean), {dlast:+.2f} ms (p50 of the last "
          f"100, i.e. names {count - 99}..{count}: the reload cost at {count} names)")
    print(f"queries from namespace d0, {ROUNDS} rounds x {PER_KIND} per kind, kinds interleaved (ms):")
    print("  kind                                   |   p50 |   p99 | round p50s          | spread")
    labels = {"local": "resolver, a name of the network", "forwarded": "resolver -> wan server, new name",
              "cached": "resolver, forwarded name in cache", "direct": "wan server directly, new name"}
    for k in ("local", "forwarded", "cached", "direct"):
        allv = [x for rr in res[k] for x in rr]
        if not allv:
            print(f"  {labels[k]:<38} | no answers")
            continue
        rp = [ms(rr, .5) for rr in res[k] if rr]
        print(f"  {labels[k]:<38} | {ms(allv, .5):5.3f} | {ms(allv, .99):5.3f} | "
              f"{' '.join(f'{x:.3f}' for x in rp):<19} | {spread(rp):.0f}%  ({len(allv)} answered)")
    print(machine_line(start))


if __name__ == "__main__":
    main()
