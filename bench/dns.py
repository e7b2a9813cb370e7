# SPDX-License-Identifier: MIT
# bench/dns, inside the sandbox: see that script. Prints one table; figures, not pass/fail.
import os, random, socket, statistics, struct, subprocess, sys, time

nsnet, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def query(server, name, timeout=1.0):
    """One A query; returns (answered, seconds)."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    t0 = time.perf_counter()
    try:
        s.sendto(q, (server, 53))
        m = s.recv(4096)
        return struct.unpack(">H", m[6:8])[0] > 0, time.perf_counter() - t0
    except OSError:
        return False, time.perf_counter() - t0
    finally:
        s.close()


def in_ns(ns):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    os.setns(fd, 0x40000000)
    os.close(fd)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000


def adds(net, prefix, n, dns):
    times, late = [], 0
    for i in range(n):
        t0 = time.perf_counter()
        run(nsnet, "ns", "add", f"{prefix}{i}", "--net", net)
        times.append(time.perf_counter() - t0)
        if dns:
            ok, _ = query(gw[net], f"{prefix}{i}.{net}", 0.2)
            late += not ok
    return times, late


gw = {"lan": "10.20.0.1", "plain": "10.21.0.1"}
run(nsnet, "network", "create", "lan", "--subnet", "10.20.0.0/16")
run(nsnet, "network", "create", "plain", "--subnet", "10.21.0.0/16", "--no-dns")
t_dns, late = adds("lan", "d", count, True)
t_plain, _ = adds("plain", "p", count, False)
# A dnsmasq queried directly (the same program, no nsnet in between) on another address.
run("ip", "addr", "add", "10.22.0.1/32", "dev", "lo")
direct = subprocess.Popen(["/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--user=root",
                           "--pid-file=", "--listen-address=10.22.0.1", "--bind-interfaces",
                           "--address=/direct.test/10.22.0.9"])
time.sleep(0.5)
pid = os.fork()
if pid == 0:
    in_ns("d0")
    via = [query("10.20.0.1", f"d{random.randrange(count)}.lan")[1] for _ in range(2000)]
    print(f"via nsnet resolver p50 {pct(via, .5):.3f} ms  p99 {pct(via, .99):.3f} ms  (from namespace d0, names of the network)")
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
dl = [query("10.22.0.1", "direct.test")[1] for _ in range(2000)]
direct.terminate()
direct.wait()
for net, pre in (("lan", "d"), ("plain", "p")):
    for i in range(count):
        run(nsnet, "ns", "rm", f"{pre}{i}")
    run(nsnet, "network", "rm", net)
print(f"names: {count}; not resolving right after ns add returned: {late}")
print(f"ns add with DNS    p50 {pct(t_dns, .5):.2f} ms  p99 {pct(t_dns, .99):.2f} ms  last (the {count}th) {t_dns[-1]*1000:.2f} ms")
print(f"ns add --no-dns    p50 {pct(t_plain, .5):.2f} ms  p99 {pct(t_plain, .99):.2f} ms  last {t_plain[-1]*1000:.2f} ms")
print(f"difference of means {1000 * (statistics.mean(t_dns) - statistics.mean(t_plain)):.2f} ms per ns add")
print(f"direct dnsmasq     p50 {pct(dl, .5):.3f} ms  p99 {pct(dl, .99):.3f} ms  (host to 10.22.0.1)")
