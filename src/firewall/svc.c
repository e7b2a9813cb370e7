// SPDX-License-Identifier: MIT
// nft rules of services: virtual IPs with backends, published ports (theory of operation in fw.h).
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "firewall/fw.h"
#include "firewall/nftnl.h"
#include "model/service.h"

#define T "inet " NSNET_NFT_TABLE

/* Per family: the nft name of the protocol, the address type, a map suffix. */
static const struct svc_family {
	int family;
	const char *ip;		/* "ip" / "ip6" */
	const char *type;	/* "ipv4_addr" / "ipv6_addr" */
	const char *sfx;	/* "4" / "6" */
} svc_families[] = {
	{ AF_INET, "ip", "ipv4_addr", "4" },
	{ AF_INET6, "ip6", "ipv6_addr", "6" },
};

static const struct svc_family *svc_fam(int family)
{
	return &svc_families[family == AF_INET6];
}

void fw_nft_svc_base(struct strbuf *o)
{
	for (size_t i = 0; i < 2; i++) {
		const struct svc_family *f = &svc_families[i];

		strbuf_printf(o, "add map " T " svc%s { type %s . inet_proto . inet_service : verdict ; }\n", f->sfx, f->type);
		strbuf_printf(o, "add map " T " pubany%s { type inet_proto . inet_service : verdict ; }\n", f->sfx);
		/*
		 * Backends (and, with affinity, per-backend chains) of every VIP, one map per family and
		 * protocol. The protocol is spelled out ("tcp dport", not "th dport") on both sides: nft
		 * 1.0.6 rebuilds a typeof map's types from the kernel with tcp in place of th, and then
		 * refuses rules that mix the two.
		 */
		for (const char *const *pr = (const char *const[]){ "tcp", "udp", NULL }; *pr; pr++) {
			strbuf_printf(o, "add map " T " bk%s%c { typeof %s daddr . %s dport . numgen random mod 2 : %s daddr . %s dport ; }\n",
				      f->sfx, **pr, f->ip, *pr, f->ip, *pr);
			strbuf_printf(o, "add map " T " sep%s%c { typeof %s daddr . %s dport . numgen random mod 2 : verdict ; }\n",
				      f->sfx, **pr, f->ip, *pr);
		}
		strbuf_printf(o, "add set " T " empty%s { type %s . inet_proto . inet_service ; }\n", f->sfx, f->type);
	}
	/*
	 * The backend pick of a VIP with N backends: one shared chain per family, protocol and N. A
	 * VIP's chain ends in `goto pick4t-N`, so the rules that look up the shared maps exist once
	 * per N, not once per VIP: the kernel checks every element of a map each time a rule in a new
	 * chain binds it, which made loading K VIPs cost K x (elements) (4 s at 10,000).
	 */
	for (size_t i = 0; i < 2; i++) {
		const struct svc_family *f = &svc_families[i];

		for (const char *const *pr = (const char *const[]){ "tcp", "udp", NULL }; *pr; pr++) {
			for (unsigned int n = 1; n <= NSNET_MAX_BACKENDS; n++) {
				strbuf_printf(o, "add chain " T " pick%s%c-%u\n", f->sfx, **pr, n);
				strbuf_printf(o, "flush chain " T " pick%s%c-%u\n", f->sfx, **pr, n);
				strbuf_printf(o, "add rule " T " pick%s%c-%u dnat %s to %s daddr . %s dport . numgen random mod %u map @bk%s%c\n",
					      f->sfx, **pr, n, f->ip, f->ip, *pr, n, f->sfx, **pr);
				strbuf_printf(o, "add chain " T " picksep%s%c-%u\n", f->sfx, **pr, n);
				strbuf_printf(o, "flush chain " T " picksep%s%c-%u\n", f->sfx, **pr, n);
				strbuf_printf(o, "add rule " T " picksep%s%c-%u %s daddr . %s dport . numgen random mod %u vmap @sep%s%c\n",
					      f->sfx, **pr, n, f->ip, *pr, n, f->sfx, **pr);
			}
		}
	}
	strbuf_printf(o, "add chain " T " svc-pre { type nat hook prerouting priority dstnat ; policy accept ; }\n");
	strbuf_printf(o, "add chain " T " svc-out { type nat hook output priority -100 ; policy accept ; }\n");
	strbuf_printf(o, "add chain " T " svc-filter-out { type filter hook output priority filter ; policy accept ; }\n");
	/*
	 * route_localnet on a bridge (needed to publish on 127.0.0.1) would also let a namespace
	 * address the host's loopback services through that bridge: drop such packets first.
	 */
	strbuf_printf(o, "add chain " T " guard { type filter hook prerouting priority raw ; policy accept ; }\n");
	strbuf_printf(o, "flush chain " T " guard\n");
	strbuf_printf(o, "add rule " T " guard iifname @bridges ip daddr 127.0.0.0/8 drop\n");
	strbuf_printf(o, "add rule " T " guard iifname @bridges ip saddr 127.0.0.0/8 drop\n");
	for (const char *const *c = (const char *const[]){ "svc-pre", "svc-out", NULL }; *c; c++) {
		strbuf_printf(o, "flush chain " T " %s\n", *c);
		for (size_t i = 0; i < 2; i++) {
			const struct svc_family *f = &svc_families[i];

			strbuf_printf(o, "add rule " T " %s %s daddr . meta l4proto . th dport vmap @svc%s\n", *c, f->ip, f->sfx);
			strbuf_printf(o, "add rule " T " %s meta nfproto %s %s daddr != %s fib daddr type local meta l4proto . th dport vmap @pubany%s\n",
				      *c, f->family == AF_INET ? "ipv4" : "ipv6", f->ip,
				      f->family == AF_INET ? "127.0.0.0/8" : "::1", f->sfx);
		}
	}
	strbuf_printf(o, "flush chain " T " svc-filter-out\n");
	fw_nft_svc_reject_rules("svc-filter-out", o);
}

void fw_nft_svc_reject_rules(const char *chain, struct strbuf *o)
{
	for (size_t i = 0; i < 2; i++) {
		const struct svc_family *f = &svc_families[i];

		strbuf_printf(o, "add rule " T " %s %s daddr . meta l4proto . th dport @empty%s meta l4proto tcp reject with tcp reset\n",
			      chain, f->ip, f->sfx);
		strbuf_printf(o, "add rule " T " %s %s daddr . meta l4proto . th dport @empty%s reject\n", chain, f->ip, f->sfx);
	}
}

/* "10.100.0.1 . tcp . 80" */
static const char *svc_key3(const struct nsnet_endpoint *ep, uint8_t proto, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s . %s . %u", nsnet_addr_str(&ep->addr, a), proto_name(proto), ep->port);
	return buf;
}

/* "10.100.0.1 . 80": the key of the per-protocol backend maps, without the index. */
static const char *svc_key2(const struct nsnet_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s . %u", nsnet_addr_str(&ep->addr, a), ep->port);
	return buf;
}

void fw_nft_vip_add(const struct nsnet_vip *v, struct strbuf *o)
{
	const struct svc_family *f = svc_fam(v->vip.addr.family);
	char key[NSNET_KEY_MAX + 16], bkey[NSNET_KEY_MAX + 16], a[INET6_ADDRSTRLEN];
	const char *pr = proto_name(v->proto);
	unsigned int id = v->id;

	svc_key3(&v->vip, v->proto, key, sizeof(key));
	svc_key2(&v->vip, bkey, sizeof(bkey));
	if (v->n_backends == 0) {
		strbuf_printf(o, "add element " T " empty%s { %s }\n", f->sfx, key);
		return;
	}
	if (!v->affinity) {
		/*
		 * No chain of its own: the element jumps straight to the shared pick chain. The kernel
		 * re-checks every chain reachable from a verdict map whenever a jump is added, so one
		 * chain per VIP made each `vip add` walk K chains (7 ms at 10,000); see docs/services.md.
		 */
		for (size_t i = 0; i < v->n_backends; i++)
			strbuf_printf(o, "add element " T " bk%s%c { %s . %zu : %s . %u }\n", f->sfx, *pr, bkey, i,
				      nsnet_addr_str(&v->backend[i].ep.addr, a), v->backend[i].ep.port);
		strbuf_printf(o, "add element " T " svc%s { %s : jump pick%s%c-%zu }\n", f->sfx, key, f->sfx, *pr,
			      v->n_backends);
		return;
	}
	/* Ids are never reused while a chain exists, so the chains are new: no flush needed. */
	strbuf_printf(o, "add chain " T " vip-%u\n", id);
	for (size_t i = 0; i < v->n_backends; i++) {
		const struct nsnet_endpoint *b = &v->backend[i].ep;

		strbuf_printf(o, "add set " T " aff-%u-%zu { type %s ; flags dynamic,timeout ; timeout %us ; }\n",
			      id, i, f->type, v->affinity);
		strbuf_printf(o, "add chain " T " sep-%u-%zu\n", id, i);
		strbuf_printf(o, "add rule " T " sep-%u-%zu update @aff-%u-%zu { %s saddr } meta l4proto %s dnat %s to %s%s%s:%u\n",
			      id, i, id, i, f->ip, proto_name(v->proto), f->ip, f->family == AF_INET6 ? "[" : "",
			      nsnet_addr_str(&b->addr, a), f->family == AF_INET6 ? "]" : "", b->port);
		strbuf_printf(o, "add rule " T " vip-%u %s saddr @aff-%u-%zu goto sep-%u-%zu\n", id, f->ip, id, i, id, i);
		strbuf_printf(o, "add element " T " sep%s%c { %s . %zu : goto sep-%u-%zu }\n", f->sfx, *pr, bkey, i, id, i);
	}
	strbuf_printf(o, "add rule " T " vip-%u goto picksep%s%c-%zu\n", id, f->sfx, *pr, v->n_backends);
	strbuf_printf(o, "add element " T " svc%s { %s : jump vip-%u }\n", f->sfx, key, id);
}

void fw_nft_vip_element(const struct nsnet_vip *v, char *buf, size_t len)
{
	const struct svc_family *f = svc_fam(v->vip.addr.family);
	char key[NSNET_KEY_MAX + 16];

	svc_key3(&v->vip, v->proto, key, sizeof(key));
	if (v->affinity)
		snprintf(buf, len, "%s : jump vip-%u", key, v->id);
	else
		snprintf(buf, len, "%s : jump pick%s%c-%zu", key, f->sfx, *proto_name(v->proto), v->n_backends);
}

void fw_nft_vip_del(const struct nsnet_vip *v, struct strbuf *o)
{
	const struct svc_family *f = svc_fam(v->vip.addr.family);
	char key[NSNET_KEY_MAX + 16], bkey[NSNET_KEY_MAX + 16];
	const char *pr = proto_name(v->proto);
	unsigned int id = v->id;

	svc_key3(&v->vip, v->proto, key, sizeof(key));
	svc_key2(&v->vip, bkey, sizeof(bkey));
	if (v->n_backends == 0) {
		strbuf_printf(o, "delete element " T " empty%s { %s }\n", f->sfx, key);
		return;
	}
	strbuf_printf(o, "delete element " T " svc%s { %s }\n", f->sfx, key);
	if (!v->affinity) {
		for (size_t i = 0; i < v->n_backends; i++)
			strbuf_printf(o, "delete element " T " bk%s%c { %s . %zu }\n", f->sfx, *pr, bkey, i);
		return;
	}
	strbuf_printf(o, "flush chain " T " vip-%u\n", id);
	for (size_t i = 0; i < v->n_backends; i++) {
		strbuf_printf(o, "delete element " T " sep%s%c { %s . %zu }\n", f->sfx, *pr, bkey, i);
		strbuf_printf(o, "flush chain " T " sep-%u-%zu\n", id, i);
		strbuf_printf(o, "delete chain " T " sep-%u-%zu\n", id, i);
		strbuf_printf(o, "delete set " T " aff-%u-%zu\n", id, i);
	}
	strbuf_printf(o, "delete chain " T " vip-%u\n", id);
}

void fw_nft_port_add(const struct nsnet_port *p, struct strbuf *o)
{
	const struct svc_family *f = svc_fam(p->target.family);
	char a[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	strbuf_printf(o, "add chain " T " pub-%u\n", p->id);
	strbuf_printf(o, "add rule " T " pub-%u meta l4proto %s dnat %s to %s%s%s:%u\n", p->id, proto_name(p->proto),
		      f->ip, f->family == AF_INET6 ? "[" : "",
		      nsnet_addr_str(&p->target, a), f->family == AF_INET6 ? "]" : "", p->port);
	if (p->host_ip.family)
		strbuf_printf(o, "add element " T " svc%s { %s . %s . %u : jump pub-%u }\n", f->sfx,
			      nsnet_addr_str(&p->host_ip, h), proto_name(p->proto), p->host_port, p->id);
	else
		strbuf_printf(o, "add element " T " pubany%s { %s . %u : jump pub-%u }\n", f->sfx, proto_name(p->proto),
			      p->host_port, p->id);
}

void fw_nft_port_del(const struct nsnet_port *p, struct strbuf *o)
{
	const struct svc_family *f = svc_fam(p->target.family);
	char h[INET6_ADDRSTRLEN];

	if (p->host_ip.family)
		strbuf_printf(o, "delete element " T " svc%s { %s . %s . %u }\n", f->sfx, nsnet_addr_str(&p->host_ip, h),
			      proto_name(p->proto), p->host_port);
	else
		strbuf_printf(o, "delete element " T " pubany%s { %s . %u }\n", f->sfx, proto_name(p->proto), p->host_port);
	strbuf_printf(o, "flush chain " T " pub-%u\n", p->id);
	strbuf_printf(o, "delete chain " T " pub-%u\n", p->id);
}

/*
 * The libnftnl form of fw_nft_vip_del(@old) + fw_nft_vip_add(@new) (either may be NULL): the
 * same objects, built as raw messages (firewall/nftnl.h) so that no ruleset cache is fetched.
 */
static void svc_key_bytes(const struct nsnet_endpoint *ep, uint8_t proto, bool with_proto, uint32_t idx,
			  bool with_idx, uint8_t *key, size_t *len)
{
	size_t alen = nsnet_addr_len(ep->addr.family), n = 0;
	uint16_t port = htons(ep->port);

	memset(key, 0, 32);
	memcpy(key, ep->addr.b, alen);
	n = alen;
	if (with_proto) {
		key[n] = proto;		/* inet_proto: one byte, padded to 4 */
		n += 4;
	}
	memcpy(key + n, &port, 2);	/* inet_service: network order, padded to 4 */
	n += 4;
	if (with_idx) {
		memcpy(key + n, &idx, 4);	/* numgen: an integer in host order */
		n += 4;
	}
	*len = n;
}

static void svc_nb_vip(struct nb *b, const struct nsnet_vip *v, bool add)
{
	const struct svc_family *f = svc_fam(v->vip.addr.family);
	char set[16], pick[32];
	uint8_t key[32], data[32];
	size_t klen, dlen;

	svc_key_bytes(&v->vip, v->proto, true, 0, false, key, &klen);
	if (v->n_backends == 0) {
		snprintf(set, sizeof(set), "empty%s", f->sfx);
		nb_elem(b, add, set, key, klen, NULL, 0, 0, NULL);
		return;
	}
	snprintf(pick, sizeof(pick), "pick%s%c-%zu", f->sfx, *proto_name(v->proto), v->n_backends);
	snprintf(set, sizeof(set), "svc%s", f->sfx);
	if (!add)
		nb_elem(b, false, set, key, klen, NULL, 0, 0, NULL);
	snprintf(set, sizeof(set), "bk%s%c", f->sfx, *proto_name(v->proto));
	for (size_t i = 0; i < v->n_backends; i++) {
		uint8_t bk[32];
		size_t bklen;

		svc_key_bytes(&v->vip, v->proto, false, (uint32_t)i, true, bk, &bklen);
		svc_key_bytes(&v->backend[i].ep, v->proto, false, 0, false, data, &dlen);
		nb_elem(b, add, set, bk, bklen, data, dlen, 0, NULL);
	}
	if (add) {
		snprintf(set, sizeof(set), "svc%s", f->sfx);
		nb_elem(b, true, set, key, klen, NULL, 0, NFT_JUMP, pick);
	}
}

int fw_nft_vip_change(const struct nsnet_vip *old, const struct nsnet_vip *new, struct nsnet_err *err)
{
	struct nb *b;
	int r;

	if ((old && old->affinity) || (new && new->affinity))
		return -EOPNOTSUPP;	/* per-backend sets and chains: libnftables writes those */
	if (!(b = nb_new(NFPROTO_INET, NSNET_NFT_TABLE)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	if (old)
		svc_nb_vip(b, old, false);
	if (new)
		svc_nb_vip(b, new, true);
	r = nb_commit(b, "nftables: VIP rules", err);
	nb_free(b);
	return r;
}

/* Port @p's key in svc4/svc6 (published on one address) or pubany4/pubany6 (on every address). */
static void svc_port_key(const struct nsnet_port *p, uint8_t *key, size_t *klen, char *set, size_t setlen)
{
	const struct svc_family *f = svc_fam(p->target.family);
	struct nsnet_endpoint host = { .addr = p->host_ip, .port = p->host_port };

	if (p->host_ip.family) {
		svc_key_bytes(&host, p->proto, true, 0, false, key, klen);
		snprintf(set, setlen, "svc%s", f->sfx);
	} else {
		uint16_t port = htons(p->host_port);

		/* (l4proto . dport): the protocol byte padded to 4, then the port. */
		memset(key, 0, 32);
		key[0] = p->proto;
		memcpy(key + 4, &port, 2);
		*klen = 8;
		snprintf(set, setlen, "pubany%s", f->sfx);
	}
}

static int svc_nb_ports(const struct nsnet_port *p, size_t n, bool add, struct nsnet_err *err)
{
	struct nb *b;
	int r;

	if (!(b = nb_new(NFPROTO_INET, NSNET_NFT_TABLE)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint8_t key[32];
		char set[16], chain[32];
		size_t klen;

		svc_port_key(&p[i], key, &klen, set, sizeof(set));
		snprintf(chain, sizeof(chain), "pub-%u", p[i].id);
		if (add) {
			nb_chain_add(b, chain);
			nb_rule_dnat(b, chain, p[i].proto, p[i].target.family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4,
				     p[i].target.b, nsnet_addr_len(p[i].target.family), htons(p[i].port));
			nb_elem(b, true, set, key, klen, NULL, 0, NFT_JUMP, chain);
		} else {
			nb_elem(b, false, set, key, klen, NULL, 0, 0, NULL);
			nb_chain_flush(b, chain);
			nb_chain_del(b, chain);
		}
	}
	r = nb_commit(b, "nftables: published ports", err);
	nb_free(b);
	return r;
}

int fw_nft_ports_add(const struct nsnet_port *p, size_t n, struct nsnet_err *err)
{
	return svc_nb_ports(p, n, true, err);
}

int fw_nft_ports_del(const struct nsnet_port *p, size_t n, struct nsnet_err *err)
{
	return svc_nb_ports(p, n, false, err);
}
