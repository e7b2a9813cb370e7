// SPDX-License-Identifier: MIT
// nsnet trace: trace events into hops, nsnet's own rules named by what they are for (names from nft_schema).
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "firewall/fw.h"
#include "firewall/nft_schema.h"
#include "firewall/nftrace.h"
#include "kernel/link.h"
#include "kernel/nl.h"

/* The L4 source and destination port (ICMP: type and echo id) of the event's packet. */
static bool ev_ports(const struct nftrace_event *ev, uint16_t *sport, uint16_t *dport)
{
	if (ev->th_len < 4)
		return false;
	*sport = (uint16_t)(ev->th[0] << 8 | ev->th[1]);
	*dport = (uint16_t)(ev->th[2] << 8 | ev->th[3]);
	return true;
}

/* Is @ev about the probe itself (true) or about its reply (false)? */
static bool ev_is_reply(const struct trace_probe *p, const struct nftrace_event *ev)
{
	uint16_t sport, dport;

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		if (ev->th_len < 1)
			return false;
		return !(ev->th[0] == 8 || ev->th[0] == 128);	/* echo request */
	}
	if (!ev_ports(ev, &sport, &dport))
		return false;
	return sport != p->sport && dport == p->sport;
}

/*
 * Which packet an event is about, across hooks: the kernel's trace id changes between hooks (a
 * forwarded packet gets a new one), so the probe's first packet each way is told by its IPv4
 * identification and, for TCP, its sequence number (ICMP: echo sequence), none of which routing,
 * bridging or NAT change. A TCP probe's packets that matter carry SYN (or RST, the refusal).
 */
static bool ev_key(const struct trace_probe *p, const struct nftrace_event *ev, uint64_t *key)
{
	bool v4 = ev->nh_len >= 20 && (ev->nh[0] >> 4) == 4;
	uint64_t k = v4 ? (uint64_t)(ev->nh[4] << 8 | ev->nh[5]) << 32 : 0;

	if (p->proto == IPPROTO_TCP) {
		if (ev->th_len < 14 || !(ev->th[13] & 0x06))	/* SYN or RST */
			return false;
		k |= (uint64_t)ev->th[4] << 24 | (uint64_t)ev->th[5] << 16 | (uint64_t)ev->th[6] << 8 | ev->th[7];
	} else if ((p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) && ev->th_len >= 8) {
		k |= (uint64_t)(ev->th[6] << 8 | ev->th[7]);
	}
	*key = k;
	return true;
}

/* Keep @ev (malloc'd, taken over) if it is about the probe's first packet of either direction. */
static void trace_event_add_copy(struct trace_ctx *c, size_t ns, struct nftrace_event *ev)
{
	struct trace_ns *n = &c->ns[ns];
	bool reply = ev_is_reply(c->probe, ev);
	uint64_t key, *first = reply ? &n->rep_key : &n->fwd_key;
	bool *seen = reply ? &n->rep_seen : &n->fwd_seen;

	if (!ev_key(c->probe, ev, &key) || (*seen && *first != key)) {
		free(ev);	/* a later packet of the connection (ACK, retransmission) */
		return;
	}
	*seen = true;
	*first = key;
	if (c->n_ev == c->cap_ev) {
		size_t cap = c->cap_ev ? c->cap_ev * 2 : 32;
		struct trace_ev *v = realloc(c->ev, cap * sizeof(*v));

		if (!v) {
			free(ev);
			c->oom = true;
			return;
		}
		c->ev = v;
		c->cap_ev = cap;
	}
	c->ev[c->n_ev].ev = ev;
	c->ev[c->n_ev].ns = ns;
	c->ev[c->n_ev].reply = reply;
	if (c->drop_ev < 0 && ev->has_verdict && ev->verdict == NF_DROP)
		c->drop_ev = (long)c->n_ev;
	c->n_ev++;
}

void trace_event_add(struct trace_ctx *c, size_t ns, const struct nftrace_event *ev)
{
	struct nftrace_event *copy;

	/*
	 * The kernel sends a packet's headers and interfaces only with its first event in each hook:
	 * later events of the same packet get them from the event before.
	 */
	for (size_t i = c->n_ev; i-- > 0;) {
		const struct nftrace_event *prev = c->ev[i].ev;

		if (c->ev[i].ns == ns && prev->id == ev->id) {
			if (!ev->nh_len || !ev->th_len || (!ev->iif && !ev->oif)) {
				if (!(copy = malloc(sizeof(*copy)))) {
					c->oom = true;
					return;
				}
				memcpy(copy, ev, sizeof(*copy));
				if (!copy->nh_len) {
					memcpy(copy->nh, prev->nh, sizeof(copy->nh));
					copy->nh_len = prev->nh_len;
				}
				if (!copy->th_len) {
					memcpy(copy->th, prev->th, sizeof(copy->th));
					copy->th_len = prev->th_len;
				}
				if (!copy->iif && !copy->oif) {
					copy->iif = prev->iif;
					copy->oif = prev->oif;
				}
				trace_event_add_copy(c, ns, copy);
				return;
			}
			break;
		}
	}
	if (!(copy = malloc(sizeof(*copy)))) {
		c->oom = true;
		return;
	}
	memcpy(copy, ev, sizeof(*copy));
	trace_event_add_copy(c, ns, copy);
}

void trace_ctx_free(struct trace_ctx *c)
{
	for (size_t i = 0; i < c->n_ev; i++)
		free(c->ev[i].ev);
	free(c->ev);
	for (size_t i = 0; i < c->n_ns; i++)
		free(c->ns[i].links);
	c->ev = NULL;
	c->n_ev = c->cap_ev = 0;
}

/* The name of interface @index in namespace @ns (read once per namespace). */
static const char *ns_ifname(struct trace_ctx *c, size_t ns, uint32_t index)
{
	struct trace_ns *n = &c->ns[ns];

	if (!index)
		return "";
	if (!n->links_read) {
		struct link_list l = { 0 };
		struct nsnet_err err = { 0 };
		struct nl nl;

		n->links_read = true;
		if (nl_open(&nl, n->fd, &err) == 0) {
			if (link_list_dump(&nl, &l, &err) == 0 && (n->links = calloc(l.n + 1, sizeof(*n->links)))) {
				for (size_t i = 0; i < l.n; i++) {
					n->links[i].index = (uint32_t)l.v[i].ifindex;
					snprintf(n->links[i].name, sizeof(n->links[i].name), "%s", l.v[i].name);
				}
				n->n_links = l.n;
			}
			link_list_free(&l);
			nl_close(&nl);
		}
	}
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i].index == index)
			return n->links[i].name;
	return "";
}

/* Topology look-ups in core_query()'s JSON. */
static const char *topo_net_of_bridge(const json_t *topo, const char *bridge)
{
	size_t i;
	json_t *net;

	json_array_foreach(json_object_get(topo, "networks"), i, net)
		if (!strcmp(json_string_value(json_object_get(net, "bridge")) ?: "", bridge))
			return json_string_value(json_object_get(net, "name"));
	return NULL;
}

/* The iptables chain of a network's bridge ("NSNET-IN-nsnet-lan") or its nft chain ("in-lan"). */
static const char *topo_net_of_chain(const json_t *topo, const char *chain, const char **kind)
{
	size_t i;
	json_t *net;

	json_array_foreach(json_object_get(topo, "networks"), i, net) {
		const char *name = json_string_value(json_object_get(net, "name")) ?: "";
		const char *br = json_string_value(json_object_get(net, "bridge")) ?: "";
		static const struct { enum nft_net_chain c; const char *kind; } nft[] = {
			{ NFT_NET_IN, "in" }, { NFT_NET_OUT, "out" }, { NFT_NET_NAT, "nat" }, { NFT_NET_NATOUT, "natout" },
		};
		char ipt[64];

		for (size_t k = 0; k < sizeof(nft) / sizeof(nft[0]); k++)
			if (!strcmp(nft_chain_net(nft[k].c, name).s, chain)) {
				*kind = nft[k].kind;
				return name;
			}
		snprintf(ipt, sizeof(ipt), "NSNET-IN-%s", br);
		if (!strcmp(ipt, chain)) {
			*kind = "in";
			return name;
		}
		snprintf(ipt, sizeof(ipt), "NSNET-OUT-%s", br);
		if (!strcmp(ipt, chain)) {
			*kind = "out";
			return name;
		}
	}
	return NULL;
}

/* Where host interface @ifname leads: "namespace a on network lan", or a bridge's network. */
static void topo_port_text(const json_t *topo, const char *ifname, char *buf, size_t len)
{
	size_t i, k;
	json_t *net, *att;
	const char *n;

	buf[0] = 0;
	json_array_foreach(json_object_get(topo, "networks"), i, net)
		json_array_foreach(json_object_get(net, "attachments"), k, att)
			if (!strcmp(json_string_value(json_object_get(att, "host_ifname")) ?: "", ifname)) {
				snprintf(buf, len, "%s (namespace %s, network %s)", ifname,
					 json_string_value(json_object_get(att, "namespace")) ?: "?",
					 json_string_value(json_object_get(net, "name")) ?: "?");
				return;
			}
	if ((n = topo_net_of_bridge(topo, ifname)))
		snprintf(buf, len, "%s (network %s)", ifname, n);
	else
		snprintf(buf, len, "%s", ifname);
}

/* The name of the VIP at "ADDR:PORT" ("[ADDR6]:PORT"), "" when it has none. */
static const char *topo_vip_name(const json_t *topo, const char *endpoint)
{
	char addr[INET6_ADDRSTRLEN + 2], *colon;
	long port;
	size_t i;
	json_t *v;

	snprintf(addr, sizeof(addr), "%s", endpoint[0] == '[' ? endpoint + 1 : endpoint);
	if (!(colon = strrchr(addr, ':')))
		return "";
	port = strtol(colon + 1, NULL, 10);
	*colon = 0;
	if (colon > addr && colon[-1] == ']')
		colon[-1] = 0;
	json_array_foreach(json_object_get(topo, "vips"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "address")) ?: "", addr) &&
		    json_integer_value(json_object_get(v, "port")) == port)
			return json_string_value(json_object_get(v, "name")) ?: "";
	return "";
}

static const json_t *topo_by_id(const json_t *topo, const char *what, unsigned long id)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(topo, what), i, v)
		if ((unsigned long)json_integer_value(json_object_get(v, "id")) == id)
			return v;
	return NULL;
}

/* "10.0.0.2:41234 -> 10.0.0.13:8080" of the event's packet. */
static void ev_tuple(const struct nftrace_event *ev, char *buf, size_t len, struct nsnet_addr *daddr)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	uint16_t sport = 0, dport = 0;
	bool v6 = ev->nh_len >= 40 && (ev->nh[0] >> 4) == 6, v4 = ev->nh_len >= 20 && (ev->nh[0] >> 4) == 4;
	uint8_t proto = v4 ? ev->nh[9] : v6 ? ev->nh[6] : 0;

	memset(daddr, 0, sizeof(*daddr));
	if (v4) {
		inet_ntop(AF_INET, ev->nh + 12, s, sizeof(s));
		inet_ntop(AF_INET, ev->nh + 16, d, sizeof(d));
		daddr->family = AF_INET;
		memcpy(daddr->b, ev->nh + 16, 4);
	} else if (v6) {
		inet_ntop(AF_INET6, ev->nh + 8, s, sizeof(s));
		inet_ntop(AF_INET6, ev->nh + 24, d, sizeof(d));
		daddr->family = AF_INET6;
		memcpy(daddr->b, ev->nh + 24, 16);
	}
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && ev_ports(ev, &sport, &dport))
		snprintf(buf, len, v6 ? "[%s]:%u -> [%s]:%u" : "%s:%u -> %s:%u", s, sport, d, dport);
	else
		snprintf(buf, len, "%s -> %s", s, d);
}

static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_NETDEV: return "netdev";
	default: return "?";
	}
}

/* Is this table nsnet's? inet/bridge nsnet, and the NSNET-* chains of iptables-nft's tables. */
static bool ev_is_nsnet(const struct nftrace_event *ev)
{
	if (!strcmp(ev->table, NSNET_NFT_TABLE) && (ev->family == NFPROTO_INET || ev->family == NFPROTO_BRIDGE))
		return true;
	return !strncmp(ev->chain, "NSNET-", 6);
}

struct hop_text {
	const char *kind;
	char rule[192];
	char detail[256];
};

/*
 * What nsnet's rule that gave this verdict is for. @next: the packet's next event in the same
 * namespace (after a DNAT it shows the chosen backend), NULL when none.
 */
static void hop_nsnet(struct trace_ctx *c, size_t ns, const struct nftrace_event *ev,
		      const struct nftrace_event *next, struct hop_text *h)
{
	const char *ch = ev->chain, *net, *kind = "", *oif = ns_ifname(c, ns, ev->oif), *onet;
	bool drop = ev->has_verdict && ev->verdict == NF_DROP, accept = ev->has_verdict && ev->verdict == NF_ACCEPT;
	char buf[64], tuple[128];
	struct nsnet_addr d0, d1;
	unsigned long id;

	ev_tuple(ev, tuple, sizeof(tuple), &d0);
	h->kind = ev->type == NFT_TRACETYPE_POLICY ? "policy" : "rule";
	if (ev->family == NFPROTO_BRIDGE) {
		h->kind = "bridge";
		snprintf(h->rule, sizeof(h->rule), drop ? "anti-spoofing: a frame whose source is not its port's namespace"
							 : "anti-spoofing: port sends its own addresses");
		return;
	}
	if ((net = topo_net_of_chain(c->topo, ch, &kind))) {
		onet = topo_net_of_bridge(c->topo, oif);
		if (!strcmp(kind, "in")) {
			if (drop && onet)
				snprintf(h->rule, sizeof(h->rule), "isolation between networks %s and %s", net, onet);
			else if (drop)
				snprintf(h->rule, sizeof(h->rule), "network %s is internal: nothing leaves it", net);
			else if (accept && onet && !strcmp(onet, net))
				snprintf(h->rule, sizeof(h->rule), "traffic within network %s", net);
			else if (accept)
				snprintf(h->rule, sizeof(h->rule), "network %s may reach %s", net, *oif ? oif : "the outside");
			else
				snprintf(h->rule, sizeof(h->rule), "traffic leaving network %s", net);
		} else if (!strcmp(kind, "out")) {
			snprintf(h->rule, sizeof(h->rule), drop ? "no unsolicited connection into network %s"
							       : accept ? "DNAT'ed connection (VIP or published port) into network %s"
									: "traffic into network %s", net);
		} else {
			h->kind = "nat";
			snprintf(h->rule, sizeof(h->rule), !strcmp(kind, "nat") ? "masquerade of network %s leaving it"
										  : "masquerade into network %s (hairpin)", net);
		}
		return;
	}
	if (!strncmp(ch, "pick", 4) || !strncmp(ch, "sep-", 4) || !strncmp(ch, "NSNET-SEP-", 10) ||
	    !strncmp(ch, "pub-", 4) || !strncmp(ch, "NSNET-PUB-", 10)) {
		char from[128], to[128] = "a backend";

		h->kind = "nat";
		ev_tuple(ev, from, sizeof(from), &d0);
		if (next) {
			ev_tuple(next, to, sizeof(to), &d1);
			char *arrow = strstr(to, "-> ");

			if (arrow)
				memmove(to, arrow + 3, strlen(arrow + 3) + 1);
		}
		char *arrow = strstr(from, "-> ");
		const char *vipaddr = arrow ? arrow + 3 : from;

		if ((!strncmp(ch, "pub-", 4) && sscanf(ch, "pub-%lu", &id) == 1) ||
		    sscanf(ch, "NSNET-PUB-%lu", &id) == 1) {
			const json_t *p = topo_by_id(c->topo, "ports", id);

			snprintf(h->rule, sizeof(h->rule), "published port %s:%lld -> %s:%lld",
				 p && *(json_string_value(json_object_get(p, "host_ip")) ?: "") ?
				 json_string_value(json_object_get(p, "host_ip")) : "*",
				 p ? json_integer_value(json_object_get(p, "host_port")) : 0,
				 p ? json_string_value(json_object_get(p, "namespace")) : "?",
				 p ? json_integer_value(json_object_get(p, "port")) : 0);
			snprintf(h->detail, sizeof(h->detail), "DNAT %s -> %s", vipaddr, to);
			return;
		}
		snprintf(buf, sizeof(buf), "%s", topo_vip_name(c->topo, vipaddr));
		snprintf(h->rule, sizeof(h->rule), "VIP %s%s%s -> %s", buf, *buf ? " " : "", vipaddr, to);
		snprintf(h->detail, sizeof(h->detail), "DNAT to the chosen backend %s", to);
		return;
	}
	if (!strcmp(ch, "forward") || !strcmp(ch, "NSNET-FORWARD")) {
		if (ev->has_verdict && (ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO) &&
		    !strcmp(ev->jump, "NSNET-REJECT"))
			snprintf(h->rule, sizeof(h->rule), "VIPs without backends are rejected first");
		else if (ev->has_verdict && (ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO))
			snprintf(h->rule, sizeof(h->rule), "dispatch to network chain %s", ev->jump);
		else if (accept && ev->type == NFT_TRACETYPE_RULE) {
			h->kind = "conntrack";
			snprintf(h->rule, sizeof(h->rule), "established or related connection (conntrack)");
		} else
			snprintf(h->rule, sizeof(h->rule), "nsnet's forward checks");
		return;
	}
	if (!strcmp(ch, "svc-pre") || !strcmp(ch, "svc-out") || !strcmp(ch, "NSNET-SERVICES") ||
	    !strcmp(ch, "NSNET-VIPS") || !strcmp(ch, "NSNET-PUBANY") || !strncmp(ch, "vip-", 4) || !strncmp(ch, "NSNET-SVC-", 10)) {
		h->kind = "nat";
		snprintf(h->rule, sizeof(h->rule), ev->has_verdict && (ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO)
				   ? "service lookup: a VIP or published port" : "service lookup");
		return;
	}
	if (!strcmp(ch, "postrouting") || !strcmp(ch, "NSNET-POSTROUTING")) {
		h->kind = "nat";
		snprintf(h->rule, sizeof(h->rule), "source NAT of nsnet's networks");
		return;
	}
	if (!strcmp(ch, "NSNET-ISOLATION")) {
		const char *inet = topo_net_of_bridge(c->topo, ns_ifname(c, ns, ev->iif));

		onet = topo_net_of_bridge(c->topo, oif);
		snprintf(h->rule, sizeof(h->rule), drop ? "isolation between networks %s and %s" : "isolation check",
			 inet ? inet : "?", onet ? onet : "?");
		return;
	}
	if (!strcmp(ch, "svc-filter-out") || !strcmp(ch, "NSNET-REJECT")) {
		snprintf(h->rule, sizeof(h->rule), drop ? "VIP without backends: rejected" : "VIPs without backends");
		return;
	}
	snprintf(h->rule, sizeof(h->rule), "nsnet chain %s", ch);
}

/* One hop's JSON from event @i (and the packet's next event, for NAT). */
static json_t *hop_json(struct trace_ctx *c, size_t i)
{
	const struct nftrace_event *ev = c->ev[i].ev, *next = NULL;
	size_t ns = c->ev[i].ns;
	struct hop_text h = { .kind = "rule" };
	char verdict[96], tuple[128], table[96], in[64], out[64];
	struct nsnet_addr d;

	for (size_t k = i + 1; k < c->n_ev; k++)
		if (c->ev[k].ns == ns && c->ev[k].reply == c->ev[i].reply) {
			next = c->ev[k].ev;
			break;
		}
	ev_tuple(ev, tuple, sizeof(tuple), &d);
	snprintf(table, sizeof(table), "%s", ev->table);
	if (ev_is_nsnet(ev)) {
		hop_nsnet(c, ns, ev, next, &h);
	} else {
		h.kind = ev->type == NFT_TRACETYPE_POLICY ? "policy" : ev->family == NFPROTO_BRIDGE ? "bridge" : "rule";
		if (ev->has_verdict && (ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO) && !strncmp(ev->jump, "NSNET-", 6))
			snprintf(h.rule, sizeof(h.rule), "nsnet's jump from built-in chain %s (iptables-nft table %s %s)",
				 ev->chain, family_name(ev->family), ev->table);
		else if (ev->type == NFT_TRACETYPE_POLICY)
			snprintf(h.rule, sizeof(h.rule), "policy of chain %s in table %s %s (not nsnet's)", ev->chain,
				 family_name(ev->family), ev->table);
		else
			snprintf(h.rule, sizeof(h.rule), "rule handle %llu of table %s %s (not nsnet's)",
				 (unsigned long long)ev->handle, family_name(ev->family), ev->table);
	}
	if (!ev->has_verdict)
		snprintf(verdict, sizeof(verdict), "%s", ev->type == NFT_TRACETYPE_RETURN ? "return" : "continue");
	else if ((ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO) && ev->jump[0])
		snprintf(verdict, sizeof(verdict), "%s %s", nftrace_verdict_name(ev->verdict), ev->jump);
	else
		snprintf(verdict, sizeof(verdict), "%s", nftrace_verdict_name(ev->verdict));
	snprintf(in, sizeof(in), "%s", ns_ifname(c, ns, ev->iif));
	snprintf(out, sizeof(out), "%s", ns_ifname(c, ns, ev->oif));
	if (!h.detail[0])
		snprintf(h.detail, sizeof(h.detail), "%s%s%s%s%s", tuple, in[0] ? " in " : "", in, out[0] ? " out " : "", out);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "netns", c->ns[ns].name, "kind", h.kind,
			 "family", family_name(ev->family), "table", table, "chain", ev->chain, "rule", h.rule,
			 "verdict", verdict, "detail", h.detail);
}

/*
 * The bridge a packet entered in namespace @ns (the host): a hop of its own, before the rules, when
 * its first event came in on a port of an nsnet bridge.
 */
static json_t *hop_bridge(struct trace_ctx *c, size_t i)
{
	const struct nftrace_event *ev = c->ev[i].ev;
	const char *iif = ns_ifname(c, c->ev[i].ns, ev->iif);
	char port[128], tuple[128], detail[320];
	struct nsnet_addr d;
	size_t k, a;
	json_t *n, *att;

	if (!*iif)
		return NULL;
	json_array_foreach(json_object_get(c->topo, "networks"), k, n)
		json_array_foreach(json_object_get(n, "attachments"), a, att)
			if (!strcmp(json_string_value(json_object_get(att, "host_ifname")) ?: "", iif)) {
				topo_port_text(c->topo, iif, port, sizeof(port));
				ev_tuple(ev, tuple, sizeof(tuple), &d);
				snprintf(detail, sizeof(detail), "%s enters bridge %s on port %s", tuple,
					 json_string_value(json_object_get(n, "bridge")) ?: "?", port);
				return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "netns", c->ns[c->ev[i].ns].name,
						 "kind", "bridge", "family", "bridge", "table", "", "chain", "",
						 "rule", "", "verdict", "enter", "detail", detail);
			}
	return NULL;
}

/* The packet arrives in a namespace on the path (seen by our own marking chain there). */
static json_t *hop_arrive(struct trace_ctx *c, size_t i)
{
	const struct nftrace_event *ev = c->ev[i].ev;
	char tuple[128], detail[256];
	struct nsnet_addr d;

	ev_tuple(ev, tuple, sizeof(tuple), &d);
	snprintf(detail, sizeof(detail), "%s arrives in %s on %s", tuple, c->ns[c->ev[i].ns].name,
		 *ns_ifname(c, c->ev[i].ns, ev->iif) ? ns_ifname(c, c->ev[i].ns, ev->iif) : "?");
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "netns", c->ns[c->ev[i].ns].name, "kind", "arrive",
			 "family", family_name(ev->nfproto), "table", "", "chain", "", "rule", "", "verdict", "arrive",
			 "detail", detail);
}

json_t *trace_hops_json(struct trace_ctx *c)
{
	json_t *hops = json_array();

	/* The way out in path order, then the way back in reverse path order. */
	for (int dir = 0; dir < 2; dir++) {
		for (size_t step = 0; step < c->n_ns; step++) {
			size_t ns = dir == 0 ? step : c->n_ns - 1 - step;
			bool first = true, bridged = false, host = !strcmp(c->ns[ns].name, "host");

			for (size_t i = 0; i < c->n_ev; i++) {
				const struct nftrace_event *ev = c->ev[i].ev;

				if (c->ev[i].ns != ns || c->ev[i].reply != (dir == 1))
					continue;
				if (host && !bridged) {
					json_t *b = hop_bridge(c, i);

					if (b)
						json_array_append_new(hops, b);
					bridged = true;
				}
				if (nftrace_table_is(ev->table)) {
					/* Our marking chain: where the packet enters a namespace on the path. */
					if (!strcmp(ev->chain, "pre") && ev->family != NFPROTO_BRIDGE && first &&
					    strcmp(c->ns[ns].name, "host")) {
						json_array_append_new(hops, hop_arrive(c, i));
						first = false;
					}
					continue;
				}
				if (ev->type == NFT_TRACETYPE_RULE && !ev->handle)
					continue;	/* the packet's headers only, or back from a jump */
				if (ev->type == NFT_TRACETYPE_POLICY && ev->verdict == NF_ACCEPT &&
				    strcmp(ev->chain, "forward") && strcmp(ev->chain, "FORWARD") && !ev_is_nsnet(ev))
					continue;	/* another table's chain let it pass: nothing decided */
				if (ev_is_nsnet(ev) && (ev->type == NFT_TRACETYPE_RETURN || !ev->has_verdict ||
							ev->verdict == NFT_CONTINUE ||
							(ev->type == NFT_TRACETYPE_POLICY && ev->verdict == NF_ACCEPT &&
							 strcmp(ev->chain, "forward") && strcmp(ev->chain, "NSNET-FORWARD"))))
					continue;	/* nsnet's chains that did not decide anything */
				first = false;
				json_array_append_new(hops, hop_json(c, i));
			}
		}
	}
	return hops;
}
