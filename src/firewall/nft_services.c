// SPDX-License-Identifier: MIT
// nft backend, services: VIPs and published ports described once, as text or libnftnl (theory in fw.h).
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "firewall/fw.h"
#include "firewall/nft_change.h"
#include "firewall/nft_schema.h"
#include "firewall/nftnl.h"
#include "model/service.h"

static const uint8_t svc_protos[] = { IPPROTO_TCP, IPPROTO_UDP };

void fw_nft_svc_base(struct strbuf *o)
{
	for (size_t i = 0; i < 2; i++) {
		int fam = nft_families[i].family;

		nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_SVC, .family = fam }, o);
		nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_PUBANY, .family = fam }, o);
		/* Backends (and, with affinity, per-backend chains) of every VIP: one map per family and protocol. */
		for (size_t p = 0; p < 2; p++) {
			nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_BACKENDS, .family = fam, .proto = svc_protos[p] }, o);
			nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_SEPS, .family = fam, .proto = svc_protos[p] }, o);
		}
		nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_EMPTY, .family = fam }, o);
	}
	/* The pick chains are not part of the base: "The pick chains" below (fw_nft_vip_shared()). */
	nft_base_chain_decl(NFT_CHAIN_SVC_PRE, o);
	nft_base_chain_decl(NFT_CHAIN_SVC_OUT, o);
	nft_base_chain_decl(NFT_CHAIN_SVC_FILTER_OUT, o);
	/*
	 * route_localnet on a bridge (needed to publish on 127.0.0.1) would also let a namespace
	 * address the host's loopback services through that bridge: drop such packets first.
	 */
	nft_base_chain_decl(NFT_CHAIN_GUARD, o);
	{
		const char *guard = nft_base_chain_name(NFT_CHAIN_GUARD);
		struct nft_name br = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_BRIDGES });

		strbuf_printf(o, "flush chain " NFT_TABLE " %s\n", guard);
		strbuf_printf(o, "add rule " NFT_TABLE " %s iifname @%s ip daddr 127.0.0.0/8 drop\n", guard, br.s);
		strbuf_printf(o, "add rule " NFT_TABLE " %s iifname @%s ip saddr 127.0.0.0/8 drop\n", guard, br.s);
		/*
		 * Anti-spoofing of routed networks: a packet from a host end must come from an address
		 * the host routes to that host end (strict reverse path), which only the namespace's
		 * leases are; IPv6 link-local and :: (neighbour discovery) are the link's own.
		 */
		br = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_GROUPS });
		strbuf_printf(o, "add rule " NFT_TABLE " %s meta iifgroup @%s meta nfproto ipv4 fib saddr . iif oif missing drop\n",
			      guard, br.s);
		strbuf_printf(o, "add rule " NFT_TABLE " %s meta iifgroup @%s ip6 saddr != { ::, fe80::/10 } fib saddr . iif oif missing drop\n",
			      guard, br.s);
		/*
		 * The routed gateway 169.254.1.1 is only a neighbour entry in the namespaces, no
		 * address of the host's: a packet sent to it would be routed on toward the uplink.
		 */
		strbuf_printf(o, "add rule " NFT_TABLE " %s meta iifgroup @%s ip daddr 169.254.1.1 drop\n", guard, br.s);
	}
	for (enum nft_base_chain c = NFT_CHAIN_SVC_PRE; c <= NFT_CHAIN_SVC_OUT; c++) {
		strbuf_printf(o, "flush chain " NFT_TABLE " %s\n", nft_base_chain_name(c));
		for (size_t i = 0; i < 2; i++) {
			const struct nft_family *f = &nft_families[i];
			struct nft_name svc = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_SVC, .family = f->family });
			struct nft_name any = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_PUBANY, .family = f->family });

			strbuf_printf(o, "add rule " NFT_TABLE " %s %s daddr . meta l4proto . th dport vmap @%s\n",
				      nft_base_chain_name(c), f->ip, svc.s);
			strbuf_printf(o, "add rule " NFT_TABLE " %s meta nfproto %s %s daddr != %s fib daddr type local meta l4proto . th dport vmap @%s\n",
				      nft_base_chain_name(c), f->nfproto, f->ip, f->loopback, any.s);
			/*
			 * From the host itself, every address includes 127.0.0.1 (as with Docker and
			 * Podman): DNAT'ed here, the packet leaves by the bridge, which has
			 * route_localnet for it (docs/services.md). Never in prerouting, where 127/8
			 * can only be spoofed. IPv6 has no route_localnet, so ::1 stays out.
			 */
			if (c == NFT_CHAIN_SVC_OUT && f->family == AF_INET)
				strbuf_printf(o, "add rule " NFT_TABLE " %s ip daddr 127.0.0.1 meta l4proto . th dport vmap @%s\n",
					      nft_base_chain_name(c), any.s);
		}
	}
	strbuf_printf(o, "flush chain " NFT_TABLE " %s\n", nft_base_chain_name(NFT_CHAIN_SVC_FILTER_OUT));
	fw_nft_svc_reject_rules(nft_base_chain_name(NFT_CHAIN_SVC_FILTER_OUT), o);
}

void fw_nft_svc_reject_rules(const char *chain, struct strbuf *o)
{
	for (size_t i = 0; i < 2; i++) {
		const struct nft_family *f = &nft_families[i];
		struct nft_name empty = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_EMPTY, .family = f->family });

		strbuf_printf(o, "add rule " NFT_TABLE " %s %s daddr . meta l4proto . th dport @%s meta l4proto tcp reject with tcp reset\n",
			      chain, f->ip, empty.s);
		strbuf_printf(o, "add rule " NFT_TABLE " %s %s daddr . meta l4proto . th dport @%s reject\n", chain, f->ip,
			      empty.s);
	}
}

/*
 * The pick chains, made when first needed. Theory of operation: a VIP without affinity and with N
 * backends jumps to pick4t-N (family, protocol, N), a VIP with affinity ends in picksep4t-N; each
 * holds one rule that looks up a shared map (bk4t or sep4t). They are shared because binding a
 * rule to a map makes the kernel check every element of the map: one chain per VIP made loading
 * K VIPs cost K x (elements), 4 s at 10,000. So a pick chain is made once, by the first change
 * that needs it, in that change's own transaction, and never made again while it exists: the
 * base declared all 512 of them, ~78% of its text, and that text went in with the first network.
 *
 * Whether it exists is the kernel's word: fw_nft_vip_shared() asks with one NFT_MSG_GETCHAIN
 * (nftnl.c) the first time a process needs a chain, not the VIP records, which can drift from the
 * kernel (a chain deleted by hand; a table that a crash left behind). svc_pick_state remembers
 * per chain what the process knows, in the order texts are rendered: PICK_KERNEL the kernel has
 * it, PICK_MADE text rendered earlier in this operation makes it (so apply, ns rm or a dry run
 * make or show it once), PICK_GONE text rendered earlier removes the table (gc's rebuild).
 * Rendering a table's removal elsewhere forgets it all (fw_nft_svc_forget()), so the next VIP
 * asks again. The text that makes a chain has an undo that deletes it again (the undo of the
 * change that made it); a crash is repaired by the journal's replay of that undo, as for any
 * change. fw_nft_vip_change() (the libnftnl path) asks the kernel itself unless the kernel had the
 * chain when the text was rendered, and makes the same chain with the same rule in its batch.
 *
 * Pick chains that no VIP uses any more stay (ours, harmless, and the next VIP with as many
 * backends needs no chain); gc's rebuild makes only those the recorded VIPs use, and check reports
 * a VIP whose chain (or its rule) is missing.
 */
enum { PICK_UNKNOWN, PICK_KERNEL, PICK_MADE, PICK_GONE };
static uint8_t svc_pick_state[2][2][2][NSNET_MAX_BACKENDS + 1];	/* [family][tcp/udp][affinity][N] */

void fw_nft_svc_forget(bool gone)
{
	memset(svc_pick_state, gone ? PICK_GONE : PICK_UNKNOWN, sizeof(svc_pick_state));
}

/* The name of @v's pick chain (@v has 1..NSNET_MAX_BACKENDS backends). */
static struct nft_name svc_pick_name(const struct nsnet_vip *v)
{
	return v->affinity ? nft_chain_picksep(v->vip.addr.family, v->proto, v->n_backends)
			   : nft_chain_pick(v->vip.addr.family, v->proto, v->n_backends);
}

static uint8_t *svc_pick_slot(const struct nsnet_vip *v)
{
	return &svc_pick_state[v->vip.addr.family == AF_INET6][v->proto == IPPROTO_UDP][v->affinity != 0][v->n_backends];
}

/* @v's pick chain made (@add) or taken away again. */
static void svc_describe_pick(struct nft_change *c, const struct nsnet_vip *v, bool add)
{
	struct nft_set_ref map = { .kind = v->affinity ? NFT_SET_SEPS : NFT_SET_BACKENDS, .family = v->vip.addr.family,
				   .proto = v->proto };
	struct nft_name chain = svc_pick_name(v);

	if (add) {
		nft_change_chain(c, NFT_VERB_ADD, &chain);
		nft_change_rule_pick(c, &chain, &map, (unsigned int)v->n_backends);
	} else {
		nft_change_chain(c, NFT_VERB_FLUSH, &chain);
		nft_change_chain(c, NFT_VERB_DELETE, &chain);
	}
}

/* Does @v's pick chain exist in the kernel? 1, 0, or -errno. */
static int svc_pick_exists(const struct nsnet_vip *v, struct nsnet_err *err)
{
	return nft_chain_exists(NFPROTO_INET, NSNET_NFT_TABLE, svc_pick_name(v).s, err);
}

int fw_nft_vip_shared(const struct nsnet_vip *v, struct strbuf *out, struct strbuf *undo, struct nsnet_err *err)
{
	uint8_t *slot;
	int r;

	if (v->n_backends == 0 || v->n_backends > NSNET_MAX_BACKENDS)
		return 0;	/* no pick chain (a VIP without backends is an element of empty4/6) */
	slot = svc_pick_slot(v);
	if (*slot == PICK_UNKNOWN) {
		/* Not allowed to ask (a dry run without CAP_NET_ADMIN): shown as made; a commit fails anyway. */
		if ((r = svc_pick_exists(v, err)) < 0 && r != -EPERM)
			return r;
		*slot = r > 0 ? PICK_KERNEL : PICK_GONE;
	}
	if (*slot != PICK_GONE)
		return 0;
	for (int add = 1; add >= 0; add--) {
		struct nft_change c = { 0 };

		if (!add && !undo)
			break;
		svc_describe_pick(&c, v, add);
		nft_change_text(&c, add ? out : undo);
		nft_change_free(&c);
	}
	*slot = PICK_MADE;
	return 0;
}

/* The key of @v in svc4/svc6 and empty4/empty6: (VIP . proto . port). */
static struct nft_value svc_vip_key(const struct nsnet_vip *v)
{
	return (struct nft_value){ .addr = v->vip.addr, .proto = v->proto, .port = v->vip.port };
}

/*
 * Where @v's element of svc4/svc6 jumps: with affinity its own chain vip-ID; without, the shared
 * pick chain of its family, protocol and number of backends. The kernel re-checks every chain
 * reachable from a verdict map whenever a jump is added, so one chain per VIP made each `vip add`
 * walk K chains (7 ms at 10,000); see docs/services.md.
 */
static struct nft_name svc_vip_target(const struct nsnet_vip *v)
{
	return v->affinity ? nft_chain_vip(v->id) : svc_pick_name(v);
}

/* A VIP with affinity: its chain, and per backend a timeout set of clients and a chain. */
static void svc_describe_affinity(struct nft_change *c, const struct nsnet_vip *v, bool add)
{
	const struct nft_family *f = nft_family_of(v->vip.addr.family);
	struct nft_set_ref seps = { .kind = NFT_SET_SEPS, .family = f->family, .proto = v->proto };
	struct nft_name vip = nft_chain_vip(v->id);

	/* Ids are never reused while a chain exists, so the chains are new: no flush before adding. */
	nft_change_chain(c, add ? NFT_VERB_ADD : NFT_VERB_FLUSH, &vip);
	for (size_t i = 0; i < v->n_backends; i++) {
		struct nft_set_ref aff = { .kind = NFT_SET_AFFINITY, .family = f->family, .id = v->id, .index = i,
					   .timeout = v->affinity };
		struct nft_value key = { .addr = v->vip.addr, .port = v->vip.port, .index = (uint32_t)i };
		struct nft_name sep = nft_chain_sep(v->id, i), affn = nft_set_name(&aff);
		struct strbuf dnat = { 0 };

		if (!add) {
			nft_change_elem(c, NFT_VERB_DELETE, &seps, &key, NULL, 0, NULL);
			nft_change_chain(c, NFT_VERB_FLUSH, &sep);
			nft_change_chain(c, NFT_VERB_DELETE, &sep);
			nft_change_set(c, NFT_VERB_DELETE, &aff);
			continue;
		}
		nft_change_set(c, NFT_VERB_ADD, &aff);
		nft_change_chain(c, NFT_VERB_ADD, &sep);
		nft_dnat_text(&v->backend[i].ep, &dnat);
		if (dnat.oom)
			c->oom = true;
		nft_change_rule_text(c, &sep, "update @%s { %s saddr } meta l4proto %s %s", affn.s, f->ip,
				     proto_name(v->proto), strbuf_str(&dnat));
		strbuf_free(&dnat);
		nft_change_rule_text(c, &vip, "%s saddr @%s goto %s", f->ip, affn.s, sep.s);
		nft_change_elem(c, NFT_VERB_ADD, &seps, &key, NULL, NFT_GOTO, &sep);
	}
	if (add) {
		struct nft_name picksep = svc_pick_name(v);

		nft_change_rule_text(c, &vip, "goto %s", picksep.s);
	} else {
		nft_change_chain(c, NFT_VERB_DELETE, &vip);
	}
}

void nft_describe_vip(struct nft_change *c, const struct nsnet_vip *v, enum nft_vip_how how)
{
	bool add = how == NFT_VIP_ADD || how == NFT_VIP_ADD_FRESH;
	/* A VIP with affinity has chains and timeout sets of its own to delete: no expiry for it. */
	enum nft_verb gone = how == NFT_VIP_EXPIRE && !v->affinity ? NFT_VERB_EXPIRE : NFT_VERB_DELETE;
	enum nft_verb verb = add ? NFT_VERB_ADD : gone;
	int fam = v->vip.addr.family;
	struct nft_set_ref svc = { .kind = NFT_SET_SVC, .family = fam };
	struct nft_set_ref bk = { .kind = NFT_SET_BACKENDS, .family = fam, .proto = v->proto };
	struct nft_set_ref empty = { .kind = NFT_SET_EMPTY, .family = fam };
	struct nft_value key = svc_vip_key(v);
	struct nft_name target = svc_vip_target(v);

	/* Keys that a `vip rm` of the same address may have left expiring, with other data. */
	if (how == NFT_VIP_ADD_FRESH) {
		nft_change_elem(c, NFT_VERB_DESTROY, v->n_backends ? &svc : &empty, &key, NULL, 0, NULL);
		for (size_t i = 0; i < v->n_backends && !v->affinity; i++) {
			struct nft_value bkey = { .addr = v->vip.addr, .port = v->vip.port, .index = (uint32_t)i };

			nft_change_elem(c, NFT_VERB_DESTROY, &bk, &bkey, NULL, 0, NULL);
		}
	}
	if (v->n_backends == 0) {
		nft_change_elem(c, verb, &empty, &key, NULL, 0, NULL);
		return;
	}
	/* Removal takes the entry point away first, addition puts it last: no packet meets half a VIP. */
	if (!add)
		nft_change_elem(c, gone, &svc, &key, NULL, NFT_JUMP, &target);
	if (v->affinity) {
		svc_describe_affinity(c, v, add);
	} else {
		for (size_t i = 0; i < v->n_backends; i++) {
			struct nft_value bkey = { .addr = v->vip.addr, .port = v->vip.port, .index = (uint32_t)i };
			struct nft_value to = { .addr = v->backend[i].ep.addr, .port = v->backend[i].ep.port };

			nft_change_elem(c, verb, &bk, &bkey, &to, 0, NULL);
		}
	}
	if (add)
		nft_change_elem(c, NFT_VERB_ADD, &svc, &key, NULL, NFT_JUMP, &target);
}

void nft_describe_port(struct nft_change *c, const struct nsnet_port *p, bool add)
{
	int fam = p->target.family;
	struct nft_name chain = nft_chain_pub(p->id);
	struct nft_set_ref set = { .kind = p->host_ip.family ? NFT_SET_SVC : NFT_SET_PUBANY, .family = fam };
	/* On one host address: (address . proto . port) in svc4/svc6; on every address: (proto . port) in pubany. */
	struct nft_value key = { .addr = p->host_ip, .proto = p->proto, .port = p->host_port };
	struct nsnet_endpoint to = { .addr = p->target, .port = p->port };

	if (add) {
		nft_change_chain(c, NFT_VERB_ADD, &chain);
		nft_change_rule_dnat(c, &chain, p->proto, &to);
		nft_change_elem(c, NFT_VERB_ADD, &set, &key, NULL, NFT_JUMP, &chain);
	} else {
		nft_change_elem(c, NFT_VERB_DELETE, &set, &key, NULL, 0, NULL);
		nft_change_chain(c, NFT_VERB_FLUSH, &chain);
		nft_change_chain(c, NFT_VERB_DELETE, &chain);
	}
}

/* Encoder 1 for one VIP or port: the description, written as text. */
static void svc_text_vip(const struct nsnet_vip *v, enum nft_vip_how how, struct strbuf *o)
{
	struct nft_change c = { 0 };

	nft_describe_vip(&c, v, how);
	nft_change_text(&c, o);
	nft_change_free(&c);
}

static void svc_text_port(const struct nsnet_port *p, bool add, struct strbuf *o)
{
	struct nft_change c = { 0 };

	nft_describe_port(&c, p, add);
	nft_change_text(&c, o);
	nft_change_free(&c);
}

void fw_nft_vip_add(const struct nsnet_vip *v, struct strbuf *o)
{
	svc_text_vip(v, NFT_VIP_ADD, o);
}

void fw_nft_vip_del(const struct nsnet_vip *v, struct strbuf *o)
{
	svc_text_vip(v, NFT_VIP_DELETE, o);
}

void fw_nft_vip_rm(const struct nsnet_vip *v, struct strbuf *o)
{
	svc_text_vip(v, nft_kernel_expires_in_place() ? NFT_VIP_EXPIRE : NFT_VIP_DELETE, o);
}

void fw_nft_port_add(const struct nsnet_port *p, struct strbuf *o)
{
	svc_text_port(p, true, o);
}

void fw_nft_port_del(const struct nsnet_port *p, struct strbuf *o)
{
	svc_text_port(p, false, o);
}

void fw_nft_vip_element(const struct nsnet_vip *v, char *buf, size_t len)
{
	struct nft_value key = svc_vip_key(v);
	struct strbuf o = { 0 };

	nft_value_text(NFT_LAYOUT_ADDR_PROTO_PORT, &key, &o);
	snprintf(buf, len, "%s : jump %s", strbuf_str(&o), svc_vip_target(v).s);
	strbuf_free(&o);
}

/* Encoder 2: the description @c as one libnftnl batch, committed. */
static int svc_commit(const struct nft_change *c, const char *what, struct nsnet_err *err)
{
	struct nft_batch *b;
	int r;

	if (!(b = nft_batch_new(NFPROTO_INET, NSNET_NFT_TABLE)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = nft_change_batch(c, b);
	if (r == -ENOMEM)
		r = nsnet_err_set(err, ENOMEM, "%s: out of memory", what);
	else if (r == 0)
		r = nft_batch_commit(b, what, err);
	nft_batch_free(b);
	return r;	/* -EOPNOTSUPP: the caller applies the text */
}

int fw_nft_vip_change(const struct nsnet_vip *old, const struct nsnet_vip *new, struct nsnet_err *err)
{
	struct nft_change c = { 0 };
	bool expire = nft_kernel_expires_in_place();
	int r;

	/*
	 * A VIP removed alone expires (its keys are free a tick later); one that a new VIP replaces
	 * is deleted, since the new elements take the same keys in the same transaction. A new VIP
	 * alone first destroys its keys, in case a `vip rm` expired them less than a tick ago.
	 */
	/*
	 * The new VIP's pick chain, if the kernel lacks it: the text (fw_nft_vip_shared()) makes it
	 * then too. A chain the kernel had when the text was rendered is not asked for again.
	 */
	if (new && new->n_backends && new->n_backends <= NSNET_MAX_BACKENDS && !new->affinity &&
	    *svc_pick_slot(new) != PICK_KERNEL) {
		if ((r = svc_pick_exists(new, err)) < 0)
			return r;
		if (r == 0)
			svc_describe_pick(&c, new, true);
	}
	if (old)
		nft_describe_vip(&c, old, new || !expire ? NFT_VIP_DELETE : NFT_VIP_EXPIRE);
	if (new)
		nft_describe_vip(&c, new, old || !expire ? NFT_VIP_ADD : NFT_VIP_ADD_FRESH);
	r = svc_commit(&c, "nftables: VIP rules", err);
	nft_change_free(&c);
	if (r == 0 && new && new->n_backends && new->n_backends <= NSNET_MAX_BACKENDS)
		*svc_pick_slot(new) = PICK_KERNEL;
	return r;
}

static int svc_ports(const struct nsnet_port *p, size_t n, bool add, struct nsnet_err *err)
{
	struct nft_change c = { 0 };
	int r;

	for (size_t i = 0; i < n; i++)
		nft_describe_port(&c, &p[i], add);
	r = svc_commit(&c, "nftables: published ports", err);
	nft_change_free(&c);
	return r;
}

int fw_nft_ports_add(const struct nsnet_port *p, size_t n, struct nsnet_err *err)
{
	return svc_ports(p, n, true, err);
}

int fw_nft_ports_del(const struct nsnet_port *p, size_t n, struct nsnet_err *err)
{
	return svc_ports(p, n, false, err);
}

/*
 * The full load of VIPs without affinity (the gc rebuild, after the text that made the table): only
 * set and map elements, so one libnftnl batch holds them all, NFT_ELEMS_PER_MSG of one set per
 * message. libnftables would parse and evaluate each element's text: most of a 10,000-VIP
 * rebuild went there (bench/README.md, "vip"). Each VIP is described and encoded on its own, so
 * memory holds one VIP's steps and, per set, the elements of the message being filled; a VIP
 * without affinity has elements in at most SVC_LOAD_SETS sets (svc, empty, backends: per family,
 * and per protocol for the backends).
 */
#define SVC_LOAD_SETS 8

struct svc_load_set {
	struct nft_set_ref ref;
	struct nft_name name;
	size_t n;
	struct nft_elem_bytes e[NFT_ELEMS_PER_MSG];
	struct nft_name chain[NFT_ELEMS_PER_MSG];	/* e[i].chain points here */
};

/* The set of @ref among @sets (a new one while there is room), or NULL. */
static struct svc_load_set *svc_load_set_of(struct svc_load_set *sets, size_t *n, const struct nft_set_ref *ref)
{
	for (size_t i = 0; i < *n; i++)
		if (sets[i].ref.kind == ref->kind && sets[i].ref.family == ref->family && sets[i].ref.proto == ref->proto)
			return &sets[i];
	if (*n == SVC_LOAD_SETS)
		return NULL;
	sets[*n].ref = *ref;
	sets[*n].name = nft_set_name(ref);
	sets[*n].n = 0;
	return &sets[(*n)++];
}

int fw_nft_vips_load(struct nsnet_vip *const *v, size_t n, struct nsnet_err *err)
{
	struct nft_change c = { 0 };
	struct svc_load_set *sets = NULL;
	struct nft_batch *b = NULL;
	size_t n_sets = 0, n_elems = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (!v[i]->affinity)
			n_elems += 1 + v[i]->n_backends;
	if (n_elems == 0)
		return 0;
	if (!(sets = calloc(SVC_LOAD_SETS, sizeof(*sets))) ||
	    !(b = nft_batch_new_size(NFPROTO_INET, NSNET_NFT_TABLE, 64 * 1024 + n_elems * 160))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i]->affinity)
			continue;
		c.n = 0;	/* element steps own no text */
		nft_describe_vip(&c, v[i], NFT_VIP_ADD);
		if (c.oom) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			break;
		}
		for (size_t k = 0; k < c.n; k++) {
			const struct nft_step *st = &c.step[k];
			struct svc_load_set *set;
			struct nft_elem_bytes *e;

			if (st->kind != NFT_STEP_ELEM || st->verb != NFT_VERB_ADD ||
			    !(set = svc_load_set_of(sets, &n_sets, &st->set))) {
				r = nsnet_err_set(err, EINVAL, "VIP full load: a step other than an element of a VIP's sets");
				break;
			}
			e = &set->e[set->n];
			e->klen = (uint32_t)nft_value_bytes(nft_set_key(&st->set), &st->key, e->key);
			e->dlen = 0;
			e->chain = NULL;
			if (nft_set_data(&st->set) == NFT_LAYOUT_VERDICT) {
				set->chain[set->n] = st->target;
				e->verdict = st->verdict;
				e->chain = set->chain[set->n].s;
			} else if (nft_set_data(&st->set) != NFT_LAYOUT_NONE) {
				e->dlen = (uint32_t)nft_value_bytes(nft_set_data(&st->set), &st->data, e->data);
			}
			if (++set->n == NFT_ELEMS_PER_MSG) {
				nft_batch_elems(b, set->name.s, set->e, set->n);
				set->n = 0;
			}
		}
	}
	for (size_t i = 0; i < n_sets && r == 0; i++)
		if (sets[i].n)
			nft_batch_elems(b, sets[i].name.s, sets[i].e, sets[i].n);
	if (r == 0)
		r = nft_batch_commit(b, "nftables: VIP full load", err);
out:
	nft_batch_free(b);
	free(sets);
	nft_change_free(&c);
	return r;
}
