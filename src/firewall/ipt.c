// SPDX-License-Identifier: MIT
// iptables backend: the nft model expressed with nsnet's own NSNET-* chains (theory in fw.h).
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "firewall/fw.h"
#include "model/service.h"

/*
 * One line per step, in the form "FAM TABLE OP CHAIN [SPEC]" (see fw.h): FAM 4 or 6, OP one of
 * N (ensure chain), F (flush if present), X (flush and delete if present), A (append unless the
 * same rule is there), I (insert first unless there), D (delete if there). Specs are written the
 * way iptables-save prints them, so "is it there?" is a comparison of text.
 */
static void ipt_line(struct strbuf *o, int fam, const char *table, char op, const char *chain,
		     const char *fmt, ...) NSNET_PRINTF(6, 7);
static void ipt_line(struct strbuf *o, int fam, const char *table, char op, const char *chain,
		     const char *fmt, ...)
{
	char spec[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(spec, sizeof(spec), fmt, ap);
		va_end(ap);
	}
	strbuf_printf(o, "%d %s %c %s%s%s\n", fam, table, op, chain, *spec ? " " : "", spec);
}

#define FAMS(f) for (int f = 4; f <= 6; f += 2)

static int fam_of(int family)
{
	return family == AF_INET6 ? 6 : 4;
}

static const char *host_mask(int fam)
{
	return fam == 6 ? "128" : "32";
}

/*
 * nsnet's own chains per table and the hooks that jump to them: fw_ipt_base() creates them,
 * fw_ipt_teardown() removes them, from this one list.
 */
static const struct {
	const char *table;
	const char *chains[5];		/* NULL-terminated */
	const char *hooks[4][2];	/* { built-in chain, jump }, NULL-terminated */
} ipt_base[] = {
	{ "filter", { "NSNET-FORWARD", "NSNET-REJECT", "NSNET-ISOLATION" },
	  { { "FORWARD", "-j NSNET-FORWARD" }, { "OUTPUT", "-j NSNET-REJECT" } } },
	{ "nat", { "NSNET-SERVICES", "NSNET-VIPS", "NSNET-PUBANY", "NSNET-POSTROUTING" },
	  { { "PREROUTING", "-j NSNET-SERVICES" }, { "OUTPUT", "-j NSNET-SERVICES" },
	    { "POSTROUTING", "-j NSNET-POSTROUTING" } } },
};

/* The fixed rules of a base chain, between creating the chains and hooking them. */
static void ipt_base_rules(struct strbuf *o, int f, const char *table)
{
	if (!strcmp(table, "filter")) {
		ipt_line(o, f, "filter", 'A', "NSNET-FORWARD", "-j NSNET-REJECT");
		ipt_line(o, f, "filter", 'A', "NSNET-FORWARD", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
		return;
	}
	/*
	 * VIPs and ports on one host address first (appended to NSNET-VIPS in any order: their
	 * keys differ), then ports published on every local address but loopback. Appending,
	 * never inserting: iptables-nft pays a walk of the chain for each -I.
	 */
	ipt_line(o, f, "nat", 'A', "NSNET-SERVICES", "-j NSNET-VIPS");
	ipt_line(o, f, "nat", 'A', "NSNET-SERVICES", "! -d %s -m addrtype --dst-type LOCAL -j NSNET-PUBANY",
		 f == 4 ? "127.0.0.0/8" : "::1/128");
	/*
	 * ...and, from the host itself only (an output interface exists in OUTPUT, never in
	 * PREROUTING), on 127.0.0.1: every address includes it, as with Docker and Podman. The
	 * packets leave by the bridge with route_localnet on it (docs/services.md); IPv6 has no
	 * such switch, so ::1 stays out.
	 */
	if (f == 4)
		ipt_line(o, f, "nat", 'A', "NSNET-SERVICES", "-d 127.0.0.1/32 -o lo -j NSNET-PUBANY");
}

void fw_ipt_base(struct strbuf *o)
{
	FAMS(f) {
		for (size_t t = 0; t < sizeof(ipt_base) / sizeof(ipt_base[0]); t++) {
			for (size_t i = 0; ipt_base[t].chains[i]; i++)
				ipt_line(o, f, ipt_base[t].table, 'N', ipt_base[t].chains[i], NULL);
			ipt_base_rules(o, f, ipt_base[t].table);
			for (size_t i = 0; ipt_base[t].hooks[i][0]; i++)
				ipt_line(o, f, ipt_base[t].table, 'I', ipt_base[t].hooks[i][0], "%s", ipt_base[t].hooks[i][1]);
		}
	}
	/*
	 * route_localnet on a bridge (publishing on 127.0.0.1) must not open the host's loopback
	 * services; routed networks' anti-spoofing (both families) lives here too.
	 */
	FAMS(f) {
		ipt_line(o, f, "raw", 'N', "NSNET-GUARD", NULL);
		ipt_line(o, f, "raw", 'I', "PREROUTING", "-j NSNET-GUARD");
	}
}

void fw_ipt_teardown(struct strbuf *o)
{
	FAMS(f) {
		for (size_t t = 0; t < sizeof(ipt_base) / sizeof(ipt_base[0]); t++) {
			for (size_t i = 0; ipt_base[t].hooks[i][0]; i++)
				ipt_line(o, f, ipt_base[t].table, 'D', ipt_base[t].hooks[i][0], "%s", ipt_base[t].hooks[i][1]);
			for (size_t i = 0; ipt_base[t].chains[i]; i++)
				ipt_line(o, f, ipt_base[t].table, 'X', ipt_base[t].chains[i], NULL);
		}
	}
	/* The resolvers' chain exists once a network with one was made (ipt_network_dns). */
	FAMS(f) {
		ipt_line(o, f, "filter", 'D', "INPUT", "-j NSNET-INPUT");
		ipt_line(o, f, "filter", 'X', "NSNET-INPUT", NULL);
	}
	FAMS(f) {
		ipt_line(o, f, "raw", 'D', "PREROUTING", "-j NSNET-GUARD");
		ipt_line(o, f, "raw", 'X', "NSNET-GUARD", NULL);
	}
}

/*
 * The network's resolver (port 53 of its gateways) answers its own subnets only: NSNET-INPUT,
 * hooked into INPUT with the first network that has one, drops queries from anywhere else.
 */
static void ipt_network_dns(const struct nsnet_network *net, char op, struct strbuf *o)
{
	char gw[INET6_ADDRSTRLEN], sub[NSNET_PREFIX_STRLEN];

	if (!net->dns)
		return;
	if (op == 'A') {
		FAMS(f) {
			ipt_line(o, f, "filter", 'N', "NSNET-INPUT", NULL);
			ipt_line(o, f, "filter", 'I', "INPUT", "-j NSNET-INPUT");
		}
	}
	for (size_t i = 0; i < net->n_subnets; i++) {
		int f = fam_of(net->subnet[i].addr.family);

		nsnet_addr_str(&net->gateway[i], gw);
		nsnet_prefix_str(&net->subnet[i], sub);
		/* The host's own queries (nsnet's readiness probe among them) come in by lo. */
		ipt_line(o, f, "filter", op, "NSNET-INPUT", "! -s %s -d %s/%s ! -i lo -p udp -m udp --dport 53 -j DROP", sub,
			 gw, host_mask(f));
		ipt_line(o, f, "filter", op, "NSNET-INPUT", "! -s %s -d %s/%s ! -i lo -p tcp -m tcp --dport 53 -j DROP", sub,
			 gw, host_mask(f));
	}
}

void fw_ipt_vxlan_chain(const struct nsnet_network *net, char *buf, size_t len)
{
	snprintf(buf, len, "NSNET-VX-%s", net->bridge);
}

/*
 * An overlay's VXLAN filter (see nft_network_vxlan in nft.c): NSNET-INPUT sends UDP to this
 * host's VTEP carrying the network's VNI to NSNET-VX-BR, which returns for each known peer and
 * drops the rest; core rewrites that chain whole (fw_ipt_vxlan_peers). The VNI, with u32: skip
 * the IP header (its length from the first word), then the word at 12 bytes into the UDP header
 * is the VXLAN header's second, the VNI in its top 24 bits. The jump as iptables-save prints it.
 */
static void ipt_vxlan_jump(const struct nsnet_network *net, char *buf, size_t len)
{
	char local[INET6_ADDRSTRLEN], vx[32];
	int f = fam_of(net->ov.local.family);

	fw_ipt_vxlan_chain(net, vx, sizeof(vx));
	/* IPv6: the UDP header follows the fixed 40-byte header (nsnet's peers send no extension headers). */
	snprintf(buf, len, "-d %s/%s -p udp -m udp --dport %u -m u32 --u32 \"%s>>0x8=0x%x\" -j %s",
		 nsnet_addr_str(&net->ov.local, local), host_mask(f), net->ov.port, f == 6 ? "0x34" : "0x0>>0x16&0x3c@0xc",
		 net->ov.vni, vx);
}

static void ipt_network_vxlan(const struct nsnet_network *net, char op, struct strbuf *o)
{
	char vx[32], jump[256];
	int f = fam_of(net->ov.local.family);

	if (!net->ov.vxlan[0])
		return;
	fw_ipt_vxlan_chain(net, vx, sizeof(vx));
	ipt_vxlan_jump(net, jump, sizeof(jump));
	if (op == 'D') {
		ipt_line(o, f, "filter", 'D', "NSNET-INPUT", "%s", jump);
		ipt_line(o, f, "filter", 'X', vx, NULL);
		return;
	}
	ipt_line(o, f, "filter", 'N', "NSNET-INPUT", NULL);
	ipt_line(o, f, "filter", 'I', "INPUT", "-j NSNET-INPUT");
	/* No peer yet: nothing passes until core fills the chain. */
	ipt_line(o, f, "filter", 'N', vx, NULL);
	ipt_line(o, f, "filter", 'A', vx, "-j DROP");
	ipt_line(o, f, "filter", 'A', "NSNET-INPUT", "%s", jump);
}

void fw_ipt_vxlan_peers(const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n, struct strbuf *o)
{
	char vx[32], a[INET6_ADDRSTRLEN];
	int f = fam_of(net->ov.local.family);

	fw_ipt_vxlan_chain(net, vx, sizeof(vx));
	ipt_line(o, f, "filter", 'F', vx, NULL);
	for (size_t i = 0; i < n; i++)
		ipt_line(o, f, "filter", 'A', vx, "-s %s/%s -j RETURN", nsnet_addr_str(&peers[i], a), host_mask(f));
	ipt_line(o, f, "filter", 'A', vx, "-j DROP");
}

/* Is @line one of the lines of @text? */
static bool text_has_line(const struct strbuf *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = strbuf_str(text); *p;) {
		size_t l = strcspn(p, "\n");

		if (l == len && !strncmp(p, line, len))
			return true;
		p += l + (p[l] == '\n');
	}
	return false;
}

int fw_ipt_vxlan_peers_get(const struct nsnet_network *net, struct nsnet_addr *peers, size_t max,
			   struct nsnet_err *err)
{
	struct strbuf input = { 0 }, rules = { 0 };
	char vx[32], jump[256], a[INET6_ADDRSTRLEN + 8];
	int f = fam_of(net->ov.local.family);
	bool dropped = false;
	size_t n = 0;
	int r;

	fw_ipt_vxlan_chain(net, vx, sizeof(vx));
	ipt_vxlan_jump(net, jump, sizeof(jump));
	if ((r = fw_ipt_chain_rules(f, "filter", "NSNET-INPUT", &input, err)) < 0 ||
	    (r = r ? fw_ipt_chain_rules(f, "filter", vx, &rules, err) : 0) < 0)
		goto out;
	if (!r || !text_has_line(&input, jump)) {
		r = nsnet_err_set(err, ENOENT, "chain %s or the jump to it is missing", vx);
		goto out;
	}
	for (const char *p = strbuf_str(&rules); *p;) {
		size_t len = strcspn(p, "\n");
		char want[96];

		if (dropped) {	/* a line after the drop: not what core wrote */
			dropped = false;
			break;
		}
		if (len == 7 && !strncmp(p, "-j DROP", 7))
			dropped = true;
		else if (sscanf(p, "-s %45[0-9a-f.:]/", a) == 1 &&
			 (size_t)snprintf(want, sizeof(want), "-s %s/%s -j RETURN", a, host_mask(f)) == len &&
			 !strncmp(p, want, len) &&
			 n < max && nsnet_addr_parse(a, &peers[n], NULL) == 0)
			n++;
		p += len + (p[len] == '\n');
	}
	r = dropped ? (int)n : nsnet_err_set(err, ENOENT, "chain %s does not end with its drop", vx);
out:
	strbuf_free(&input);
	strbuf_free(&rules);
	return r;
}

void fw_ipt_network_chain(const struct nsnet_network *net, bool in, char *buf, size_t len)
{
	/* Chain names are limited to 28 bytes: named by the bridge (15 at most), not the network. */
	snprintf(buf, len, "NSNET-%s-%s", in ? "IN" : "OUT", net->bridge);
}

/*
 * How a rule names the network's interfaces, the way iptables-save prints it: a bridge by name,
 * a routed network's host ends by their interface group. @dir 'i' (in), 'o' (out), '!' (out, negated).
 */
static const char *ipt_dev(const struct nsnet_network *net, char dir, char *buf, size_t len)
{
	unsigned int group = network_group(net);

	if (group)
		snprintf(buf, len, "-m devgroup %s--%s-group 0x%x", dir == '!' ? "! " : "", dir == 'i' ? "src" : "dst",
			 group);
	else
		snprintf(buf, len, "%s-%c %s", dir == '!' ? "! " : "", dir == 'i' ? 'i' : 'o', net->bridge);
	return buf;
}

/* The rules of @net in the shared chains, added (@op 'A') or deleted ('D'). */
static void ipt_network_shared(const struct nsnet_network *net, char op, struct strbuf *o)
{
	const char *br = net->bridge;
	char in[32], out[32], sub[NSNET_PREFIX_STRLEN], di[64], dout[64], dnot[64];

	fw_ipt_network_chain(net, true, in, sizeof(in));
	fw_ipt_network_chain(net, false, out, sizeof(out));
	ipt_dev(net, 'i', di, sizeof(di));
	ipt_dev(net, 'o', dout, sizeof(dout));
	ipt_dev(net, '!', dnot, sizeof(dnot));
	FAMS(f) {
		ipt_line(o, f, "filter", op, "NSNET-ISOLATION", "%s -j DROP", dout);
		ipt_line(o, f, "filter", op, "NSNET-FORWARD", "%s -j %s", di, in);
		ipt_line(o, f, "filter", op, "NSNET-FORWARD", "%s -j %s", dout, out);
	}
	for (size_t i = 0; i < net->n_subnets; i++) {
		int f = fam_of(net->subnet[i].addr.family);

		nsnet_prefix_str(&net->subnet[i], sub);
		if (net->nat && !net->internal && net->ov.vxlan[0]) {
			/* Traffic to the overlay's other blocks keeps its source. */
			char ov[NSNET_PREFIX_STRLEN];

			ipt_line(o, f, "nat", op, "NSNET-POSTROUTING", "-s %s ! -d %s %s -j MASQUERADE", sub,
				 nsnet_prefix_str(&net->ov.subnet, ov), dnot);
		} else if (net->nat && !net->internal) {
			ipt_line(o, f, "nat", op, "NSNET-POSTROUTING", "-s %s %s -j MASQUERADE", sub, dnot);
		}
		/* Hairpin and same-network service traffic: replies must come back through the host. */
		ipt_line(o, f, "nat", op, "NSNET-POSTROUTING", "-s %s %s -m conntrack --ctstate DNAT -j MASQUERADE",
			 sub, dout);
	}
	if (network_group(net)) {
		/*
		 * Anti-spoofing of a routed network (no bridge port for table bridge nsnet to see): a
		 * packet from a host end must come from an address routed to it, a lease of its
		 * namespace (strict reverse path). No loopback rules: a routed network never gets
		 * route_localnet (publish.c).
		 */
		FAMS(f)
			ipt_line(o, f, "raw", op, "NSNET-GUARD", "%s -m rpfilter --invert -j DROP", di);
		/* The gateway 169.254.1.1 is no address of the host's: not routed on to the uplink. */
		ipt_line(o, 4, "raw", op, "NSNET-GUARD", "%s -d 169.254.1.1 -j DROP", di);
		return;
	}
	/* Published on 127.0.0.1: the host's loopback source must not reach a namespace. */
	ipt_line(o, 4, "nat", op, "NSNET-POSTROUTING", "-s 127.0.0.0/8 -o %s -j MASQUERADE", br);
	ipt_line(o, 4, "raw", op, "NSNET-GUARD", "-d 127.0.0.0/8 -i %s -j DROP", br);
	ipt_line(o, 4, "raw", op, "NSNET-GUARD", "-s 127.0.0.0/8 -i %s -j DROP", br);
}

void fw_ipt_network_add(const struct nsnet_network *net, bool base, struct strbuf *o)
{
	char in[32], out[32], dout[64];

	if (base)
		fw_ipt_base(o);
	fw_ipt_network_chain(net, true, in, sizeof(in));
	fw_ipt_network_chain(net, false, out, sizeof(out));
	ipt_dev(net, 'o', dout, sizeof(dout));
	FAMS(f) {
		ipt_line(o, f, "filter", 'N', in, NULL);
		ipt_line(o, f, "filter", 'F', in, NULL);
		ipt_line(o, f, "filter", 'A', in, "%s -j ACCEPT", dout);
		/* Services are reachable from every network: what a VIP or published port DNATs passes. */
		ipt_line(o, f, "filter", 'A', in, "-m conntrack --ctstate DNAT -j ACCEPT");
		ipt_line(o, f, "filter", 'A', in, "-j NSNET-ISOLATION");
		ipt_line(o, f, "filter", 'A', in, "-j %s", net->internal ? "DROP" : "ACCEPT");
		ipt_line(o, f, "filter", 'N', out, NULL);
		ipt_line(o, f, "filter", 'F', out, NULL);
		ipt_line(o, f, "filter", 'A', out, "-m conntrack --ctstate DNAT -j ACCEPT");
		/* An overlay's other blocks reach this one through its VXLAN device, unmasqueraded. */
		if (net->ov.vxlan[0] && f == 4) {
			char ov[NSNET_PREFIX_STRLEN];

			ipt_line(o, f, "filter", 'A', out, "-s %s -i %s -j ACCEPT", nsnet_prefix_str(&net->ov.subnet, ov),
				 net->ov.vxlan);
		}
		ipt_line(o, f, "filter", 'A', out, "-j DROP");
	}
	ipt_network_shared(net, 'A', o);
	ipt_network_dns(net, 'A', o);
	ipt_network_vxlan(net, 'A', o);
}

void fw_ipt_network_del(const struct nsnet_network *net, bool last, struct strbuf *o)
{
	char in[32], out[32];

	ipt_network_shared(net, 'D', o);
	ipt_network_dns(net, 'D', o);
	ipt_network_vxlan(net, 'D', o);
	fw_ipt_network_chain(net, true, in, sizeof(in));
	fw_ipt_network_chain(net, false, out, sizeof(out));
	FAMS(f) {
		ipt_line(o, f, "filter", 'X', in, NULL);
		ipt_line(o, f, "filter", 'X', out, NULL);
	}
	if (last)
		fw_ipt_teardown(o);
}

/* "-d 10.100.0.1/32 -p tcp -m tcp --dport 80": how iptables-save prints a service's match. */
static const char *ipt_match(const struct nsnet_addr *a, uint8_t proto, uint16_t port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];
	const char *pr = proto_name(proto);

	snprintf(buf, len, "-d %s/%s -p %s -m %s --dport %u", nsnet_addr_str(a, s), host_mask(fam_of(a->family)),
		 pr, pr, port);
	return buf;
}

/* "10.0.0.2:80" / "[fd00::2]:80" */
static const char *ipt_target(const struct nsnet_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", nsnet_addr_str(a, s), port);
	return buf;
}

void fw_ipt_vip_chain(const struct nsnet_vip *v, char *buf, size_t len)
{
	snprintf(buf, len, "NSNET-SVC-%u", v->id);
}

/* An empty VIP's reject rule, added (@op 'A') or deleted ('D'). */
static void ipt_vip_reject(const struct nsnet_vip *v, char op, struct strbuf *o)
{
	int f = fam_of(v->vip.addr.family);
	char m[160];

	ipt_line(o, f, "filter", op, "NSNET-REJECT", "%s -j REJECT --reject-with %s",
		 ipt_match(&v->vip.addr, v->proto, v->vip.port, m, sizeof(m)),
		 v->proto == IPPROTO_TCP ? "tcp-reset" : f == 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable");
}

/*
 * The `recent` list of @v's backend @i: named after the VIP and the backend's address and port
 * (hex), not its position, so the clients it remembers stay with it when the backends change
 * around it (`vip set`, a backend's namespace going): "NSNET-AFF-ID-ADDR-PORT".
 */
static void ipt_aff_name(const struct nsnet_vip *v, size_t i, char *buf, size_t len)
{
	const struct nsnet_endpoint *ep = &v->backend[i].ep;
	size_t n = ep->addr.family == AF_INET6 ? 16 : 4, at;

	at = (size_t)snprintf(buf, len, "NSNET-AFF-%u-", v->id);
	for (size_t k = 0; k < n && at + 2 < len; k++, at += 2)
		snprintf(buf + at, len - at, "%02x", ep->addr.b[k]);
	if (at < len)
		snprintf(buf + at, len - at, "-%u", ep->port);
}

void fw_ipt_vip_add(const struct nsnet_vip *v, struct strbuf *o)
{
	int f = fam_of(v->vip.addr.family);
	char svc[32], sep[48], aff[80], m[160], t[INET6_ADDRSTRLEN + 16];
	const char *mask = f == 4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	const char *pr = proto_name(v->proto);

	if (v->n_backends == 0) {
		ipt_vip_reject(v, 'A', o);
		return;
	}
	fw_ipt_vip_chain(v, svc, sizeof(svc));
	ipt_line(o, f, "nat", 'N', svc, NULL);
	ipt_line(o, f, "nat", 'F', svc, NULL);
	for (size_t i = 0; i < v->n_backends; i++) {
		snprintf(sep, sizeof(sep), "NSNET-SEP-%u-%zu", v->id, i);
		ipt_line(o, f, "nat", 'N', sep, NULL);
		ipt_line(o, f, "nat", 'F', sep, NULL);
		ipt_target(&v->backend[i].ep.addr, v->backend[i].ep.port, t, sizeof(t));
		if (v->affinity) {
			ipt_aff_name(v, i, aff, sizeof(aff));
			ipt_line(o, f, "nat", 'A', sep, "-p %s -m recent --set --name %s --mask %s --rsource -j DNAT --to-destination %s",
				 pr, aff, mask, t);
		} else
			ipt_line(o, f, "nat", 'A', sep, "-p %s -j DNAT --to-destination %s", pr, t);
	}
	/* A client seen within the affinity window goes back to the backend it had. */
	for (size_t i = 0; v->affinity && i < v->n_backends; i++) {
		snprintf(sep, sizeof(sep), "NSNET-SEP-%u-%zu", v->id, i);
		ipt_aff_name(v, i, aff, sizeof(aff));
		ipt_line(o, f, "nat", 'A', svc, "-m recent --rcheck --seconds %u --reap --name %s --mask %s --rsource -j %s",
			 v->affinity, aff, mask, sep);
	}
	/*
	 * Backend i of n is taken with probability 1/(n-i) among those left: uniform overall. The
	 * statistic match stores it as a fraction of 2^31 and prints it back with 11 decimals.
	 */
	for (size_t i = 0; i < v->n_backends; i++) {
		snprintf(sep, sizeof(sep), "NSNET-SEP-%u-%zu", v->id, i);
		if (i + 1 < v->n_backends) {
			double p = 1.0 / (double)(v->n_backends - i);
			uint32_t q = (uint32_t)(p * 2147483648.0 + 0.5);

			ipt_line(o, f, "nat", 'A', svc, "-m statistic --mode random --probability %.11f -j %s",
				 (double)q / 2147483648.0, sep);
		} else {
			ipt_line(o, f, "nat", 'A', svc, "-j %s", sep);
		}
	}
	ipt_line(o, f, "nat", 'A', "NSNET-VIPS", "%s -j %s", ipt_match(&v->vip.addr, v->proto, v->vip.port, m, sizeof(m)),
		 svc);
}

void fw_ipt_vip_del(const struct nsnet_vip *v, struct strbuf *o)
{
	int f = fam_of(v->vip.addr.family);
	char svc[32], sep[48], m[160];

	if (v->n_backends == 0) {
		ipt_vip_reject(v, 'D', o);
		return;
	}
	fw_ipt_vip_chain(v, svc, sizeof(svc));
	ipt_line(o, f, "nat", 'D', "NSNET-VIPS", "%s -j %s", ipt_match(&v->vip.addr, v->proto, v->vip.port, m, sizeof(m)),
		 svc);
	ipt_line(o, f, "nat", 'X', svc, NULL);
	for (size_t i = 0; i < v->n_backends; i++) {
		snprintf(sep, sizeof(sep), "NSNET-SEP-%u-%zu", v->id, i);
		ipt_line(o, f, "nat", 'X', sep, NULL);
	}
}

void fw_ipt_port_chain(const struct nsnet_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "NSNET-PUB-%u", p->id);
}

/* The rule leading to a published port's chain, added ('A'/'I') or deleted ('D'). */
static void ipt_port_entry(const struct nsnet_port *p, char op, struct strbuf *o)
{
	int f = fam_of(p->target.family);
	const char *pr = proto_name(p->proto);
	char chain[32], m[160];

	fw_ipt_port_chain(p, chain, sizeof(chain));
	if (p->host_ip.family)
		ipt_line(o, f, "nat", op, "NSNET-VIPS", "%s -j %s",
			 ipt_match(&p->host_ip, p->proto, p->host_port, m, sizeof(m)), chain);
	else
		ipt_line(o, f, "nat", op == 'D' ? 'D' : 'A', "NSNET-PUBANY", "-p %s -m %s --dport %u -j %s", pr, pr,
			 p->host_port, chain);
}

void fw_ipt_port_add(const struct nsnet_port *p, struct strbuf *o)
{
	int f = fam_of(p->target.family);
	char chain[32], t[INET6_ADDRSTRLEN + 16];

	fw_ipt_port_chain(p, chain, sizeof(chain));
	ipt_line(o, f, "nat", 'N', chain, NULL);
	ipt_line(o, f, "nat", 'F', chain, NULL);
	ipt_line(o, f, "nat", 'A', chain, "-p %s -j DNAT --to-destination %s", proto_name(p->proto),
		 ipt_target(&p->target, p->port, t, sizeof(t)));
	ipt_port_entry(p, 'A', o);
}

void fw_ipt_port_del(const struct nsnet_port *p, struct strbuf *o)
{
	int f = fam_of(p->target.family);
	char chain[32];

	fw_ipt_port_chain(p, chain, sizeof(chain));
	ipt_port_entry(p, 'D', o);
	ipt_line(o, f, "nat", 'X', chain, NULL);
}
