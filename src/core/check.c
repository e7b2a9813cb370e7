// SPDX-License-Identifier: MIT
// nsnet check: compare the state dir with the kernel and list every difference.
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attach.h"
#include "core/core.h"
#include "core/limit.h"
#include "core/drivers/drivers.h"
#include "core/dns.h"
#include "core/overlay.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/netns.h"
#include "util/dir.h"

static int check_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the chain named by @fmt among @chains (sorted with check_strp_cmp: every VIP and port asks)? */
static bool check_chain(char **chains, int n, const char *fmt, ...) NSNET_PRINTF(3, 4);
static bool check_chain(char **chains, int n, const char *fmt, ...)
{
	char name[NSNET_NAME_MAX + 32], *key = name;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return n > 0 && bsearch(&key, chains, (size_t)n, sizeof(*chains), check_strp_cmp) != NULL;
}

/* One difference: its kind, what it is about (TYPE/NAME, see check_obj()) and the sentence. */
#define DIFF(kind, object, ...) do { findings_add(fs, kind, NULL, object, NULL, __VA_ARGS__); diffs++; } while (0)

/* "TYPE/NAME" for a finding's object, in a buffer that lives until the next call (findings_add copies it). */
static const char *check_obj(const char *type, const char *fmt, ...) NSNET_PRINTF(2, 3);
static const char *check_obj(const char *type, const char *fmt, ...)
{
	static char buf[NSNET_NAME_MAX + INET6_ADDRSTRLEN + 64];
	int n = snprintf(buf, sizeof(buf), "%s/", type);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

static int check_uint_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Ids name firewall chains, so two records sharing one (a hand-edited counter in ids/) would share
 * rules. Reports each id held twice; returns how many, or -ENOMEM.
 */
struct check_addrs {
	const struct nsnet_attachment *a;
	int ifindex;
	uint32_t found;		/* bit i: a->addr[i] is on the interface */
};

static void check_addr_one(const struct addr_info *ai, void *data)
{
	struct check_addrs *c = data;

	for (size_t i = 0; ai->ifindex == c->ifindex && i < c->a->n_addrs; i++)
		if (nsnet_addr_equal(&ai->addr, &c->a->addr[i]))
			c->found |= 1u << i;
}

/*
 * The inner end of attachment @a in @ns: there, with the addresses the attachment records? And
 * what @net's driver needs beyond them (port_check: a routed network's neighbour entries), with
 * @host the host's socket and @veth the host end.
 */
static int check_addrs(struct op *op, const struct nsnet_namespace *ns, const struct nsnet_attachment *a,
		       const struct nsnet_network *net, struct nl *host, const struct link_info *veth,
		       struct nsnet_findings *fs)
{
	const struct net_driver *drv;
	unsigned char mac[6];
	struct check_addrs c = { .a = a };
	struct nsnet_err e = { 0 };
	struct link_info li;
	struct nl *nl;
	int diffs = 0;

	if (op_nl(op, ns->name, &nl, &e) < 0)
		return 0;	/* the namespace went meanwhile: found above or by the next check */
	if (link_get(nl, a->ifname, &li, &e) < 0) {
		DIFF("iface-missing", check_obj("namespace", "%s", ns->name), "namespace %s: interface %s of its %s attachment is missing",
		     ns->name, a->ifname, a->net);
		return diffs;
	}
	c.ifindex = li.ifindex;
	if (addr_dump(nl, AF_UNSPEC, check_addr_one, &c, &e) < 0)
		return 0;
	for (size_t i = 0; i < a->n_addrs; i++) {
		char s[INET6_ADDRSTRLEN];

		if (!(c.found & (1u << i)))
			DIFF("address-missing", check_obj("namespace", "%s", ns->name),
			     "namespace %s: address %s of its %s attachment is not on %s", ns->name,
			     nsnet_addr_str(&a->addr[i], s), a->net, a->ifname);
	}
	if (net_driver_of(net, &drv, NULL) == 0 && drv->port_check) {
		struct net_port_seen seen = { .host = host, .inner = nl, .host_ifindex = veth->ifindex,
					      .ifindex = li.ifindex, .host_ifname = veth->name, .ns = ns->name,
					      .ifname = a->ifname, .mac = mac, .addr = a->addr, .n_addrs = a->n_addrs };

		attach_mac(ns->name, a, mac);
		if (drv->port_check(net, &seen, &e) == -ENOENT)
			DIFF("neighbour-missing", check_obj("namespace", "%s", ns->name), "%s (its %s attachment)",
			     e.msg, a->net);
	}
	return diffs;
}

static int check_dup_ids(struct nsnet_findings *fs, const char *type, const char *what, unsigned int *ids, int n)
{
	int found = 0;

	qsort(ids, (size_t)n, sizeof(*ids), check_uint_cmp);
	for (int i = 1; i < n; i++)
		if (ids[i] == ids[i - 1] && (i == 1 || ids[i - 2] != ids[i])) {
			findings_add(fs, "id-duplicate", NULL, check_obj(type, "%u", ids[i]), NULL,
				     "%s id %u is held by more than one record (state dir ids/ counter edited?)", what, ids[i]);
			found++;
		}
	return found;
}

int check_op(struct op *op, struct nsnet_findings *fs, struct nsnet_err *err)
{
	struct nsnet_network *nets = NULL;
	struct nsnet_namespace *nss = NULL;
	struct nsnet_vip **vips = NULL;
	struct nsnet_port *ports = NULL;
	struct link_list links = { 0 };
	char **chains = NULL, **journals = NULL, **elems = NULL, path[PATH_MAX + 16];
	int n_nets = 0, n_ns = 0, n_v = 0, n_p = 0, n_ch = 0, n_j = 0, n_el = 0, r, diffs = 0;
	char mark[OP_MARK_MAX] = "";
	bool foreign = false;	/* another state dir's links are here: the shared firewall is partly its */
	struct nl *nl;

	if ((n_nets = rec_networks_load(op, &nets, err)) < 0 || (n_ns = rec_namespaces_load(op, &nss, err)) < 0 ||
	    (n_v = svc_vips_load(op, &vips, err)) < 0 || (n_p = svc_ports_load(op, &ports, err)) < 0) {
		r = n_nets < 0 ? n_nets : n_ns < 0 ? n_ns : n_v < 0 ? n_v : n_p;
		n_nets = n_ns = n_p = 0;
		n_v = n_v < 0 ? 0 : n_v;	/* the VIPs loaded, for svc_vips_free() */
		goto out;
	}
	if ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = link_list_dump(nl, &links, err)) < 0)
		goto out;
	if ((n_ch = op->fw->chain_names(&chains, err)) < 0) {
		r = n_ch;
		n_ch = 0;
		goto out;
	}
	if (n_ch > 1)
		qsort(chains, (size_t)n_ch, sizeof(*chains), check_strp_cmp);
	for (int i = 0; i < op->n_broken && i < OP_MAX_BROKEN; i++)
		DIFF("record-broken", check_obj("record", "%s", op->broken[i]),
		     "record %s cannot be read (nsnet gc moves it to %s/)", op->broken[i], STATE_QUARANTINE);
	if (op->n_broken > OP_MAX_BROKEN)
		DIFF("record-broken", "record", "%d more records cannot be read", op->n_broken - OP_MAX_BROKEN);
	snprintf(path, sizeof(path), "%s/%s", op->st.dir, STATE_JOURNAL);
	if ((n_j = dir_names(path, ".jsonl", &journals, NULL)) > 0)
		DIFF("journal-pending", "journal", "%d interrupted operation(s) not rolled back yet (nsnet gc does it)", n_j);
	if (n_j < 0)
		n_j = 0;

	for (int i = 0; i < n_nets; i++) {
		const struct nsnet_network *net = &nets[i];
		const struct net_driver *drv;
		struct nsnet_err e = { 0 };
		int rc;

		/* The driver compares its link (a bridge; nothing for a routed network) with the host's. */
		if (net_driver_of(net, &drv, &e) < 0)
			DIFF("driver-unknown", check_obj("network", "%s", net->name), "%s", e.msg);
		else if ((rc = drv->check(net, NULL, &links, &e)) < 0)
			DIFF(rc == -ENETDOWN ? "bridge-down" : "bridge-missing", check_obj("network", "%s", net->name), "%s",
			     e.msg);
		char want[4][NSNET_NAME_MAX + 16];

		for (int c = 0, n = op->fw->network_chains(net, want); c < n; c++)
			if (!check_chain(chains, n_ch, "%s", want[c]))
				DIFF("chain-missing", check_obj("network", "%s", net->name), "network %s: %s chain %s is missing",
				     net->name, op->fw->name, want[c]);
	}
	for (int i = 0; i < n_ns; i++) {
		const struct nsnet_namespace *ns = &nss[i];

		if (ns->cid[0]) {
			/* Alive while its path leads to it, or while its veth (which dies with it) exists. */
			if (!rec_namespace_alive(ns) && !(ns->n_att && link_list_find(&links, ns->att[0].host_ifname))) {
				DIFF("namespace-gone", check_obj("namespace", "%s", ns->name),
				     "CNI container %s (%s): its namespace %s is gone and no DEL came (nsnet gc or CNI GC removes it)",
				     ns->cid, ns->n_att ? ns->att[0].ifname : "?", ns->netns_path);
				continue;
			}
		} else if (rec_namespace_replaced(ns)) {
			DIFF("namespace-replaced", check_obj("namespace", "%s", ns->name),
			     "namespace %s: %s/%s is not the namespace nsnet made (nsnet gc forgets the record)", ns->name,
			     NETNS_RUN_DIR, ns->name);
			continue;
		} else if (!netns_exists(ns->name)) {
			DIFF("namespace-gone", check_obj("namespace", "%s", ns->name), "namespace %s: recorded but gone from %s",
			     ns->name, NETNS_RUN_DIR);
			continue;
		}
		for (size_t k = 0; k < ns->n_att; k++) {
			const struct nsnet_attachment *a = &ns->att[k];
			const struct link_info *veth = link_list_find(&links, a->host_ifname);
			struct nsnet_network net;
			struct nsnet_leases l;
			bool leased = false;

			if (rec_network_load(op, a->net, &net, NULL) < 0) {
				DIFF("network-unrecorded", check_obj("namespace", "%s", ns->name),
				     "namespace %s: attached to network %s, which has no record", ns->name, a->net);
				continue;
			}
			if (!veth) {
				DIFF("veth-missing", check_obj("namespace", "%s", ns->name),
				     "namespace %s: host end %s of its %s attachment is missing", ns->name, a->host_ifname,
				     a->net);
			} else {
				const struct net_driver *drv;
				struct nsnet_err e = { 0 };

				if (net_driver_of(&net, &drv, &e) == 0 && drv->check(&net, a->host_ifname, &links, &e) < 0)
					DIFF(drv->bridge_guard ? "veth-unbridged" : "veth-misplaced",
					     check_obj("namespace", "%s", ns->name), "namespace %s: %s", ns->name, e.msg);
			}
			if (rec_leases_load(op, a->net, &l, NULL) == 0) {
				for (size_t m = 0; m < l.n; m++)
					leased |= !strcmp(l.v[m].owner, ns->name) && !strcmp(l.v[m].ifname, a->ifname);
				leases_free(&l);
			}
			if (!leased)
				DIFF("lease-missing", check_obj("namespace", "%s", ns->name),
				     "namespace %s: no address leased for its %s attachment", ns->name, a->net);
			if (veth && !ns->cid[0])
				diffs += check_addrs(op, ns, a, &net, nl, veth, fs);
			diffs += limit_check(nl, ns, a, veth ? veth->ifindex : 0, fs);
		}
	}
	for (int i = 0; i < n_nets; i++) {
		struct nsnet_leases l;

		if (rec_leases_load(op, nets[i].name, &l, NULL) < 0)
			continue;
		for (size_t m = 0; m < l.n; m++) {
			bool held = false;
			char a[INET6_ADDRSTRLEN];

			for (int k = 0; k < n_ns && !held; k++) {
				const struct nsnet_attachment *att = namespace_attachment(&nss[k], nets[i].name);

				held = !strcmp(nss[k].name, l.v[m].owner) && att && !strcmp(att->ifname, l.v[m].ifname);
			}
			if (!held)
				DIFF("lease-orphan", check_obj("lease", "%s/%s", nets[i].name, nsnet_addr_str(&l.v[m].addr, a)),
				     "network %s: address %s is leased to %s/%s, which holds no such attachment", nets[i].name,
				     a, l.v[m].owner, l.v[m].ifname);
		}
		leases_free(&l);
	}
	/* Only a link with this state dir's mark is nsnet's; its name proves nothing (docs/reliability.md). */
	if ((r = op_owner_mark(op, false, mark, err)) < 0 && r != -ENOENT)
		goto out;
	for (size_t i = 0; i < links.n; i++) {
		const struct link_info *li = &links.v[i];
		enum op_link_owner who = op_link_owner(li, mark);
		bool owned = false;

		foreign |= who == LINK_OTHER;
		if (who != LINK_OURS && who != LINK_GOING)
			continue;
		for (int k = 0; k < n_ns; k++)
			for (size_t a = 0; a < nss[k].n_att; a++)
				owned |= !strcmp(nss[k].att[a].host_ifname, li->name);
		for (int k = 0; k < n_nets; k++)
			owned |= !strcmp(nets[k].bridge, li->name) || !strcmp(nets[k].ov.vxlan, li->name);
		/* Marked going (ns rm, CNI DEL): the kernel or a child of the DEL is deleting it. */
		if (!owned && who == LINK_OURS)
			DIFF("link-stray", check_obj("link", "%s", li->name),
			     "link %s carries this state dir's mark but no record owns it", li->name);
	}
	if (op->fw->svc_elements && n_v > 0 && (n_el = op->fw->svc_elements(&elems, err)) < 0) {
		r = n_el;
		n_el = 0;
		goto out;
	}
	for (int i = 0; i < n_v; i++) {
		char want[NSNET_KEY_MAX + 64], *key = want, vc[2][NSNET_NAME_MAX + 16];

		if (!vips[i]->n_backends)
			continue;
		for (int c = 0, n = op->fw->vip_chains(vips[i], vc); c < n; c++)
			if (!check_chain(chains, n_ch, "%s", vc[c]))
				DIFF("chain-missing", check_obj("vip", "%u", vips[i]->id), "VIP id %u: %s chain %s is missing",
				     vips[i]->id, op->fw->name, vc[c]);
		if (!op->fw->svc_elements)
			continue;
		op->fw->vip_element(vips[i], want, sizeof(want));
		if (n_el == 0 || !bsearch(&key, elems, (size_t)n_el, sizeof(*elems), check_strp_cmp))
			DIFF("element-missing", check_obj("vip", "%u", vips[i]->id), "VIP id %u: nft map svc%c has no element %s",
			     vips[i]->id, vips[i]->vip.addr.family == AF_INET6 ? '6' : '4', want);
	}
	for (int i = 0; i < n_p; i++) {
		char want[32];

		op->fw->port_chain(&ports[i], want, sizeof(want));
		if (!check_chain(chains, n_ch, "%s", want))
			DIFF("chain-missing", check_obj("port", "%u", ports[i].id), "published port id %u: %s chain %s is missing",
			     ports[i].id, op->fw->name, want);
	}
	if (n_v + n_p > 0) {
		unsigned int *ids = calloc((size_t)(n_v > n_p ? n_v : n_p) + 1, sizeof(*ids));

		if (!ids) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		for (int i = 0; i < n_v; i++)
			ids[i] = vips[i]->id;
		diffs += check_dup_ids(fs, "vip", "VIP", ids, n_v);
		for (int i = 0; i < n_p; i++)
			ids[i] = ports[i].id;
		diffs += check_dup_ids(fs, "port", "published port", ids, n_p);
		free(ids);
	}
	/* The index of attachment ends (core/ends.c) says what the records say. */
	if ((r = rec_ends_sync(op, nss, n_ns, false, fs, err)) < 0)
		goto out;
	diffs += r;
	if ((r = dns_audit(op, nets, n_nets, nss, n_ns, false, fs, err)) < 0)
		goto out;
	diffs += r;
	if ((r = overlay_agent_audit(op, nets, n_nets, false, fs, err)) < 0)
		goto out;
	diffs += r;
	if ((r = overlay_filter_audit(op, nets, n_nets, fs, err)) < 0)
		goto out;
	diffs += r;
	if (n_nets == 0 && !foreign && fw_nft_guard_table_exists() == 1)
		DIFF("table-stray", "table/bridge " NSNET_NFT_TABLE, "nft table bridge %s exists with no network recorded",
		     NSNET_NFT_TABLE);
	if (n_nets > 0 && fw_nft_guard_table_exists() != 1)
		DIFF("table-missing", "table/bridge " NSNET_NFT_TABLE, "nft table bridge %s (anti-spoofing) is missing",
		     NSNET_NFT_TABLE);
	/* The chains listed above are the backend's rules: none means there are none (one dump, not two). */
	if (n_nets + n_v + n_p == 0 && n_ch > 0 && !foreign)
		DIFF("rules-stray", check_obj("rules", "%s", op->fw->name),
		     "%s rules of nsnet exist with no network, VIP or port recorded", op->fw->name);
	if (n_nets + n_v + n_p > 0 && n_ch == 0)
		DIFF("rules-missing", check_obj("rules", "%s", op->fw->name), "%s rules of nsnet are missing",
		     op->fw->name);
	/* Rules of the other backend left behind (say, by a switch after a crash). */
	for (size_t b = 0; fw_backends[b] && !op->drift_only; b++)
		if (fw_backends[b] != op->fw && !foreign && fw_backends[b]->exists(NULL) == 1)
			DIFF("rules-other-backend", "rules/other-backend",
			     "%s rules of nsnet exist, but this state dir uses %s (nsnet gc removes them)",
			     fw_backends[b]->name, op->fw->name);
	r = diffs;
	if (fs->oom)
		r = nsnet_err_set(err, ENOMEM, "check: out of memory listing its differences");
out:
	link_list_free(&links);
	free(nets);
	free(nss);
	svc_vips_free(vips, n_v);
	free(ports);
	dir_names_free(chains, n_ch);
	dir_names_free(elems, n_el);
	dir_names_free(journals, n_j);
	return r;
}

int core_check(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err)
{
	struct op op;
	int r;

	if ((r = op_begin(&op, o, false, err)) == 0) {
		op.skip_broken = true;	/* an unreadable record is a difference, not a failure */
		r = check_op(&op, fs, err);
	}
	op_end(&op);
	return r;
}
