# SPDX-License-Identifier: MIT
# DNS helpers for the resolver tests (tests/integration/dns/): a small DNS client in Python, as
# dig/host (dnsutils) are not required. Source after lib.sh.

# DNSQ_PY SERVER NAME TYPE [TIMEOUT]: one UDP query; prints "rcode NOERROR|NXDOMAIN|..." then one
# line per answer ("A 10.0.0.2", "AAAA fd00::2", "PTR web.lan"), or "timeout".
DNSQ_PY='
import random, socket, struct, sys
def enc(n):
    out = b""
    for p in n.rstrip(".").split("."):
        if p:
            out += bytes([len(p)]) + p.encode()
    return out + b"\0"
def name_at(m, o):
    labels, end, jumped = [], o, False
    while True:
        l = m[o]
        if l == 0:
            o += 1
            break
        if l & 0xC0 == 0xC0:
            if not jumped:
                end = o + 2
            o, jumped = ((l & 0x3F) << 8) | m[o + 1], True
            continue
        labels.append(m[o + 1:o + 1 + l].decode())
        o += 1 + l
    return ".".join(labels), (end if jumped else o)
types = {"A": 1, "AAAA": 28, "PTR": 12}
srv, name, t = sys.argv[1], sys.argv[2], sys.argv[3]
if t == "PTR":
    if ":" in name:
        h = socket.inet_pton(socket.AF_INET6, name).hex()
        name = ".".join(reversed(h)) + ".ip6.arpa"
    else:
        name = ".".join(reversed(name.split("."))) + ".in-addr.arpa"
qid = random.randrange(65536)
pkt = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + enc(name) + struct.pack(">HH", types[t], 1)
s = socket.socket(socket.AF_INET6 if ":" in srv else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(float(sys.argv[4]) if len(sys.argv) > 4 else 2.0)
try:
    s.sendto(pkt, (srv, 53))
    while True:
        m = s.recv(4096)
        if struct.unpack(">H", m[:2])[0] == qid:
            break
except (socket.timeout, OSError):
    print("timeout")
    sys.exit(0)
fl, qd, an = struct.unpack(">H", m[2:4])[0], struct.unpack(">H", m[4:6])[0], struct.unpack(">H", m[6:8])[0]
print("rcode", {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}.get(fl & 15, fl & 15))
o = 12
for _ in range(qd):
    o = name_at(m, o)[1] + 4
for _ in range(an):
    o = name_at(m, o)[1]
    ty, _, _, rl = struct.unpack(">HHIH", m[o:o + 10])
    o += 10
    d = m[o:o + rl]
    if ty == 1:
        print("A", socket.inet_ntop(socket.AF_INET, d))
    elif ty == 28:
        print("AAAA", socket.inet_ntop(socket.AF_INET6, d))
    elif ty == 12:
        print("PTR", name_at(m, o)[0])
    o += rl
'

# dnsq NS SERVER NAME TYPE [TIMEOUT]: query from inside namespace NS ("host": from the sandbox).
dnsq() {
	ns=$1
	shift
	if [ "$ns" = host ]; then python3 -c "$DNSQ_PY" "$@" </dev/null
	else ip netns exec "$ns" python3 -c "$DNSQ_PY" "$@" </dev/null; fi
}

# dns_answers NS SERVER NAME TYPE: the answers only, sorted, on one line ("A 10.0.0.2 A 10.0.0.3").
dns_answers() { dnsq "$@" | grep -v '^rcode\|^timeout' | sort | tr '\n' ' ' | sed 's/ $//'; }
# dns_rcode NS SERVER NAME TYPE: NOERROR, NXDOMAIN, ... or timeout.
dns_rcode() { dnsq "$@" | head -1 | sed 's/^rcode //'; }

# dns_alive NET: nsnet's recorded resolver of NET runs (not a zombie).
dns_alive() {
	_dns_p=$(dns_pid "$1")
	[ -n "$_dns_p" ] && dns_procs | grep -qx "$_dns_p"
}
