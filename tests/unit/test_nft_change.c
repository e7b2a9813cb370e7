// SPDX-License-Identifier: MIT
// Unit tests for the nft backend's two encoders (firewall/nft_change.c): the libnftnl batch of a
// service change, decoded back to nft text by this test's own reader, says what the text says.
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "firewall/fw.h"
#include "firewall/nft_change.h"
#include "firewall/nftnl.h"
#include "model/service.h"
#include "unit.h"

static struct nsnet_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct nsnet_addr x = { .family = AF_INET, .b = { a, b, c, d } };

	return x;
}

static struct nsnet_addr v6(uint8_t last)
{
	struct nsnet_addr x = { .family = AF_INET6, .b = { 0xfd, 0x00 } };

	x.b[15] = last;
	return x;
}

static struct nsnet_vip vip(unsigned int id, struct nsnet_addr a, uint8_t proto, size_t n, uint16_t bport)
{
	struct nsnet_vip v = { .id = id, .proto = proto, .n_backends = n };

	v.vip.addr = a;
	v.vip.port = 80;
	for (size_t i = 0; i < n; i++) {
		v.backend[i].ep.addr = a.family == AF_INET ? v4(10, 0, 0, (uint8_t)(2 + i)) : v6((uint8_t)(2 + i));
		v.backend[i].ep.port = bport;
	}
	return v;
}

/*
 * The reader: what this test knows of the kernel's layouts, written independently of
 * nft_schema.c. Each field of a concatenation takes 4 bytes (an IPv6 address 16); a port is in
 * network order, a numgen index in host order, a protocol is one byte.
 */
static void put(char **o, size_t *left, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char **o, size_t *left, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*o, *left, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < *left) {
		*o += n;
		*left -= (size_t)n;
	}
}

static const char *proto_of(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

static const uint8_t *addr_field(const uint8_t *k, int fam, char **o, size_t *left)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(fam, k, a, sizeof(a));
	put(o, left, "%s", a);
	return k + (fam == AF_INET ? 4 : 16);
}

static uint16_t port_at(const uint8_t *k)
{
	uint16_t p;

	memcpy(&p, k, 2);
	return ntohs(p);
}

/* Key (and data) of an element of set @set, as nft writes it. */
static void elem_text(const char *set, const uint8_t *k, uint32_t klen, const char *mid, const uint8_t *d,
		      uint32_t dlen, char **o, size_t *left)
{
	int fam = strpbrk(set, "46") && *strpbrk(set, "46") == '6' ? AF_INET6 : AF_INET;
	size_t alen = fam == AF_INET ? 4 : 16;
	uint32_t idx;

	if (!strncmp(set, "svc", 3) || !strncmp(set, "empty", 5)) {
		CHECK_EQ_INT(klen, alen + 8);
		k = addr_field(k, fam, o, left);
		put(o, left, " . %s . %u", proto_of(k[0]), port_at(k + 4));
	} else if (!strncmp(set, "pubany", 6)) {
		CHECK_EQ_INT(klen, 8);
		put(o, left, "%s . %u", proto_of(k[0]), port_at(k + 4));
	} else if (!strncmp(set, "bk", 2) || !strncmp(set, "sep", 3)) {
		CHECK_EQ_INT(klen, alen + 8);
		k = addr_field(k, fam, o, left);
		memcpy(&idx, k + 4, 4);
		put(o, left, " . %u . %u", port_at(k), idx);
	} else {
		put(o, left, "<key of unknown set %s>", set);
	}
	put(o, left, "%s", mid);
	if (d) {
		CHECK_EQ_INT(dlen, alen + 4);
		put(o, left, " : ");
		d = addr_field(d, fam, o, left);
		put(o, left, " . %u", port_at(d));
	}
}

struct reader {
	char *o;
	size_t left;
	const char *set;
	const char *verb;	/* add, delete or destroy */
	struct {
		bool meta, v6, unknown;
		uint8_t proto;
		int imm;	/* immediates seen: the address, then the port */
		char addr[INET6_ADDRSTRLEN];
		uint16_t port;
		uint32_t nat_fam;
		/* a pick chain's rule: nfproto and l4proto checked, daddr . dport . numgen looked up */
		uint32_t last_meta, daddr_len, mod, lookup_dreg;
		uint8_t nfproto;
		bool dport;
		const char *set;
	} rule;
};

static int read_elem(struct nftnl_set_elem *e, void *data)
{
	struct reader *r = data;
	uint32_t klen = 0, dlen = 0;
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const uint8_t *d = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA) ? nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen) : NULL;

	char mid[32] = "";

	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
		snprintf(mid, sizeof(mid), " timeout %" PRIu64 "ms", nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT));
	put(&r->o, &r->left, "%s element inet nsnet %s { ", r->verb, r->set);
	elem_text(r->set, k, klen, mid, d, dlen, &r->o, &r->left);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) {
		uint32_t verdict = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);

		put(&r->o, &r->left, " : %s %s", verdict == (uint32_t)NFT_GOTO ? "goto" : verdict == (uint32_t)NFT_JUMP ? "jump" : "?",
		    nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
	}
	put(&r->o, &r->left, " }\n");
	return 0;
}

/* A rule's expressions, collected: nsnet builds only "meta l4proto P dnat FAMILY to ADDR:PORT". */
static int read_expr(struct nftnl_expr *e, void *data)
{
	struct reader *r = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len = 0;
	const uint8_t *v;

	if (!strcmp(name, "meta") && (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO ||
				      nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_NFPROTO)) {
		r->rule.last_meta = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
		r->rule.meta |= r->rule.last_meta == NFT_META_L4PROTO;
	} else if (!strcmp(name, "cmp")) {
		v = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
		if (r->rule.last_meta == NFT_META_NFPROTO)
			r->rule.nfproto = len == 1 ? v[0] : 0;
		else
			r->rule.proto = len == 1 ? v[0] : 0;
	} else if (!strcmp(name, "payload") &&
		   nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_NETWORK_HEADER) {
		len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
		/* the destination address: at 16 in an IPv4 header, at 24 in an IPv6 one */
		if (nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == (len == 16 ? 24u : 16u) &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG) == NFT_REG_1)
			r->rule.daddr_len = len;
		else
			r->rule.unknown = true;
	} else if (!strcmp(name, "payload")) {
		r->rule.dport = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_TRANSPORT_HEADER &&
				nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == 2 &&
				nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) == 2;
		r->rule.unknown |= !r->rule.dport;
	} else if (!strcmp(name, "numgen") && nftnl_expr_get_u32(e, NFTNL_EXPR_NG_TYPE) == NFT_NG_RANDOM) {
		r->rule.mod = nftnl_expr_get_u32(e, NFTNL_EXPR_NG_MODULUS);
	} else if (!strcmp(name, "lookup") && nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG) == NFT_REG_1) {
		r->rule.set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		r->rule.lookup_dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG);
	} else if (!strcmp(name, "immediate") && r->rule.imm++ == 0) {
		v = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		inet_ntop(len == 16 ? AF_INET6 : AF_INET, v, r->rule.addr, sizeof(r->rule.addr));
		r->rule.v6 = len == 16;
	} else if (!strcmp(name, "immediate")) {
		r->rule.port = port_at(nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len));
	} else if (!strcmp(name, "nat") && nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT) {
		r->rule.nat_fam = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY);
	} else {
		r->rule.unknown = true;
	}
	return 0;
}

/* A pick chain's rule (a lookup of daddr . dport . numgen), as nft writes it. */
static void pick_rule_text(struct reader *r, const char *chain)
{
	bool v6 = r->rule.daddr_len == 16, vmap = r->rule.lookup_dreg == NFT_REG_VERDICT;
	const char *ip = v6 ? "ip6" : "ip";
	bool ok = !r->rule.unknown && r->rule.meta && r->rule.dport && r->rule.daddr_len &&
		  r->rule.nfproto == (v6 ? NFPROTO_IPV6 : NFPROTO_IPV4) &&
		  (vmap ? r->rule.nat_fam == 0 : r->rule.nat_fam == r->rule.nfproto);

	put(&r->o, &r->left, "add rule inet nsnet %s %s", chain, ok ? "" : "<other> ");
	if (!vmap)
		put(&r->o, &r->left, "dnat %s to ", ip);
	put(&r->o, &r->left, "%s daddr . %s dport . numgen random mod %u %s @%s\n", ip, proto_of(r->rule.proto),
	    r->rule.mod, vmap ? "vmap" : "map", r->rule.set);
}

/* The batch @b as nft text, one line per message, by this test's reader. */
static char *batch_text(struct nft_batch *b)
{
	size_t size, cap = 1 << 16;
	const struct nlmsghdr *m = nft_batch_data(b, &size);
	char *text = calloc(1, cap);
	struct reader r = { .o = text, .left = cap };
	int len = (int)size;

	if (!m || !text)
		return text;
	for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(m);
		uint16_t type = m->nlmsg_type & 0xff;

		if (m->nlmsg_type == NFNL_MSG_BATCH_BEGIN || m->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		CHECK_EQ_INT(m->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		CHECK_EQ_INT(g->nfgen_family, NFPROTO_INET);
		if (type == NFT_MSG_NEWCHAIN || type == NFT_MSG_DELCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			CHECK(nftnl_chain_nlmsg_parse(m, c) == 0);
			CHECK_EQ_STR(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "nsnet");
			put(&r.o, &r.left, "%s chain inet nsnet %s\n", type == NFT_MSG_NEWCHAIN ? "add" : "delete",
			    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
			nftnl_chain_free(c);
		} else if (type == NFT_MSG_NEWRULE || type == NFT_MSG_DELRULE) {
			struct nftnl_rule *ru = nftnl_rule_alloc();

			CHECK(nftnl_rule_nlmsg_parse(m, ru) == 0);
			CHECK_EQ_STR(nftnl_rule_get_str(ru, NFTNL_RULE_TABLE), "nsnet");
			if (type == NFT_MSG_DELRULE) {	/* no handle: every rule of the chain */
				CHECK(!nftnl_rule_is_set(ru, NFTNL_RULE_HANDLE));
				put(&r.o, &r.left, "flush chain inet nsnet %s\n", nftnl_rule_get_str(ru, NFTNL_RULE_CHAIN));
			} else {
				memset(&r.rule, 0, sizeof(r.rule));
				nftnl_expr_foreach(ru, read_expr, &r);
				if (r.rule.set) {
					pick_rule_text(&r, nftnl_rule_get_str(ru, NFTNL_RULE_CHAIN));
					nftnl_rule_free(ru);
					continue;
				}
				put(&r.o, &r.left, "add rule inet nsnet %s %smeta l4proto %s dnat %s to %s%s%s:%u\n",
				    nftnl_rule_get_str(ru, NFTNL_RULE_CHAIN), r.rule.unknown || !r.rule.meta ? "<other> " : "",
				    proto_of(r.rule.proto), r.rule.nat_fam == NFPROTO_IPV6 ? "ip6" : r.rule.nat_fam == NFPROTO_IPV4 ? "ip" : "?",
				    r.rule.v6 ? "[" : "", r.rule.addr, r.rule.v6 ? "]" : "", r.rule.port);
			}
			nftnl_rule_free(ru);
		} else if (type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM || type == 30 /* DESTROYSETELEM */) {
			struct nftnl_set *s = nftnl_set_alloc();

			CHECK(nftnl_set_elems_nlmsg_parse(m, s) == 0);
			CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_TABLE), "nsnet");
			r.set = nftnl_set_get_str(s, NFTNL_SET_NAME);
			r.verb = type == NFT_MSG_NEWSETELEM ? "add" : type == NFT_MSG_DELSETELEM ? "delete" : "destroy";
			nftnl_set_elem_foreach(s, read_elem, &r);
			nftnl_set_free(s);
		} else {
			put(&r.o, &r.left, "<message %u>\n", type);
		}
	}
	return text;
}

/* Both encoders on @c: the text, and the batch read back; they must be the same lines. */
static void check_same(const struct nft_change *c, const char *what)
{
	struct strbuf t = { 0 };
	struct nft_batch *b = nft_batch_new(NFPROTO_INET, NSNET_NFT_TABLE);
	char *decoded;

	nft_change_text(c, &t);
	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_EQ_INT(nft_change_batch(c, b), 0);
	decoded = batch_text(b);
	CHECK(c->n > 0);
	if (strcmp(decoded ? decoded : "", strbuf_str(&t)))
		printf("# %s: text:\n%s# batch:\n%s", what, strbuf_str(&t), decoded ? decoded : "(none)\n");
	CHECK_EQ_STR(decoded, strbuf_str(&t));
	free(decoded);
	nft_batch_free(b);
	strbuf_free(&t);
}

TEST(test_vip_change_v4)
{
	struct nsnet_vip old = vip(3, v4(10, 100, 0, 1), IPPROTO_TCP, 2, 8080);
	struct nsnet_vip new = vip(3, v4(10, 100, 0, 1), IPPROTO_TCP, 3, 8081);
	struct nft_change c = { 0 };

	nft_describe_vip(&c, &old, NFT_VIP_DELETE);
	nft_describe_vip(&c, &new, NFT_VIP_ADD);
	check_same(&c, "vip set");
	/* What `vip set` applies: the old VIP's elements out, the new one's in, jumping to pick4t-3. */
	CHECK_EQ_INT(c.n, 1 + 2 + 3 + 1);
	nft_change_free(&c);
}

/* A pick chain made with a VIP's change: the same rule by both encoders, with or without affinity. */
TEST(test_pick_chain_rules)
{
	static const struct {
		int family;
		uint8_t proto;
		enum nft_set_kind map;
		unsigned int n;
		const char *text;
	} cases[] = {
		{ AF_INET, IPPROTO_TCP, NFT_SET_BACKENDS, 3,
		  "add rule inet nsnet pick4t-3 dnat ip to ip daddr . tcp dport . numgen random mod 3 map @bk4t\n" },
		{ AF_INET6, IPPROTO_UDP, NFT_SET_BACKENDS, 64,
		  "add rule inet nsnet pick6u-64 dnat ip6 to ip6 daddr . udp dport . numgen random mod 64 map @bk6u\n" },
		{ AF_INET, IPPROTO_UDP, NFT_SET_SEPS, 2,
		  "add rule inet nsnet picksep4u-2 ip daddr . udp dport . numgen random mod 2 vmap @sep4u\n" },
		{ AF_INET6, IPPROTO_TCP, NFT_SET_SEPS, 1,
		  "add rule inet nsnet picksep6t-1 ip6 daddr . tcp dport . numgen random mod 1 vmap @sep6t\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nft_set_ref map = { .kind = cases[i].map, .family = cases[i].family, .proto = cases[i].proto };
		struct nft_name chain = cases[i].map == NFT_SET_SEPS ? nft_chain_picksep(cases[i].family, cases[i].proto, cases[i].n)
								     : nft_chain_pick(cases[i].family, cases[i].proto, cases[i].n);
		struct nft_change c = { 0 };
		struct strbuf t = { 0 };

		nft_change_chain(&c, NFT_VERB_ADD, &chain);
		nft_change_rule_pick(&c, &chain, &map, cases[i].n);
		check_same(&c, "pick chain");
		nft_change_text(&c, &t);
		CHECK(strstr(strbuf_str(&t), cases[i].text) != NULL);
		strbuf_free(&t);
		nft_change_free(&c);
	}
}

TEST(test_vip_rm_expires_and_add_destroys_first)
{
	struct nsnet_vip v = vip(5, v4(10, 100, 0, 5), IPPROTO_TCP, 2, 8080);
	struct nsnet_vip none = vip(6, v6(0x66), IPPROTO_UDP, 0, 53);
	struct nft_change c = { 0 };
	struct strbuf t = { 0 };

	/* `vip rm`: every element added again with the same data and a timeout; nothing deleted. */
	nft_describe_vip(&c, &v, NFT_VIP_EXPIRE);
	check_same(&c, "vip rm");
	nft_change_text(&c, &t);
	CHECK_EQ_STR(strbuf_str(&t), "add element inet nsnet svc4 { 10.100.0.5 . tcp . 80 timeout 1ms : jump pick4t-2 }\n"
				     "add element inet nsnet bk4t { 10.100.0.5 . 80 . 0 timeout 1ms : 10.0.0.2 . 8080 }\n"
				     "add element inet nsnet bk4t { 10.100.0.5 . 80 . 1 timeout 1ms : 10.0.0.3 . 8080 }\n");
	nft_change_free(&c);
	/* `vip add` alone: the same keys destroyed first (a VIP that expires this tick), then added. */
	nft_describe_vip(&c, &v, NFT_VIP_ADD_FRESH);
	check_same(&c, "vip add");
	t.len = 0;
	nft_change_text(&c, &t);
	CHECK_EQ_STR(strbuf_str(&t), "destroy element inet nsnet svc4 { 10.100.0.5 . tcp . 80 }\n"
				     "destroy element inet nsnet bk4t { 10.100.0.5 . 80 . 0 }\n"
				     "destroy element inet nsnet bk4t { 10.100.0.5 . 80 . 1 }\n"
				     "add element inet nsnet bk4t { 10.100.0.5 . 80 . 0 : 10.0.0.2 . 8080 }\n"
				     "add element inet nsnet bk4t { 10.100.0.5 . 80 . 1 : 10.0.0.3 . 8080 }\n"
				     "add element inet nsnet svc4 { 10.100.0.5 . tcp . 80 : jump pick4t-2 }\n");
	nft_change_free(&c);
	/* Without backends the VIP is an element of empty6, expired and destroyed the same way. */
	nft_describe_vip(&c, &none, NFT_VIP_EXPIRE);
	nft_describe_vip(&c, &none, NFT_VIP_ADD_FRESH);
	check_same(&c, "empty vip");
	t.len = 0;
	nft_change_text(&c, &t);
	CHECK_EQ_STR(strbuf_str(&t), "add element inet nsnet empty6 { fd00::66 . udp . 80 timeout 1ms }\n"
				     "destroy element inet nsnet empty6 { fd00::66 . udp . 80 }\n"
				     "add element inet nsnet empty6 { fd00::66 . udp . 80 }\n");
	strbuf_free(&t);
	nft_change_free(&c);
}

TEST(test_vip_change_v6_udp_from_empty)
{
	struct nsnet_vip old = vip(4, v6(0x64), IPPROTO_UDP, 0, 53);
	struct nsnet_vip new = vip(4, v6(0x64), IPPROTO_UDP, 2, 5353);
	struct nft_change c = { 0 };
	struct strbuf t = { 0 };

	nft_describe_vip(&c, &old, NFT_VIP_DELETE);
	nft_describe_vip(&c, &new, NFT_VIP_ADD);
	check_same(&c, "vip set v6");
	nft_change_text(&c, &t);
	CHECK(strstr(strbuf_str(&t), "delete element inet nsnet empty6 { fd00::64 . udp . 80 }\n") != NULL);
	CHECK(strstr(strbuf_str(&t), "add element inet nsnet bk6u { fd00::64 . 80 . 1 : fd00::3 . 5353 }\n") != NULL);
	CHECK(strstr(strbuf_str(&t), "add element inet nsnet svc6 { fd00::64 . udp . 80 : jump pick6u-2 }\n") != NULL);
	strbuf_free(&t);
	nft_change_free(&c);
}

static struct nsnet_port port(unsigned int id, struct nsnet_addr host, uint8_t proto, struct nsnet_addr target)
{
	struct nsnet_port p = { .id = id, .host_ip = host, .host_port = 8000 + (uint16_t)id, .port = 80,
				.proto = proto, .target = target };

	return p;
}

TEST(test_ports)
{
	struct nsnet_addr any = { 0 };
	struct nsnet_port p[3] = {
		port(1, v4(127, 0, 0, 1), IPPROTO_TCP, v4(10, 0, 0, 2)),
		port(2, any, IPPROTO_UDP, v4(10, 0, 0, 3)),
		port(3, v6(1), IPPROTO_TCP, v6(9)),
	};
	struct nft_change add = { 0 }, del = { 0 };
	struct strbuf t = { 0 };

	for (size_t i = 0; i < 3; i++) {
		nft_describe_port(&add, &p[i], true);
		nft_describe_port(&del, &p[i], false);
	}
	check_same(&add, "ports add");
	check_same(&del, "ports del");
	nft_change_text(&add, &t);
	CHECK(strstr(strbuf_str(&t), "add rule inet nsnet pub-3 meta l4proto tcp dnat ip6 to [fd00::9]:80\n") != NULL);
	CHECK(strstr(strbuf_str(&t), "add element inet nsnet pubany4 { udp . 8002 : jump pub-2 }\n") != NULL);
	strbuf_free(&t);
	nft_change_free(&add);
	nft_change_free(&del);
}

/* The comparison notices a difference: the batch of one VIP does not read as the text of another. */
TEST(test_reader_sees_a_difference)
{
	struct nsnet_vip a = vip(5, v4(10, 100, 0, 2), IPPROTO_TCP, 2, 8080);
	struct nsnet_vip b = vip(5, v4(10, 100, 0, 2), IPPROTO_TCP, 2, 8081);
	struct nft_change ca = { 0 }, cb = { 0 };
	struct nft_batch *batch = nft_batch_new(NFPROTO_INET, NSNET_NFT_TABLE);
	struct strbuf t = { 0 };
	char *decoded;

	nft_describe_vip(&ca, &a, NFT_VIP_ADD);
	nft_describe_vip(&cb, &b, NFT_VIP_ADD);
	nft_change_text(&cb, &t);
	CHECK(batch && nft_change_batch(&ca, batch) == 0);
	decoded = batch ? batch_text(batch) : NULL;
	CHECK(decoded && strcmp(decoded, strbuf_str(&t)) != 0);
	free(decoded);
	nft_batch_free(batch);
	strbuf_free(&t);
	nft_change_free(&ca);
	nft_change_free(&cb);
}

/* A VIP with affinity has rules and timeout sets the batch encoder does not build: it refuses, adding nothing. */
TEST(test_affinity_refused_by_batch)
{
	struct nsnet_vip v = vip(6, v4(10, 100, 0, 3), IPPROTO_TCP, 2, 8080);
	struct nft_change c = { 0 };
	struct nft_batch *b = nft_batch_new(NFPROTO_INET, NSNET_NFT_TABLE);
	struct strbuf t = { 0 };
	char *decoded;

	v.affinity = 600;
	nft_describe_vip(&c, &v, NFT_VIP_ADD);
	CHECK(b != NULL);
	CHECK_EQ_INT(nft_change_batch(&c, b), -EOPNOTSUPP);
	decoded = b ? batch_text(b) : NULL;
	CHECK_EQ_STR(decoded, "");
	nft_change_text(&c, &t);
	CHECK(strstr(strbuf_str(&t), "add set inet nsnet aff-6-1 { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }\n") != NULL);
	CHECK(strstr(strbuf_str(&t), "add element inet nsnet sep4t { 10.100.0.3 . 80 . 0 : goto sep-6-0 }\n") != NULL);
	free(decoded);
	nft_batch_free(b);
	strbuf_free(&t);
	nft_change_free(&c);
}

int main(void)
{
	RUN(test_vip_change_v4);
	RUN(test_pick_chain_rules);
	RUN(test_vip_rm_expires_and_add_destroys_first);
	RUN(test_vip_change_v6_udp_from_empty);
	RUN(test_ports);
	RUN(test_reader_sees_a_difference);
	RUN(test_affinity_refused_by_batch);
	return unit_done();
}
