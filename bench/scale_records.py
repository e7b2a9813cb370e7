# SPDX-License-Identifier: MIT
"""bench/scale --records N: nsnet's own cost of `ns add`/`ns rm` next to N namespace records.

Run by bench/scale inside the sandbox. The full run (bench/scale --count 10000 --driver routed)
also pays the kernel's growing part (10,000 namespaces and veths); this one isolates nsnet's:
one routed network and one real namespace, whose records serve as the template for N-1 more
written straight into the state dir (namespace record, lease, index entries of core/ends.c), as
if N namespaces were attached but with no kernel object behind them. Then ROUNDS times
`ns add tK --net lan` and `ns rm tK` are timed (wall, user+sys CPU, peak RSS, as in scale.py),
first with 10 records, then with N. Neither command reads the other records' namespaces.
"""
import json
import os
import subprocess
import sys

from benchlib import die, machine_line, machine_start, print_table, require_sandbox
from scale import median, run_timed, true_ms

ROUNDS = 15
STATE = "/run/nsnet"


def fnv(h, data):
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def host_veth(ns, net):
    return "nv%08x" % fnv(fnv(2166136261, ns.encode() + b"\0"), net.encode())


def guest_mac(ns, net):
    h = fnv(fnv(fnv(2166136261, ns.encode()), b"/"), net.encode())
    return "026d%08x" % h


def addr(i):
    n = (10 << 24) + 2 + i  # 10.0.0.2 + i
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def subst(obj, table):
    if isinstance(obj, dict):
        return {k: subst(v, table) for k, v in obj.items()}
    if isinstance(obj, list):
        return [subst(v, table) for v in obj]
    return table.get(obj, obj) if isinstance(obj, str) else obj


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)
        f.write("\n")


def fill(upto, start, tmpl):
    """Records of namespaces f{start}..f{upto-1}, at addresses after s1's."""
    for i in range(start, upto):
        name, a = f"f{i}", addr(i)
        table = {"s1": name, host_veth("s1", "lan"): host_veth(name, "lan"), addr(0): a}
        write(f"{STATE}/namespaces/{name}.json", subst(tmpl["ns"], table))
        write(f"{STATE}/leases/lan/{a}.json", subst(tmpl["lease"], table))
        write(f"{STATE}/ends/{host_veth(name, 'lan')}.json", {"namespace": name, "network": "lan"})
        write(f"{STATE}/ends/lan/{guest_mac(name, 'lan')}.json", {"namespace": name})
    write(f"{STATE}/leases/lan/next.json", {"ipv4": addr(upto - 1)})


def measure(nsnet, label, rows):
    adds, rms, base = [], [], []
    for k in range(ROUNDS):
        adds.append(run_timed([nsnet, "ns", "add", f"t{k}", "--net", "lan"]))
        rms.append(run_timed([nsnet, "ns", "rm", f"t{k}"]))
        if k % 5 == 0:
            base.append(true_ms())
    t = median(base)
    for what, xs in (("ns add", adds), ("ns rm", rms)):
        w = median([x[0] for x in xs])
        rows.append([label, what, f"{w:.1f}", f"{w - t:.1f}", f"{median([x[1] + x[2] for x in xs]):.1f}",
                     str(max(x[3] for x in xs)), f"{t:.2f}"])


def main(bin_path, n):
    require_sandbox("scale")
    nsnet = "/run/scale-nsnet"
    subprocess.run(["cp", bin_path, nsnet], check=True)
    start = machine_start()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    run_timed([nsnet, "network", "create", "lan", "--subnet", "10.0.0.0/16", "--driver", "routed"])
    run_timed([nsnet, "ns", "add", "s1", "--net", "lan"])
    with open(f"{STATE}/namespaces/s1.json") as f:
        ns = json.load(f)
    with open(f"{STATE}/leases/lan/{addr(0)}.json") as f:
        lease = json.load(f)
    if not os.path.exists(f"{STATE}/ends/complete.json"):
        die("this nsnet keeps no index of attachment ends (state dir has no ends/complete.json)")
    tmpl = {"ns": ns, "lease": lease}
    rows = [["records", "command", "wall ms", "own ms", "user+sys ms", "peak RSS KiB", "exec /bin/true ms"]]
    fill(10, 1, tmpl)
    measure(nsnet, "10", rows)
    fill(n, 10, tmpl)
    measure(nsnet, str(n), rows)
    r = subprocess.run([nsnet, "check"], capture_output=True, text=True)
    print(f"bench/scale --records {n}: one routed network, namespace records written into the state dir, "
          f"{ROUNDS} rounds of ns add + ns rm each")
    print_table(rows)
    print(f"own = wall - median exec of /bin/true; nsnet check afterwards: exit {r.returncode} "
          f"(the {n - 1} written records have no namespace behind them: differences expected)")
    print(machine_line(start))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
