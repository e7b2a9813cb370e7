// SPDX-License-Identifier: MIT
// nftables backend: rule rendering and libnftables transactions (theory in fw.h).
#include "firewall/fw.h"

#include <dlfcn.h>
#include <jansson.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "firewall/nft_change.h"
#include "firewall/nft_schema.h"
#include "model/service.h"
#include "util/dir.h"

#define T NFT_TABLE

static const enum nft_set_kind nft_bridge_maps[] = { NFT_SET_FWD_IN, NFT_SET_FWD_OUT, NFT_SET_NAT_IN, NFT_SET_NAT_OUT };
/* The same maps keyed by a routed network's interface group; the same index means the same chain. */
static const enum nft_set_kind nft_group_maps[] = { NFT_SET_FWD_IN_G, NFT_SET_FWD_OUT_G, NFT_SET_NAT_IN_G,
						    NFT_SET_NAT_OUT_G };

/* The name of set or map @k (those of the table, without family or ids). */
static const char *nft_set(enum nft_set_kind k, struct nft_name *buf)
{
	*buf = nft_set_name(&(struct nft_set_ref){ .kind = k });
	return buf->s;
}

void fw_nft_base(struct strbuf *o)
{
	const char *fwd = nft_base_chain_name(NFT_CHAIN_FORWARD), *post = nft_base_chain_name(NFT_CHAIN_POSTROUTING);
	struct nft_name n;

	strbuf_printf(o, "add table " T "\n");
	nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_BRIDGES }, o);
	for (size_t i = 0; i < 4; i++)
		nft_set_decl(&(struct nft_set_ref){ .kind = nft_bridge_maps[i] }, o);
	nft_set_decl(&(struct nft_set_ref){ .kind = NFT_SET_GROUPS }, o);
	for (size_t i = 0; i < 4; i++)
		nft_set_decl(&(struct nft_set_ref){ .kind = nft_group_maps[i] }, o);
	fw_nft_svc_base(o);
	nft_base_chain_decl(NFT_CHAIN_FORWARD, o);
	nft_base_chain_decl(NFT_CHAIN_POSTROUTING, o);
	strbuf_printf(o, "flush chain " T " %s\n", fwd);
	fw_nft_svc_reject_rules(fwd, o);
	strbuf_printf(o, "add rule " T " %s ct state established,related accept\n", fwd);
	strbuf_printf(o, "add rule " T " %s iifname vmap @%s\n", fwd, nft_set(NFT_SET_FWD_IN, &n));
	strbuf_printf(o, "add rule " T " %s oifname vmap @%s\n", fwd, nft_set(NFT_SET_FWD_OUT, &n));
	strbuf_printf(o, "add rule " T " %s meta iifgroup vmap @%s\n", fwd, nft_set(NFT_SET_FWD_IN_G, &n));
	strbuf_printf(o, "add rule " T " %s meta oifgroup vmap @%s\n", fwd, nft_set(NFT_SET_FWD_OUT_G, &n));
	strbuf_printf(o, "flush chain " T " %s\n", post);
	strbuf_printf(o, "add rule " T " %s iifname vmap @%s\n", post, nft_set(NFT_SET_NAT_IN, &n));
	strbuf_printf(o, "add rule " T " %s oifname vmap @%s\n", post, nft_set(NFT_SET_NAT_OUT, &n));
	strbuf_printf(o, "add rule " T " %s meta iifgroup vmap @%s\n", post, nft_set(NFT_SET_NAT_IN_G, &n));
	strbuf_printf(o, "add rule " T " %s meta oifgroup vmap @%s\n", post, nft_set(NFT_SET_NAT_OUT_G, &n));
	/* Published on 127.0.0.1: the host's loopback source must not reach a namespace. */
	strbuf_printf(o, "add rule " T " %s oifname @%s ip saddr 127.0.0.0/8 masquerade\n", post,
		      nft_set(NFT_SET_BRIDGES, &n));
}

/*
 * The network's elements: its bridge in @bridges and in each dispatch map to the network's chain
 * (or removed); for a routed network, its interface group in @groups and the group maps.
 */
static void nft_network_elems(const struct nsnet_network *net, bool add, struct strbuf *o)
{
	/* The order of the maps in each direction, as the rulesets have always been written. */
	static const enum nft_set_kind add_order[] = { NFT_SET_NAT_OUT, NFT_SET_FWD_IN, NFT_SET_FWD_OUT, NFT_SET_NAT_IN };
	static const enum nft_set_kind del_order[] = { NFT_SET_NAT_IN, NFT_SET_NAT_OUT, NFT_SET_FWD_OUT, NFT_SET_FWD_IN };
	unsigned int group = network_group(net);
	struct nft_value key = { .ifname = net->bridge, .group = group };
	struct nft_set_ref all = { .kind = group ? NFT_SET_GROUPS : NFT_SET_BRIDGES };
	struct nft_change c = { 0 };

	if (add)
		nft_change_elem(&c, NFT_VERB_ADD, &all, &key, NULL, 0, NULL);
	for (size_t i = 0; i < 4; i++) {
		enum nft_set_kind k = add ? add_order[i] : del_order[i];
		enum nft_net_chain to = k == NFT_SET_NAT_OUT ? NFT_NET_NATOUT : k == NFT_SET_FWD_IN ? NFT_NET_IN
				      : k == NFT_SET_FWD_OUT ? NFT_NET_OUT : NFT_NET_NAT;
		struct nft_name chain = nft_chain_net(to, net->name);
		size_t m = 0;

		while (nft_bridge_maps[m] != k)
			m++;
		nft_change_elem(&c, add ? NFT_VERB_ADD : NFT_VERB_DELETE,
				&(struct nft_set_ref){ .kind = group ? nft_group_maps[m] : k }, &key, NULL, NFT_JUMP, &chain);
	}
	if (!add)
		nft_change_elem(&c, NFT_VERB_DELETE, &all, &key, NULL, 0, NULL);
	nft_change_text(&c, o);
	nft_change_free(&c);
}

/*
 * The network's resolver (port 53 of its gateways) answers its own subnets only: chain `input`
 * (hook input, made with the first network that has one) sends queries to a gateway through map
 * dns4/dns6 to the network's chain dns-NET, which accepts its subnets and drops the rest.
 */
static void nft_network_dns(const struct nsnet_network *net, bool add, struct strbuf *o)
{
	struct nft_name c = nft_chain_net(NFT_NET_DNS, net->name);
	char buf[NSNET_PREFIX_STRLEN];

	if (!net->dns)
		return;
	if (!add) {
		for (size_t i = 0; i < net->n_subnets; i++)
			strbuf_printf(o, "delete element " T " dns%c { %s }\n", net->gateway[i].family == AF_INET ? '4' : '6',
				      nsnet_addr_str(&net->gateway[i], buf));
		strbuf_printf(o, "flush chain " T " %s\n", c.s);
		strbuf_printf(o, "delete chain " T " %s\n", c.s);
		return;
	}
	strbuf_printf(o, "add chain " T " input { type filter hook input priority 0 ; policy accept ; }\n");
	strbuf_printf(o, "add map " T " dns4 { type ipv4_addr : verdict ; }\n");
	strbuf_printf(o, "add map " T " dns6 { type ipv6_addr : verdict ; }\n");
	strbuf_printf(o, "flush chain " T " input\n");
	strbuf_printf(o, "add rule " T " input meta l4proto { tcp, udp } th dport 53 ip daddr vmap @dns4\n");
	strbuf_printf(o, "add rule " T " input meta l4proto { tcp, udp } th dport 53 ip6 daddr vmap @dns6\n");
	strbuf_printf(o, "add chain " T " %s\n", c.s);
	strbuf_printf(o, "flush chain " T " %s\n", c.s);
	/* The host's own queries (nsnet's readiness probe among them) come in by lo. */
	strbuf_printf(o, "add rule " T " %s iifname \"lo\" accept\n", c.s);
	for (size_t i = 0; i < net->n_subnets; i++)
		strbuf_printf(o, "add rule " T " %s %s saddr %s accept\n", c.s,
			      nft_family_of(net->subnet[i].addr.family)->ip, nsnet_prefix_str(&net->subnet[i], buf));
	strbuf_printf(o, "add rule " T " %s drop\n", c.s);
	for (size_t i = 0; i < net->n_subnets; i++)
		strbuf_printf(o, "add element " T " dns%c { %s : jump %s }\n", net->gateway[i].family == AF_INET ? '4' : '6',
			      nsnet_addr_str(&net->gateway[i], buf), c.s);
}

/*
 * An overlay's VXLAN filter (docs/overlay.md, Security). VXLAN carries no authentication, so UDP
 * to this host's VTEP (its underlay address, port and the network's VNI) is dropped unless its
 * source is in set vxpeers-NET, which core keeps equal to the peers programmed on the VXLAN
 * device (core/overlay_peers.c). A base chain of its own: chain `input` is the resolvers', and
 * they rewrite it whole. Made with no peer, so nothing passes until core fills the set (in the
 * same transaction at network create, in the rebuild at gc). The VNI match keeps two overlays
 * sharing an address and port apart: it is bits 32-55 of the VXLAN header, after 8 bytes of UDP.
 */
static void nft_network_vxlan(const struct nsnet_network *net, bool add, struct strbuf *o)
{
	struct nft_name c = nft_chain_net(NFT_NET_VX, net->name), set = nft_chain_net(NFT_NET_VXPEERS, net->name);
	char local[INET6_ADDRSTRLEN];
	const char *ip;

	if (!net->ov.vxlan[0])
		return;
	if (!add) {
		strbuf_printf(o, "flush chain " T " %s\n", c.s);
		strbuf_printf(o, "delete chain " T " %s\n", c.s);
		strbuf_printf(o, "delete set " T " %s\n", set.s);
		return;
	}
	ip = nft_family_of(net->ov.local.family)->ip;
	strbuf_printf(o, "add set " T " %s { type %s ; }\n", set.s, net->ov.local.family == AF_INET6 ? "ipv6_addr" : "ipv4_addr");
	strbuf_printf(o, "add chain " T " %s { type filter hook input priority -10 ; policy accept ; }\n", c.s);
	strbuf_printf(o, "flush chain " T " %s\n", c.s);
	strbuf_printf(o, "add rule " T " %s %s daddr %s udp dport %u @th,96,24 %u %s saddr != @%s counter drop\n", c.s, ip,
		      nsnet_addr_str(&net->ov.local, local), net->ov.port, net->ov.vni, ip, set.s);
}

void fw_nft_vxlan_peers(const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n, struct strbuf *o)
{
	struct nft_name set = nft_chain_net(NFT_NET_VXPEERS, net->name);
	char a[INET6_ADDRSTRLEN];

	strbuf_printf(o, "flush set " T " %s\n", set.s);
	if (!n)
		return;
	strbuf_printf(o, "add element " T " %s { ", set.s);
	for (size_t i = 0; i < n; i++)
		strbuf_printf(o, "%s%s", i ? ", " : "", nsnet_addr_str(&peers[i], a));
	strbuf_printf(o, " }\n");
}

void fw_nft_network_add(const struct nsnet_network *net, bool base, struct strbuf *o)
{
	const char *br = net->bridge;
	unsigned int group = network_group(net);
	char buf[NSNET_PREFIX_STRLEN], out_match[96];
	struct nft_name c_in = nft_chain_net(NFT_NET_IN, net->name), c_out = nft_chain_net(NFT_NET_OUT, net->name);
	struct nft_name c_nat = nft_chain_net(NFT_NET_NAT, net->name), c_natout = nft_chain_net(NFT_NET_NATOUT, net->name);

	if (base)
		fw_nft_base(o);
	strbuf_printf(o, "add chain " T " %s\n", c_in.s);
	strbuf_printf(o, "flush chain " T " %s\n", c_in.s);
	if (group)
		strbuf_printf(o, "add rule " T " %s meta oifgroup %u accept\n", c_in.s, group);
	else
		strbuf_printf(o, "add rule " T " %s oifname \"%s\" accept\n", c_in.s, br);
	/* Services are reachable from every network: what a VIP or published port DNATs passes. */
	strbuf_printf(o, "add rule " T " %s ct status dnat accept\n", c_in.s);
	strbuf_printf(o, "add rule " T " %s oifname @%s drop\n", c_in.s,
		      nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_BRIDGES }).s);
	strbuf_printf(o, "add rule " T " %s meta oifgroup @%s drop\n", c_in.s,
		      nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_GROUPS }).s);
	strbuf_printf(o, "add rule " T " %s %s\n", c_in.s, net->internal ? "drop" : "accept");
	strbuf_printf(o, "add chain " T " %s\n", c_out.s);
	strbuf_printf(o, "flush chain " T " %s\n", c_out.s);
	strbuf_printf(o, "add rule " T " %s ct status dnat accept\n", c_out.s);
	/* An overlay's other blocks reach this one through its VXLAN device, unmasqueraded. */
	if (net->ov.vxlan[0])
		strbuf_printf(o, "add rule " T " %s iifname \"%s\" ip saddr %s accept\n", c_out.s, net->ov.vxlan,
			      nsnet_prefix_str(&net->ov.subnet, buf));
	strbuf_printf(o, "add rule " T " %s drop\n", c_out.s);
	strbuf_printf(o, "add chain " T " %s\n", c_nat.s);
	strbuf_printf(o, "flush chain " T " %s\n", c_nat.s);
	if (group)
		snprintf(out_match, sizeof(out_match), "meta oifgroup != %u", group);
	else if (net->ov.vxlan[0])	/* traffic to the overlay's other blocks keeps its source */
		snprintf(out_match, sizeof(out_match), "oifname != \"%s\" ip daddr != %s", br,
			 nsnet_prefix_str(&net->ov.subnet, buf));
	else
		snprintf(out_match, sizeof(out_match), "oifname != \"%s\"", br);
	if (net->nat && !net->internal) {
		for (size_t i = 0; i < net->n_subnets; i++)
			strbuf_printf(o, "add rule " T " %s %s %s saddr %s masquerade\n",
				      c_nat.s, out_match, nft_family_of(net->subnet[i].addr.family)->ip,
				      nsnet_prefix_str(&net->subnet[i], buf));
	}
	/*
	 * DNAT'ed traffic from the network's own subnet going back into it (a namespace reaching a
	 * VIP or published port whose backend shares its network, or itself: hairpin) is
	 * masqueraded, so the reply returns through the host to be un-DNAT'ed instead of going
	 * straight to the client on the bridge. Keyed by the outgoing bridge: with br_netfilter such
	 * packets may be bridged and then carry no input interface.
	 */
	strbuf_printf(o, "add chain " T " %s\n", c_natout.s);
	strbuf_printf(o, "flush chain " T " %s\n", c_natout.s);
	for (size_t i = 0; i < net->n_subnets; i++)
		strbuf_printf(o, "add rule " T " %s ct status dnat %s saddr %s masquerade\n", c_natout.s,
			      nft_family_of(net->subnet[i].addr.family)->ip, nsnet_prefix_str(&net->subnet[i], buf));
	nft_network_elems(net, true, o);
	nft_network_dns(net, true, o);
	nft_network_vxlan(net, true, o);
}

void fw_nft_network_del(const struct nsnet_network *net, bool last, struct strbuf *o)
{
	static const enum nft_net_chain order[] = { NFT_NET_NATOUT, NFT_NET_NAT, NFT_NET_OUT, NFT_NET_IN };

	if (last) {
		fw_nft_svc_forget(false);
		strbuf_printf(o, "delete table " T "\n");
		return;
	}
	nft_network_elems(net, false, o);
	nft_network_dns(net, false, o);
	nft_network_vxlan(net, false, o);
	for (size_t i = 0; i < 4; i++) {
		struct nft_name c = nft_chain_net(order[i], net->name);

		strbuf_printf(o, "flush chain " T " %s\n", c.s);
		strbuf_printf(o, "delete chain " T " %s\n", c.s);
	}
}

/*
 * libnftables is loaded on first use. It pulls in libnftnl, libxtables and libgmp, whose loading
 * and relocation cost ~0.4 ms at every start (measured): a tenth of an `ns add`, which never
 * touches the firewall. Only network create/rm and gc pay it now.
 */
static struct {
	bool tried;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_error)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *ctx, const char *buf);
	void (*set_output_flags)(struct nft_ctx *ctx, unsigned int flags);
	const char *(*get_output)(struct nft_ctx *ctx);
} nftlib;

static int nft_load(struct nsnet_err *err)
{
	void *h;

	if (nftlib.run)
		return 0;
	if (nftlib.tried)
		return nsnet_err_set(err, ENOSYS, "nftables: libnftables.so.1 is not available");
	nftlib.tried = true;
	h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return nsnet_err_set(err, ENOSYS, "nftables: cannot load libnftables.so.1 (%s); install libnftables1",
				     dlerror());
	*(void **)&nftlib.ctx_new = dlsym(h, "nft_ctx_new");
	*(void **)&nftlib.ctx_free = dlsym(h, "nft_ctx_free");
	*(void **)&nftlib.buffer_output = dlsym(h, "nft_ctx_buffer_output");
	*(void **)&nftlib.buffer_error = dlsym(h, "nft_ctx_buffer_error");
	*(void **)&nftlib.get_error = dlsym(h, "nft_ctx_get_error_buffer");
	*(void **)&nftlib.run = dlsym(h, "nft_run_cmd_from_buffer");
	*(void **)&nftlib.set_output_flags = dlsym(h, "nft_ctx_output_set_flags");
	*(void **)&nftlib.get_output = dlsym(h, "nft_ctx_get_output_buffer");
	if (!nftlib.ctx_new || !nftlib.ctx_free || !nftlib.buffer_output || !nftlib.buffer_error ||
	    !nftlib.get_error || !nftlib.run || !nftlib.set_output_flags || !nftlib.get_output) {
		nftlib.run = NULL;
		return nsnet_err_set(err, ENOSYS, "nftables: libnftables.so.1 lacks a needed function");
	}
	return 0;
}

static struct nft_ctx *nft_open(struct nsnet_err *err)
{
	struct nft_ctx *ctx;

	if (nft_load(err) < 0)
		return NULL;
	ctx = nftlib.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		nsnet_err_set(err, ENOMEM, "nftables: cannot create a context");
		return NULL;
	}
	nftlib.buffer_output(ctx);
	nftlib.buffer_error(ctx);
	return ctx;
}

/* libnftables errors span several lines (command, caret marker); keep the first, which says what failed. */
static int nft_fail(struct nft_ctx *ctx, struct nsnet_err *err)
{
	const char *e = nftlib.get_error(ctx);
	size_t len = e ? strcspn(e, "\n") : 0;

	return nsnet_err_set(err, EPROTO, "nftables: %.*s", (int)len, len ? e : "transaction failed");
}

/*
 * The context changes go through, one per process, left open until it exits: closing a netfilter
 * socket waits for the kernel to free what earlier transactions deleted (an RCU grace period,
 * 10-20 ms here), so a context per change made an operation that removes several networks wait
 * once per network (nftnl.c keeps its batch socket open for the same reason).
 */
static struct nft_ctx *nft_apply_ctx;

int fw_nft_apply(const char *cmds, struct nsnet_err *err)
{
	int r = 0;

	if (!nft_apply_ctx && !(nft_apply_ctx = nft_open(err)))
		return err ? -err->code : -ENOMEM;
	/* Whatever an earlier run left in the buffers (warnings) is not this run's. */
	(void)nftlib.get_output(nft_apply_ctx);
	(void)nftlib.get_error(nft_apply_ctx);
	if (nftlib.run(nft_apply_ctx, cmds) != 0)
		r = nft_fail(nft_apply_ctx, err);
	return r;
}

/* Does `@list` (a "list table ..." command) succeed: 1, 0, or -ENOMEM. */
static int nft_table_listed(const char *list, struct nsnet_err *err)
{
	struct nft_ctx *ctx = nft_open(err);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = nftlib.run(ctx, list) == 0 ? 1 : 0;
	nftlib.ctx_free(ctx);
	return r;
}

/*
 * The JSON form of what nft command @cmd ("list ...") prints: 1 with *@root (json_decref() it;
 * NULL if the text did not parse), 0 when the command fails (what it lists does not exist), or
 * -errno when libnftables cannot be used.
 */
static int nft_list_json(const char *cmd, json_t **root, struct nsnet_err *err)
{
	struct nft_ctx *ctx = nft_open(err);

	*root = NULL;
	if (!ctx)
		return err ? -err->code : -ENOMEM;
	nftlib.set_output_flags(ctx, NFT_CTX_OUTPUT_JSON);
	if (nftlib.run(ctx, cmd) != 0) {
		nftlib.ctx_free(ctx);
		return 0;
	}
	*root = json_loads(nftlib.get_output(ctx), 0, NULL);
	nftlib.ctx_free(ctx);
	return 1;
}

int fw_nft_table_exists(struct nsnet_err *err)
{
	return nft_table_listed("list table " T, err);
}

int fw_nft_chain_names(char ***names, struct nsnet_err *err)
{
	json_t *root, *objs, *o;
	const char *ruled[4 * 2 * NSNET_MAX_BACKENDS];	/* pick and picksep chains with a rule */
	char **v = NULL;
	size_t i, n_ruled = 0;
	int n = 0, r;

	*names = NULL;
	if ((r = nft_list_json("list table " T, &root, err)) <= 0)
		return r;	/* 0: no table, no chains */
	objs = json_object_get(root, "nftables");
	v = calloc(json_array_size(objs) + 1, sizeof(*v));
	if (!v) {
		json_decref(root);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	/*
	 * A pick chain is its one rule (nft_services.c): one without it makes its VIPs DNAT nothing, so
	 * it is left out, as missing. Pick chains with a rule are marked first, in one pass.
	 */
	json_array_foreach(objs, i, o) {
		const char *chain = json_string_value(json_object_get(json_object_get(o, "rule"), "chain"));

		if (chain && !strncmp(chain, "pick", 4) && (n_ruled == 0 || strcmp(ruled[n_ruled - 1], chain)) &&
		    n_ruled < sizeof(ruled) / sizeof(ruled[0]))
			ruled[n_ruled++] = chain;
	}
	json_array_foreach(objs, i, o) {
		const char *name = json_string_value(json_object_get(json_object_get(o, "chain"), "name"));
		bool keep = name != NULL;

		if (keep && !strncmp(name, "pick", 4)) {
			keep = false;
			for (size_t k = 0; k < n_ruled && !keep; k++)
				keep = !strcmp(ruled[k], name);
		}
		if (keep && (v[n] = strdup(name)))
			n++;
	}
	json_decref(root);
	*names = v;
	return n;
}

/*
 * A VIP with affinity keeps, per backend, the set of clients sent there (aff-ID-INDEX). Text
 * that replaces such a VIP's objects makes those sets anew, empty: gc's rebuild of the table,
 * `vip set`, a backend's namespace going. So every client would be sent to a backend afresh.
 * This appends text that adds them again, each with the time it had left, for was[k] becoming
 * now[k]: the clients of was[k]'s backend I go to the set of now[k]'s backend with the same
 * address and port, if it still has one. What the kernel lists is written back only as a parsed
 * address of the VIP's family and a bounded number of seconds. Count of clients, or -errno.
 */
/* fw_nft_affinity_keep() for the sets listed in @root; count of clients. */
static int nft_affinity_from(json_t *root, struct nsnet_vip *const *was, struct nsnet_vip *const *now, size_t n,
			     struct strbuf *out)
{
	json_t *o;
	size_t i, k, b;
	int count = 0;

	json_array_foreach(json_object_get(root, "nftables"), i, o) {
		json_t *set = json_object_get(o, "set"), *el;
		const char *name = json_string_value(json_object_get(set, "name"));
		struct nft_name to = { .s = "" };
		unsigned int id;
		size_t j;
		int end = 0, family = 0;

		/* "aff-ID-INDEX" of a VIP of @was: INDEX one of its backends. */
		if (!name || sscanf(name, "aff-%u-%zu%n", &id, &b, &end) != 2 || name[end])
			continue;
		for (k = 0; k < n && !to.s[0]; k++) {
			const struct nsnet_vip *w = was[k], *v = now[k];
			struct nft_set_ref aff = { .kind = NFT_SET_AFFINITY, .id = id, .index = b };

			if (w->id != id || !w->affinity || b >= w->n_backends || !v->affinity ||
			    v->vip.addr.family != w->vip.addr.family || strcmp(nft_set_name(&aff).s, name))
				continue;
			for (size_t c = 0; c < v->n_backends && !to.s[0]; c++)
				if (nsnet_addr_equal(&v->backend[c].ep.addr, &w->backend[b].ep.addr) &&
				    v->backend[c].ep.port == w->backend[b].ep.port) {
					aff.id = v->id;
					aff.index = c;
					to = nft_set_name(&aff);
					family = v->vip.addr.family;
				}
		}
		if (!to.s[0])
			continue;
		json_array_foreach(json_object_get(set, "elem"), j, el) {
			json_t *e = json_object_get(el, "elem");
			const char *val = json_string_value(json_object_get(e, "val"));
			json_int_t left = json_integer_value(json_object_get(e, "expires"));
			char buf[INET6_ADDRSTRLEN];
			struct nsnet_addr a;

			if (!val || left < 1 || left > NSNET_AFFINITY_MAX || nsnet_addr_parse(val, &a, NULL) < 0 ||
			    a.family != family)
				continue;
			strbuf_printf(out, "add element " T " %s { %s timeout %llds }\n", to.s, nsnet_addr_str(&a, buf),
				      (long long)left);
			count++;
		}
	}
	return count;
}

int fw_nft_affinity_keep(struct nsnet_vip *const *was, struct nsnet_vip *const *now, size_t n, struct strbuf *out,
			 struct nsnet_err *err)
{
	char cmd[NSNET_NAME_MAX + 64];
	json_t *root;
	bool any = false;
	int count = 0, r;

	for (size_t k = 0; k < n && !any; k++)
		any = was[k]->affinity && was[k]->n_backends && now[k]->affinity && now[k]->n_backends;
	if (!any)
		return 0;
	/* One VIP (vip set, a backend going): its own sets only, not the table of every VIP. */
	for (size_t b = 0; n == 1 && b < was[0]->n_backends; b++) {
		struct nft_set_ref aff = { .kind = NFT_SET_AFFINITY, .id = was[0]->id, .index = b };

		snprintf(cmd, sizeof(cmd), "list set " T " %s", nft_set_name(&aff).s);
		if ((r = nft_list_json(cmd, &root, err)) < 0)
			return r;
		if (r > 0)
			count += nft_affinity_from(root, was, now, n, out);
		json_decref(root);
	}
	if (n == 1)
		return count;
	if ((r = nft_list_json("list table " T, &root, err)) <= 0)
		return r;	/* 0: no table, nothing remembered */
	count = nft_affinity_from(root, was, now, n, out);
	json_decref(root);
	return count;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fw_nft_svc_elements(char ***elems, struct nsnet_err *err)
{
	char **v = NULL, line[256];
	size_t cap = 0;
	int n = 0;

	*elems = NULL;
	for (size_t m = 0; m < 2; m++) {
		struct nft_name map = nft_set_name(&(struct nft_set_ref){ .kind = NFT_SET_SVC, .family = nft_families[m].family });
		json_t *root, *objs, *o, *el;
		size_t i, j;
		int r;

		snprintf(line, sizeof(line), "list map " T " %s", map.s);
		if ((r = nft_list_json(line, &root, err)) < 0) {
			dir_names_free(v, n);
			return r;
		}
		if (r == 0)
			continue;	/* no table or map: no elements */
		objs = json_object_get(root, "nftables");
		json_array_foreach(objs, i, o) {
			json_array_foreach(json_object_get(json_object_get(o, "map"), "elem"), j, el) {
				json_t *key = json_object_get(json_array_get(el, 0), "concat");
				const char *addr = json_string_value(json_array_get(key, 0));
				const char *proto = json_string_value(json_array_get(key, 1));
				const char *target = json_string_value(
					json_object_get(json_object_get(json_array_get(el, 1), "jump"), "target"));

				if (!addr || !proto || !target)
					continue;
				snprintf(line, sizeof(line), "%s . %s . %" JSON_INTEGER_FORMAT " : jump %s", addr, proto,
					 json_integer_value(json_array_get(key, 2)), target);
				if ((size_t)n + 1 >= cap) {
					char **nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

					if (!nv) {
						json_decref(root);
						dir_names_free(v, n);
						return nsnet_err_set(err, ENOMEM, "out of memory");
					}
					v = nv;
				}
				if ((v[n] = strdup(line)))
					n++;
			}
		}
		json_decref(root);
	}
	if (n)
		qsort(v, (size_t)n, sizeof(*v), strp_cmp);
	*elems = v;
	return n;
}

int fw_nft_vxlan_peers_get(const struct nsnet_network *net, struct nsnet_addr *peers, size_t max,
			   struct nsnet_err *err)
{
	struct nft_name c = nft_chain_net(NFT_NET_VX, net->name), set = nft_chain_net(NFT_NET_VXPEERS, net->name);
	json_t *root, *o, *el;
	char line[NSNET_NAME_MAX + 64];
	size_t i, j, n = 0;
	int r;

	snprintf(line, sizeof(line), "list chain " T " %s", c.s);
	if ((r = nft_table_listed(line, err)) <= 0)
		return r < 0 ? r : nsnet_err_set(err, ENOENT, "chain %s is missing", c.s);
	snprintf(line, sizeof(line), "list set " T " %s", set.s);
	if ((r = nft_list_json(line, &root, err)) <= 0)
		return r < 0 ? r : nsnet_err_set(err, ENOENT, "set %s is missing", set.s);
	json_array_foreach(json_object_get(root, "nftables"), i, o) {
		json_array_foreach(json_object_get(json_object_get(o, "set"), "elem"), j, el) {
			const char *s = json_string_value(el);

			if (s && n < max && nsnet_addr_parse(s, &peers[n], NULL) == 0)
				n++;
		}
	}
	json_decref(root);
	return (int)n;
}

int fw_nft_guard_table_exists(void)
{
	return nft_table_listed("list table bridge " NSNET_NFT_TABLE, NULL);
}

int fw_nft_foreign_drops(struct strbuf *out, struct nsnet_err *err)
{
	json_t *root, *o;
	size_t i;
	int n = 0, r;

	if ((r = nft_list_json("list chains", &root, err)) <= 0)
		return r < 0 ? r : nsnet_err_set(err, EPROTO, "nftables: cannot list chains");
	json_array_foreach(json_object_get(root, "nftables"), i, o) {
		const json_t *c = json_object_get(o, "chain");
		const char *table = json_string_value(json_object_get(c, "table"));
		const char *hook = json_string_value(json_object_get(c, "hook"));
		const char *policy = json_string_value(json_object_get(c, "policy"));

		if (!c || !hook || !policy || strcmp(policy, "drop") || !strcmp(table ? table : "", NSNET_NFT_TABLE))
			continue;
		if (strcmp(hook, "forward"))
			continue;
		strbuf_printf(out, "%s %s %s", json_string_value(json_object_get(c, "family")), table,
			      json_string_value(json_object_get(c, "name")));
		strbuf_printf(out, "\n");
		n++;
	}
	json_decref(root);
	return n;
}
