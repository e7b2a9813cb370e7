# SPDX-License-Identifier: MIT
"""Timing loop for bench/cni (run by it, inside the sandbox).

Four sides, each on a bridge and /16 of its own:
  ref       reference bridge + host-local (ipMasq, isGateway)
  ref+pm    the same, then the reference portmap, one published port per container
  nsnet     nsnet with its own IPAM (ipMasq, isGateway)
  nsnet+pm  nsnet with the portMappings capability, one published port per container
For each side it makes COUNT network namespaces (not timed), runs the chain's ADD for each one after
another the way libcni does (each plugin given the previous result), checks that they work, runs the
chain's DEL for each (reverse plugin order, cached result as prevResult), removes the namespaces,
waits until the kernel has removed the veths and gives it SETTLE_S more to tear the namespaces down
(not timed, see settle()). Each ADD and DEL is timed as a whole
(time.perf_counter_ns around the plugin execs of the chain). VERSION is timed for bridge and nsnet.
"""
import json
import os
import shutil
import subprocess
import sys
import time

from benchlib import die, machine_line, machine_start, pct, print_table, require_sandbox, spawn_posix

REF_DIR = "/usr/lib/cni"
WORK = "/run/nsnet-bench-cni"
CNI_VERSION = "1.0.0"
TIMEOUT = 60  # seconds any one command may take before the side gives up
HOST_ADDR = "192.0.2.1"  # on a link in the sandbox: published ports are reached through it


class SideFailed(Exception):
    pass


def parse(argv):
    if not argv:
        die("usage: cni NSNET_BINARY [COUNT] [--rounds N] [--spawn=posix|subprocess]")
    opts = {"bin": argv[0], "count": 200, "rounds": 1, "spawn": "posix"}
    args = iter(argv[1:])
    for a in args:
        if a.isdigit():
            opts["count"] = int(a)
        elif a in ("--spawn=posix", "--spawn=subprocess"):
            opts["spawn"] = a.split("=", 1)[1]
        elif a == "--rounds":
            v = next(args, None)
            if v is None or not v.isdigit():
                die("--rounds needs a number")
            opts["rounds"] = int(v)
        elif a.startswith("--rounds="):
            opts["rounds"] = int(a.split("=", 1)[1])
        else:
            print(f"bench: ignoring unknown argument {a!r}", file=sys.stderr)
    if not 1 <= opts["count"] <= 10000:
        die("COUNT must be between 1 and 10000")
    if opts["rounds"] < 1:
        die("--rounds must be at least 1")
    return opts


def run(cmd, check=True, input=None):
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SideFailed(f"`{' '.join(cmd)}` did not finish within {TIMEOUT} s")
    if check and p.returncode != 0:
        raise SideFailed(f"`{' '.join(cmd)}` failed with status {p.returncode}: {p.stdout.strip()}")
    return p.stdout


# --- CNI, the way libcni runs a conflist ---------------------------------------------------------

def plugin_env(command, cid, netns, ifname):
    return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "CNI_COMMAND": command,
            "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": ifname, "CNI_PATH": f"{WORK}/bin"}


def plugin_conf(lst, i, rt, prev):
    p = dict(lst["plugins"][i])
    p["name"], p["cniVersion"] = lst["name"], lst["cniVersion"]
    caps = p.get("capabilities", {})
    r = {k: v for k, v in rt.items() if caps.get(k)}
    if r:
        p["runtimeConfig"] = r
    if prev is not None:
        p["prevResult"] = prev
    return json.dumps(p).encode()


# How a plugin is started. A container runtime starts each plugin with one fork-and-exec (Go's
# os/exec: clone with CLONE_VFORK) and pipes; "posix" does the same with posix_spawn(3) and reads
# the pipes itself (0.8 ms for /bin/true here). "subprocess" is Python's subprocess.run with a
# timeout, which this bench used until 2 December 2026: about 1.1 ms more per exec, paid by both
# sides alike, so it pulls every ratio toward 1 (bench/README.md, cni section).
SPAWN = "posix"


def spawn(argv, conf, env):
    if SPAWN == "posix":
        return spawn_posix(argv, conf, env, TIMEOUT)
    return subprocess.run(argv, input=conf, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          timeout=TIMEOUT)


def exec_plugin(command, conf, cid, netns, ifname):
    ptype = json.loads(conf)["type"]
    try:
        p = spawn([f"{WORK}/bin/{ptype}"], conf, plugin_env(command, cid, netns, ifname))
    except subprocess.TimeoutExpired:
        raise SideFailed(f"{ptype} {command} for {cid} did not finish within {TIMEOUT} s")
    if p.returncode != 0:
        raise SideFailed(f"{ptype} {command} for {cid} failed with status {p.returncode}: "
                         f"{p.stdout.decode(errors='replace').strip()} {p.stderr.decode(errors='replace').strip()}")
    return p.stdout


def chain_add(lst, cid, netns, rt):
    """ADD through every plugin; returns (ms, final result)."""
    prev = None
    t0 = time.perf_counter_ns()
    for i in range(len(lst["plugins"])):
        out = exec_plugin("ADD", plugin_conf(lst, i, rt, prev), cid, netns, "eth0")
        try:
            prev = json.loads(out)
        except ValueError:
            raise SideFailed(f"{lst['plugins'][i]['type']} ADD for {cid} printed no JSON result: {out[:200]!r}")
    t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, prev


def chain_del(lst, cid, netns, rt, cached):
    t0 = time.perf_counter_ns()
    for i in reversed(range(len(lst["plugins"]))):
        exec_plugin("DEL", plugin_conf(lst, i, rt, cached), cid, netns, "eth0")
    return (time.perf_counter_ns() - t0) / 1e6


def version_ms(ptype, n):
    conf = json.dumps({"cniVersion": CNI_VERSION}).encode()
    env = plugin_env("VERSION", "", "", "")
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        p = spawn([f"{WORK}/bin/{ptype}"], conf, env)
        out.append((time.perf_counter_ns() - t0) / 1e6)
        if p.returncode != 0:
            raise SideFailed(f"{ptype} VERSION failed with status {p.returncode}")
    return out


def nsnet_answers(binary):
    try:
        p = subprocess.run([binary], input=b"", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           env={"PATH": os.environ.get("PATH", ""), "CNI_COMMAND": "VERSION"}, timeout=5)
        return bool(json.loads(p.stdout).get("supportedVersions"))
    except (ValueError, AttributeError, subprocess.TimeoutExpired, OSError):
        return False


# --- Sides ---------------------------------------------------------------------------------------

SIDES = {
    # name: (main plugin, portmap chained?, nsnet's own portMappings?, bridge, /16 prefix)
    "ref": ("bridge", False, False, "cnib0", "10.30"),
    "ref+pm": ("bridge", True, False, "cnib1", "10.31"),
    "nsnet": ("nsnet", False, False, "cnib2", "10.32"),
    "nsnet+pm": ("nsnet", False, True, "cnib3", "10.33"),
}


def side_conflist(side):
    main, portmap, own_ports, bridge, pfx = SIDES[side]
    subnet, gw = f"{pfx}.0.0/16", f"{pfx}.0.1"
    if main == "nsnet":
        m = {"type": "nsnet", "bridge": bridge, "isGateway": True, "ipMasq": True, "subnet": subnet, "gateway": gw}
        if own_ports:
            m["capabilities"] = {"portMappings": True}
    else:
        m = {"type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": True,
             "ipam": {"type": "host-local", "subnet": subnet, "gateway": gw, "routes": [{"dst": "0.0.0.0/0"}],
                      "dataDir": f"{WORK}/host-local"}}
    plugins = [m]
    if portmap:
        plugins.append({"type": "portmap", "capabilities": {"portMappings": True}, "snat": True})
    return {"cniVersion": CNI_VERSION, "name": f"bench-{side.replace('+', '-')}", "plugins": plugins}


def has_ports(side):
    return SIDES[side][1] or SIDES[side][2]


def netns_batch(verb, names):
    run(["ip", "-batch", "-"], input="".join(f"netns {verb} {n}\n" for n in names))


def ports_on(bridge):
    """Ports on @bridge (0 when it is gone: nsnet removes a network its ADD made with the last DEL)."""
    if not os.path.exists(f"/sys/class/net/{bridge}"):
        return 0
    return len(run(["ip", "-o", "link", "show", "master", bridge], check=False).splitlines())


def wait_drained(bridge, timeout=60.0):
    end = time.monotonic() + timeout
    while ports_on(bridge):
        if time.monotonic() > end:
            raise SideFailed(f"{ports_on(bridge)} veths still on {bridge} {timeout:.0f} s after the DELs")
        time.sleep(0.05)


def rules_naming(pfx):
    out = run(["iptables-save"], check=False) + run(["nft", "list", "ruleset"], check=False)
    return [ln for ln in out.splitlines() if f"{pfx}." in ln and not ln.startswith("#")]


def leases_left():
    left = []
    for root, _, files in os.walk(f"{WORK}/host-local"):
        left += [f for f in files if f != "lock" and not f.startswith("last_reserved_ip")]
    for d in ("leases", "namespaces", "ports"):
        p = f"/run/nsnet/{d}"
        if os.path.isdir(p):
            left += [f"{p}/{f}" for f in os.listdir(p)]
    return left


def check_published(side, name, addr, hostport):
    """The last container's published port answers through the host address (a busybox httpd)."""
    bb = shutil.which("busybox")
    if not bb:
        return "not checked (no busybox)"
    www = f"{WORK}/www"
    os.makedirs(www, exist_ok=True)
    with open(f"{www}/index.html", "w") as f:
        f.write(f"{name}\n")
    srv = subprocess.Popen(["ip", "netns", "exec", name, bb, "httpd", "-f", "-p", "80", "-h", www],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 5
        while True:
            p = subprocess.run(["timeout", "2", bb, "wget", "-q", "-O", "-", f"http://{HOST_ADDR}:{hostport}/"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if p.stdout.strip() == name:
                return "checked"
            if time.monotonic() > end:
                raise SideFailed(f"{side}: {HOST_ADDR}:{hostport} does not reach {name} ({addr}): {p.stdout!r}")
            time.sleep(0.05)
    finally:
        srv.kill()
        srv.wait()


def host_veths():
    return len(run(["ip", "-o", "link", "show", "type", "veth"], check=False).splitlines())


SETTLE_S = 3.0


def settle(timeout=60.0):
    """Let the kernel finish what the side left running before the next side is timed: veths still
    being deleted (nsnet deletes a DEL's veth in a detached process), waited for until only the
    bench's own pair is left; then the teardown of the side's namespaces, which the kernel does in
    the background (cleanup_net, taking the RTNL lock that every ADD needs) and which nothing shows
    from userspace, given SETTLE_S. Every side gets the same, in alternating order."""
    end = time.monotonic() + timeout
    while host_veths() > 2:
        if time.monotonic() > end:
            raise SideFailed(f"{host_veths()} veths still on the host {timeout:.0f} s after the DELs")
        time.sleep(0.05)
    time.sleep(SETTLE_S)


def run_side(side, count):
    lst = side_conflist(side)
    bridge, pfx = SIDES[side][3], SIDES[side][4]
    names = [f"{side.replace('+', '')}{i}" for i in range(count)]
    rts = [{"portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]} if has_ports(side) else {}
           for i in range(count)]
    netns_batch("add", names)
    added = []
    try:
        add, results = [], []
        for i, n in enumerate(names):
            ms, res = chain_add(lst, f"cid-{n}", f"/run/netns/{n}", rts[i])
            added.append(i)
            add.append(ms)
            results.append(res)
        if ports_on(bridge) != count:
            raise SideFailed(f"{side}: {ports_on(bridge)} veths on {bridge} after {count} ADDs")
        last = results[-1]
        addr = last["ips"][0]["address"].split("/")[0]
        run(["ip", "netns", "exec", names[-1], "ping", "-c1", "-W2", "-q", f"{pfx}.0.1"])
        published = check_published(side, names[-1], addr, 20000 + count - 1) if has_ports(side) else "-"
        dl = []
        for i, n in enumerate(names):
            dl.append(chain_del(lst, f"cid-{n}", f"/run/netns/{n}", rts[i], results[i]))
            added.remove(i)
    finally:
        # After a failure: DEL what was added (untimed, best effort), so the next side starts clean.
        for i in added:
            try:
                chain_del(lst, f"cid-{names[i]}", f"/run/netns/{names[i]}", rts[i], None)
            except SideFailed:
                pass
        netns_batch("del", names)
    wait_drained(bridge)
    settle()
    left = leases_left() + rules_naming(pfx)
    if left:
        raise SideFailed(f"{side}: left after the DELs: {left[:5]}")
    return add, dl, published


def main():
    global SPAWN
    o = parse(sys.argv[1:])
    SPAWN = o["spawn"]
    require_sandbox("cni")
    machine = machine_start()

    os.makedirs(f"{WORK}/bin", exist_ok=True)
    os.makedirs(f"{WORK}/host-local", exist_ok=True)
    for p in os.listdir(REF_DIR):
        os.symlink(f"{REF_DIR}/{p}", f"{WORK}/bin/{p}")
    # A copy, so that a rebuild during the run does not mix two versions.
    shutil.copy(o["bin"], f"{WORK}/bin/nsnet")
    # The host's own address for published ports (a veth: kernels without the dummy driver exist).
    run(["ip", "link", "add", "benchup", "type", "veth", "peer", "name", "benchpeer"])
    run(["ip", "addr", "add", f"{HOST_ADDR}/24", "dev", "benchup"])
    run(["ip", "link", "set", "benchpeer", "up"])
    run(["ip", "link", "set", "benchup", "up"])

    have_nsnet = nsnet_answers(f"{WORK}/bin/nsnet")
    sides = ["ref", "ref+pm"] + (["nsnet", "nsnet+pm"] if have_nsnet else [])
    res = {s: {"add": [], "del": []} for s in sides}
    failed, published = {}, {}
    for r in range(o["rounds"]):
        order = sides if r % 2 == 0 else list(reversed(sides))
        for s in order:
            if s in failed:
                continue
            try:
                add, dl, published[s] = run_side(s, o["count"])
                res[s]["add"].append(add)
                res[s]["del"].append(dl)
            except SideFailed as e:
                failed[s] = str(e)
    vers = {}
    # The cost of starting any program the same way: what an engine pays before the plugin runs.
    os.symlink(shutil.which("true") or "/bin/true", f"{WORK}/bin/true")
    for p in (["true", "bridge", "nsnet"] if have_nsnet else ["true", "bridge"]):
        try:
            vers[p] = version_ms(p, o["count"])
        except (SideFailed, subprocess.TimeoutExpired) as e:
            failed[f"VERSION {p}"] = str(e)
    machine = machine_line(machine)
    refver = run(["dpkg-query", "-W", "-f", "${Version}", "containernetworking-plugins"], check=False).strip() or "?"

    print(f"CNI benchmark: {o['count']} containers (network namespaces) per side, ADD one after another, then DEL "
          f"each; {o['rounds']} round(s), side order alternating; cniVersion {CNI_VERSION}")
    print(machine)
    print(f"plugins started with: {'posix_spawn and pipes, as a runtime does' if SPAWN == 'posix' else 'subprocess.run (Python)'}"
          f" (--spawn=posix|subprocess)")
    print(f"reference: {REF_DIR} (containernetworking-plugins {refver}): bridge + host-local, ipMasq, isGateway; "
          f"+pm: portmap chained (snat)")
    if have_nsnet:
        print(f"nsnet:     {o['bin']} as type \"nsnet\" (own IPAM, ipMasq, isGateway); +pm: its portMappings capability")
    else:
        print(f"nsnet:     unavailable: CNI_COMMAND=VERSION {o['bin']} prints no supportedVersions "
              f"(reference figures only)")
    print()

    def allof(s, op):
        return [x for rnd in res.get(s, {}).get(op, []) for x in rnd]

    def med(xs):
        return f"{pct(xs, 50):.2f}" if xs else "n/a"

    rows = [("op", "reference median ms", "nsnet median ms", "ratio (ref/nsnet)")]
    for label, rs, ns, op in (("ADD", "ref", "nsnet", "add"), ("DEL", "ref", "nsnet", "del"),
                              ("ADD with ports", "ref+pm", "nsnet+pm", "add"),
                              ("DEL with ports", "ref+pm", "nsnet+pm", "del")):
        a, b = allof(rs, op), allof(ns, op)
        ratio = f"{pct(a, 50) / pct(b, 50):.1f}" if a and b else "n/a"
        rows.append((label, med(a), med(b), ratio))
    va, vb = vers.get("bridge", []), vers.get("nsnet", [])
    rows.append(("VERSION", med(va), med(vb), f"{pct(va, 50) / pct(vb, 50):.1f}" if va and vb else "n/a"))
    print_table(rows)
    print()
    print("'with ports': one published port per container (reference: bridge + host-local -> portmap; "
          "nsnet: its own portMappings)")
    for s in sides:
        if s in published and has_ports(s):
            print(f"  {s}: the last container's published port reached through {HOST_ADDR}: {published[s]}")
    if have_nsnet:
        print("targets (issue 5): nsnet ADD and DEL at least 10x faster than the reference chain; VERSION under 1 ms")
        for label, rs, ns, op in (("ADD", "ref", "nsnet", "add"), ("DEL", "ref", "nsnet", "del"),
                                  ("ADD with ports", "ref+pm", "nsnet+pm", "add"),
                                  ("DEL with ports", "ref+pm", "nsnet+pm", "del")):
            a, b = allof(rs, op), allof(ns, op)
            if a and b:
                ratio = pct(a, 50) / pct(b, 50)
                print(f"  {label:<15} {ratio:5.1f}x  {'met' if ratio >= 10 else 'NOT met'}")
        vt = vers.get("true", [])
        if vb and vt:
            own = pct(vb, 50) - pct(vt, 50)
            print(f"  VERSION         {pct(vb, 50):.2f} ms with the exec, of which /bin/true costs {pct(vt, 50):.2f} ms: "
                  f"nsnet's own {own:.2f} ms  {'met' if own < 1 else 'NOT met'}")
        print("targets (issue 19): nsnet ADD at least 15x and DEL at least 30x faster than the reference chain")
        for label, op, want in (("ADD", "add", 15), ("DEL", "del", 30)):
            a, b = allof("ref", op), allof("nsnet", op)
            if a and b:
                ratio = pct(a, 50) / pct(b, 50)
                print(f"  {label:<15} {ratio:5.1f}x  {'met' if ratio >= want else 'NOT met'}")
        vt = vers.get("true", [])
        for label, op in (("ADD", "add"), ("DEL", "del")):
            b = allof("nsnet", op)
            if b and vt:
                print(f"  nsnet {label} own time (median - exec of /bin/true {pct(vt, 50):.2f} ms): "
                      f"{pct(b, 50) - pct(vt, 50):.2f} ms")
    print("noise: p90, and the median of each round (spread = (max - min) / min of those medians)")
    for s in sides:
        for op in ("add", "del"):
            xs = allof(s, op)
            if not xs:
                continue
            meds = [pct(rnd, 50) for rnd in res[s][op]]
            spread = (max(meds) - min(meds)) / min(meds) * 100
            print(f"  {op.upper():<3} {s:<9} p90 {pct(xs, 90):8.2f} ms   rounds "
                  + " ".join(f"{m:.2f}" for m in meds) + f" ms   spread {spread:.0f}%")
    for p, xs in vers.items():
        print(f"  VERSION {p:<6} p50 {pct(xs, 50):8.2f} ms  p90 {pct(xs, 90):8.2f} ms   ({len(xs)} runs)")
    tenth = max(1, o["count"] // 10)
    print(f"growth: median of the first {tenth} and of the last {tenth} ops of each round")
    for s in sides:
        parts = []
        for op in ("add", "del"):
            rounds = res[s][op]
            if rounds:
                first = pct([x for rnd in rounds for x in rnd[:tenth]], 50)
                last = pct([x for rnd in rounds for x in rnd[-tenth:]], 50)
                parts.append(f"{op.upper()} {first:.2f} -> {last:.2f} ms")
        if parts:
            print(f"  {s:<9} " + ",  ".join(parts))
    for s, why in failed.items():
        print(f"FAILED {s}: {why}")
    print("ratio > 1: nsnet is faster than the reference plugins; < 1: slower.")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
