// SPDX-License-Identifier: MIT
// The one definition of table inet nsnet: object names and key layouts (theory in nft_schema.h).
#include "firewall/nft_schema.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "model/service.h"

const struct nft_family nft_families[2] = {
	{ AF_INET, "ip", "ipv4_addr", "4", "ipv4", "127.0.0.0/8", NFPROTO_IPV4 },
	{ AF_INET6, "ip6", "ipv6_addr", "6", "ipv6", "::1", NFPROTO_IPV6 },
};

const struct nft_family *nft_family_of(int family)
{
	return &nft_families[family == AF_INET6];
}

static const struct {
	const char *name, *type, *hook, *priority;
} nft_base_chains[] = {
	[NFT_CHAIN_SVC_PRE] = { "svc-pre", "nat", "prerouting", "dstnat" },
	[NFT_CHAIN_SVC_OUT] = { "svc-out", "nat", "output", "-100" },
	[NFT_CHAIN_SVC_FILTER_OUT] = { "svc-filter-out", "filter", "output", "filter" },
	[NFT_CHAIN_GUARD] = { "guard", "filter", "prerouting", "raw" },
	[NFT_CHAIN_FORWARD] = { "forward", "filter", "forward", "filter" },
	[NFT_CHAIN_POSTROUTING] = { "postrouting", "nat", "postrouting", "srcnat" },
};

const char *nft_base_chain_name(enum nft_base_chain c)
{
	return nft_base_chains[c].name;
}

void nft_base_chain_decl(enum nft_base_chain c, struct strbuf *out)
{
	strbuf_printf(out, "add chain " NFT_TABLE " %s { type %s hook %s priority %s ; policy accept ; }\n",
		      nft_base_chains[c].name, nft_base_chains[c].type, nft_base_chains[c].hook,
		      nft_base_chains[c].priority);
}

struct nft_name nft_chain_pick(int family, uint8_t proto, size_t n_backends)
{
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "pick%s%c-%zu", nft_family_of(family)->sfx, *proto_name(proto), n_backends);
	return n;
}

struct nft_name nft_chain_picksep(int family, uint8_t proto, size_t n_backends)
{
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "picksep%s%c-%zu", nft_family_of(family)->sfx, *proto_name(proto), n_backends);
	return n;
}

struct nft_name nft_chain_vip(unsigned int id)
{
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "vip-%u", id);
	return n;
}

struct nft_name nft_chain_sep(unsigned int id, size_t index)
{
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "sep-%u-%zu", id, index);
	return n;
}

struct nft_name nft_chain_pub(unsigned int id)
{
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "pub-%u", id);
	return n;
}

struct nft_name nft_chain_net(enum nft_net_chain c, const char *net)
{
	static const char *const prefix[] = {
		[NFT_NET_IN] = "in", [NFT_NET_OUT] = "out", [NFT_NET_NAT] = "nat", [NFT_NET_NATOUT] = "natout",
		[NFT_NET_DNS] = "dns", [NFT_NET_VX] = "vx", [NFT_NET_VXPEERS] = "vxpeers",
	};
	struct nft_name n;

	snprintf(n.s, sizeof(n.s), "%s-%s", prefix[c], net);
	return n;
}

/*
 * The fields of each layout. A field is declared by type ("ipv4_addr") in `type` declarations and
 * by expression ("ip daddr") in `typeof` ones; the protocol of a port's expression is the set's.
 */
enum nft_field {
	F_END,
	F_ADDR,
	F_PROTO,
	F_PORT,
	F_INDEX,
	F_IFNAME,
	F_GROUP,
};

static const enum nft_field nft_layout_fields[][4] = {
	[NFT_LAYOUT_NONE] = { F_END },
	[NFT_LAYOUT_VERDICT] = { F_END },
	[NFT_LAYOUT_IFNAME] = { F_IFNAME, F_END },
	[NFT_LAYOUT_ADDR] = { F_ADDR, F_END },
	[NFT_LAYOUT_ADDR_PROTO_PORT] = { F_ADDR, F_PROTO, F_PORT, F_END },
	[NFT_LAYOUT_PROTO_PORT] = { F_PROTO, F_PORT, F_END },
	[NFT_LAYOUT_ADDR_PORT_INDEX] = { F_ADDR, F_PORT, F_INDEX, F_END },
	[NFT_LAYOUT_ADDR_PORT] = { F_ADDR, F_PORT, F_END },
	[NFT_LAYOUT_GROUP] = { F_GROUP, F_END },
};

void nft_value_text(enum nft_layout l, const struct nft_value *v, struct strbuf *out)
{
	char a[INET6_ADDRSTRLEN];

	for (const enum nft_field *f = nft_layout_fields[l]; *f != F_END; f++) {
		const char *sep = f == nft_layout_fields[l] ? "" : " . ";

		switch (*f) {
		case F_ADDR:
			strbuf_printf(out, "%s%s", sep, nsnet_addr_str(&v->addr, a));
			break;
		case F_PROTO:
			strbuf_printf(out, "%s%s", sep, proto_name(v->proto));
			break;
		case F_PORT:
			strbuf_printf(out, "%s%u", sep, v->port);
			break;
		case F_INDEX:
			strbuf_printf(out, "%s%u", sep, v->index);
			break;
		case F_IFNAME:
			strbuf_printf(out, "%s\"%s\"", sep, v->ifname);
			break;
		case F_GROUP:
			strbuf_printf(out, "%s%u", sep, v->group);
			break;
		case F_END:
			break;
		}
	}
}

size_t nft_value_bytes(enum nft_layout l, const struct nft_value *v, uint8_t *buf)
{
	size_t n = 0;
	uint16_t port = htons(v->port);

	memset(buf, 0, NFT_VALUE_MAX);
	for (const enum nft_field *f = nft_layout_fields[l]; *f != F_END; f++) {
		switch (*f) {
		case F_ADDR:	/* 4 or 16 bytes, network order */
			memcpy(buf + n, v->addr.b, nsnet_addr_len(v->addr.family));
			n += nsnet_addr_len(v->addr.family);
			break;
		case F_PROTO:	/* inet_proto: one byte, padded to 4 */
			buf[n] = v->proto;
			n += 4;
			break;
		case F_PORT:	/* inet_service: network order, padded to 4 */
			memcpy(buf + n, &port, 2);
			n += 4;
			break;
		case F_INDEX:	/* numgen: an integer in host order */
			memcpy(buf + n, &v->index, 4);
			n += 4;
			break;
		case F_IFNAME:	/* ifname: 16 bytes, NUL-padded */
			snprintf((char *)buf + n, IFNAMSIZ, "%s", v->ifname ? v->ifname : "");
			n += IFNAMSIZ;
			break;
		case F_GROUP:	/* meta iifgroup: an integer in host order */
			memcpy(buf + n, &v->group, 4);
			n += 4;
			break;
		case F_END:
			break;
		}
	}
	return n;
}

/*
 * Each kind of set: its name (the base, then the family suffix and the protocol's initial when it
 * has one per family or protocol: "bk" + "4" + "t"), key and data layouts, and whether it is
 * declared by `typeof` (the backend maps: nft 1.0.6 rebuilds a typeof map's types from the kernel
 * with tcp in place of th, and then refuses rules that mix the two, so the protocol is spelled out
 * on both sides, "tcp dport"). The affinity sets are named by their VIP and backend instead.
 */
static const struct {
	const char *base;
	bool per_family, per_proto;
	enum nft_layout key, data;
	bool typeof_decl;
	bool expiring;	/* flags timeout: a removed VIP's elements expire instead (nft_change.h, NFT_VERB_EXPIRE) */
} nft_sets[] = {
	[NFT_SET_SVC] = { "svc", true, false, NFT_LAYOUT_ADDR_PROTO_PORT, NFT_LAYOUT_VERDICT, false, true },
	[NFT_SET_PUBANY] = { "pubany", true, false, NFT_LAYOUT_PROTO_PORT, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_BACKENDS] = { "bk", true, true, NFT_LAYOUT_ADDR_PORT_INDEX, NFT_LAYOUT_ADDR_PORT, true, true },
	[NFT_SET_SEPS] = { "sep", true, true, NFT_LAYOUT_ADDR_PORT_INDEX, NFT_LAYOUT_VERDICT, true },
	[NFT_SET_EMPTY] = { "empty", true, false, NFT_LAYOUT_ADDR_PROTO_PORT, NFT_LAYOUT_NONE, false, true },
	[NFT_SET_AFFINITY] = { "aff", false, false, NFT_LAYOUT_ADDR, NFT_LAYOUT_NONE, false },
	[NFT_SET_BRIDGES] = { "bridges", false, false, NFT_LAYOUT_IFNAME, NFT_LAYOUT_NONE, false },
	[NFT_SET_FWD_IN] = { "fwd_in", false, false, NFT_LAYOUT_IFNAME, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_FWD_OUT] = { "fwd_out", false, false, NFT_LAYOUT_IFNAME, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_NAT_IN] = { "nat_in", false, false, NFT_LAYOUT_IFNAME, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_NAT_OUT] = { "nat_out", false, false, NFT_LAYOUT_IFNAME, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_GROUPS] = { "groups", false, false, NFT_LAYOUT_GROUP, NFT_LAYOUT_NONE, false },
	[NFT_SET_FWD_IN_G] = { "fwd_in_g", false, false, NFT_LAYOUT_GROUP, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_FWD_OUT_G] = { "fwd_out_g", false, false, NFT_LAYOUT_GROUP, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_NAT_IN_G] = { "nat_in_g", false, false, NFT_LAYOUT_GROUP, NFT_LAYOUT_VERDICT, false },
	[NFT_SET_NAT_OUT_G] = { "nat_out_g", false, false, NFT_LAYOUT_GROUP, NFT_LAYOUT_VERDICT, false },
};

struct nft_name nft_set_name(const struct nft_set_ref *s)
{
	struct nft_name n;

	if (s->kind == NFT_SET_AFFINITY)
		snprintf(n.s, sizeof(n.s), "%s-%u-%zu", nft_sets[s->kind].base, s->id, s->index);
	else
		snprintf(n.s, sizeof(n.s), "%s%s%.*s", nft_sets[s->kind].base,
			 nft_sets[s->kind].per_family ? nft_family_of(s->family)->sfx : "",
			 nft_sets[s->kind].per_proto ? 1 : 0, proto_name(s->proto));
	return n;
}

enum nft_layout nft_set_key(const struct nft_set_ref *s)
{
	return nft_sets[s->kind].key;
}

enum nft_layout nft_set_data(const struct nft_set_ref *s)
{
	return nft_sets[s->kind].data;
}

/* The declaration of layout @l's fields: by type, or by expression for family @f and protocol @proto. */
static void nft_layout_decl(enum nft_layout l, bool by_typeof, const struct nft_family *f, uint8_t proto,
			    struct strbuf *out)
{
	if (l == NFT_LAYOUT_VERDICT) {
		strbuf_printf(out, "verdict");
		return;
	}
	for (const enum nft_field *fl = nft_layout_fields[l]; *fl != F_END; fl++) {
		const char *sep = fl == nft_layout_fields[l] ? "" : " . ";

		switch (*fl) {
		case F_ADDR:
			strbuf_printf(out, "%s%s", sep, by_typeof ? f->ip : f->type);
			if (by_typeof)
				strbuf_printf(out, " daddr");
			break;
		case F_PROTO:
			strbuf_printf(out, "%s%s", sep, by_typeof ? "meta l4proto" : "inet_proto");
			break;
		case F_PORT:
			if (by_typeof)
				strbuf_printf(out, "%s%s dport", sep, proto_name(proto));
			else
				strbuf_printf(out, "%sinet_service", sep);
			break;
		case F_INDEX:	/* the declared modulus does not bound the values: every pick chain shares the map */
			strbuf_printf(out, "%s%s", sep, by_typeof ? "numgen random mod 2" : "integer");
			break;
		case F_IFNAME:
			strbuf_printf(out, "%sifname", sep);
			break;
		case F_GROUP:
			strbuf_printf(out, "%sdevgroup", sep);
			break;
		case F_END:
			break;
		}
	}
}

void nft_set_decl(const struct nft_set_ref *s, struct strbuf *out)
{
	const struct nft_family *f = nft_family_of(s->family);
	bool by_typeof = nft_sets[s->kind].typeof_decl;
	enum nft_layout data = nft_sets[s->kind].data;

	strbuf_printf(out, "add %s " NFT_TABLE " %s { %s ", data == NFT_LAYOUT_NONE ? "set" : "map",
		      nft_set_name(s).s, by_typeof ? "typeof" : "type");
	nft_layout_decl(nft_sets[s->kind].key, by_typeof, f, s->proto, out);
	if (data != NFT_LAYOUT_NONE) {
		strbuf_printf(out, " : ");
		nft_layout_decl(data, by_typeof, f, s->proto, out);
	}
	strbuf_printf(out, " ;");
	if (s->kind == NFT_SET_AFFINITY)
		strbuf_printf(out, " flags dynamic,timeout ; timeout %us ;", s->timeout);
	else if (nft_sets[s->kind].expiring)
		strbuf_printf(out, " flags timeout ;");
	strbuf_printf(out, " }\n");
}
