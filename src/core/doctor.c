// SPDX-License-Identifier: MIT
// nsnet doctor: what this host offers, and what of it would break nsnet, with what to do; and the
// findings list that doctor, check and gc hand back.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "util/spawn.h"
#include "core/records.h"
#include "firewall/fw.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/sysctl.h"

struct doctor_routes {
	struct nsnet_findings *fs;
	const struct nsnet_network *nets;
	int n_nets;
	const struct link_list *links;
	int found;
};

static void doctor_route(const struct route_info *ri, void *data)
{
	struct doctor_routes *d = data;
	char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN], object[NSNET_PREFIX_STRLEN + 8];

	if (ri->dst.len == 0)
		return;	/* a default route overlaps everything and is no conflict */
	for (int i = 0; i < d->n_nets; i++) {
		const struct nsnet_network *net = &d->nets[i];
		const char *dev = "?";

		for (size_t k = 0; k < d->links->n; k++)
			if (d->links->v[k].ifindex == ri->oif)
				dev = d->links->v[k].name;
		if (!strcmp(dev, net->bridge))
			continue;
		for (size_t s = 0; s < net->n_subnets; s++) {
			if (!nsnet_prefix_overlap(&ri->dst, &net->subnet[s]))
				continue;
			snprintf(object, sizeof(object), "route/%s", nsnet_prefix_str(&ri->dst, a));
			findings_add(d->fs, "route-overlap", "blocker", object,
				     "Remove the route or move the network to another subnet.",
				     "route %s dev %s overlaps subnet %s of network %s: traffic for part of the\n"
				     "network would leave by %s.",
				     a, dev, nsnet_prefix_str(&net->subnet[s], b), net->name, dev);
			d->found++;
		}
	}
}

/*
 * Can the iptables backend run here? A blocker only when it is the state dir's backend. Returns
 * the number of blockers.
 */
static int doctor_iptables(struct nsnet_findings *fs, bool active)
{
	char *argv[] = { "iptables-save", NULL };
	char *ver[] = { "iptables", "--version", NULL };
	struct strbuf out = { 0 };
	struct nsnet_err e = { 0 };
	int r = spawn_run(argv, NULL, NULL, NULL, &e), blockers = 0;

	if (r != 0) {
		findings_add(fs, "iptables", active ? "blocker" : "note", "iptables",
			     active ? "the iptables backend (in use) needs the iptables package (apt-get install iptables)"
				    : "only --backend iptables needs it",
			     "iptables-save does not work here (%s)", r < 0 ? e.msg : "it failed");
		blockers += active;
	} else {
		spawn_run(ver, NULL, &out, NULL, &e);
		findings_add(fs, "iptables", "ok", "iptables", NULL, "iptables works (%.*s)%s",
			     (int)strcspn(strbuf_str(&out), "\n"), strbuf_str(&out),
			     active ? ": the backend in use" : ": --backend iptables is available");
	}
	strbuf_free(&out);
	return blockers;
}

int core_doctor(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err)
{
	struct nsnet_network *nets = NULL;
	struct link_list links = { 0 };
	struct strbuf drops = { 0 };
	struct doctor_routes dr;
	char val[64];
	int blockers = 0, n_nets, r;
	struct nl *nl;
	struct op op;

	if ((r = op_begin(&op, o, false, err)) < 0)
		goto out;

	/* nf_tables, through libnftables. */
	r = fw_nft_foreign_drops(&drops, err);
	if (r < 0) {
		findings_add(fs, "nftables", "blocker", "nftables",
			     "install nftables and libnftables1, and make sure the\n"
			     "kernel has nf_tables (modprobe nf_tables).", "nftables is not usable (%s)", err->msg);
		blockers++;
		nsnet_err_clear(err);
	} else {
		findings_add(fs, "nftables", "ok", "nftables", NULL, "nftables works (libnftables, kernel nf_tables)");
		for (const char *p = strbuf_str(&drops); *p;) {
			size_t len = strcspn(p, "\n");
			char object[128];

			snprintf(object, sizeof(object), "chain/%.*s", (int)len, p);

			/* With the iptables backend, nsnet's own jump sits first in exactly that chain. */
			if (fw_backend_jumps_from(op.fw, p, len)) {
				findings_add(fs, "forward-drop", "ok", object, NULL,
					     "%.*s has policy drop (Docker sets it); with the iptables backend nsnet's jump\n"
					     "-j NSNET-FORWARD comes first in it and decides its bridges' traffic itself", (int)len, p);
				p += len + (p[len] == '\n');
				continue;
			}
			findings_add(fs, "forward-drop", "blocker", object,
				     "Allow nsnet's\n"
				     "bridges in it, e.g. nft insert rule <family> <table> <chain> iifname \"nsnet-*\" accept\n"
				     "(and oifname). Docker sets this up through iptables; there the place is DOCKER-USER:\n"
				     "iptables -I DOCKER-USER -i nsnet-+ -j ACCEPT; iptables -I DOCKER-USER -o nsnet-+ -j ACCEPT",
				     "chain %.*s has policy drop on the forward hook: it drops nsnet's routed\n"
				     "traffic (to the outside, published ports) whatever nsnet accepts.", (int)len, p);
			blockers++;
			p += len + (p[len] == '\n');
		}
	}

	/* The iptables backend's tools (iptables-save / iptables-restore, either variant). */
	r = doctor_iptables(fs, op.fw->needs_xtables);
	if (r > 0)
		blockers += r;

	/* Forwarding. */
	if (sysctl_get("net.ipv4.ip_forward", val, sizeof(val), NULL) == 0)
		findings_add(fs, "ip-forward", "ok", "sysctl/net.ipv4.ip_forward", NULL, "net.ipv4.ip_forward = %s%s", val,
			     strcmp(val, "1") ? " (nsnet turns it on with its first IPv4 network, and never off)" : "");
	if (sysctl_get("net.ipv6.conf.all.forwarding", val, sizeof(val), NULL) == 0 && strcmp(val, "1"))
		findings_add(fs, "ip-forward", "note", "sysctl/net.ipv6.conf.all.forwarding",
			     "(set accept_ra=2 there if the host configures itself by SLAAC).",
			     "net.ipv6.conf.all.forwarding = %s: nsnet turns it on with its first IPv6 network,\n"
			     "which stops this host from accepting router advertisements on its own uplinks", val);

	/* br_netfilter. */
	if (sysctl_get("net.bridge.bridge-nf-call-iptables", val, sizeof(val), NULL) == 0 && !strcmp(val, "1"))
		findings_add(fs, "br-netfilter", "note", "sysctl/net.bridge.bridge-nf-call-iptables", NULL,
			     "br_netfilter is active (bridge-nf-call-iptables = 1): bridged traffic between namespaces\n"
			     "also passes the IP forward hook. nsnet accounts for it (hairpin mode, same-network\n"
			     "masquerade); other tools' forward rules now see it too.");
	else
		findings_add(fs, "br-netfilter", "ok", "sysctl/net.bridge.bridge-nf-call-iptables", NULL,
			     "br_netfilter is not active");

	/* Routes that take part of a network's subnet elsewhere. */
	if ((n_nets = rec_networks_load(&op, &nets, err)) < 0) {
		r = n_nets;
		goto out;
	}
	if ((r = op_nl(&op, NULL, &nl, err)) < 0 || (r = link_list_dump(nl, &links, err)) < 0)
		goto out;
	dr = (struct doctor_routes){ fs, nets, n_nets, &links, 0 };
	if ((r = route_dump(nl, AF_INET, doctor_route, &dr, err)) < 0 ||
	    (r = route_dump(nl, AF_INET6, doctor_route, &dr, err)) < 0)
		goto out;
	blockers += dr.found;
	if (!dr.found)
		findings_add(fs, "route-overlap", "ok", "routes", NULL,
			     "no route overlaps the subnet of an nsnet network (%d network%s)", n_nets, n_nets == 1 ? "" : "s");
	r = blockers;
	if (fs->oom)
		r = nsnet_err_set(err, ENOMEM, "doctor: out of memory listing its findings");
out:
	free(nets);
	link_list_free(&links);
	strbuf_free(&drops);
	op_end(&op);
	return r;
}

int findings_add(struct nsnet_findings *fs, const char *kind, const char *level, const char *object,
		 const char *fix, const char *fmt, ...)
{
	struct nsnet_finding f = { .kind = kind, .level = level };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&f.message, fmt, ap);
	va_end(ap);
	if (n < 0)
		f.message = NULL;
	f.object = strdup(object);
	f.fix = fix ? strdup(fix) : NULL;
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 16;
		struct nsnet_finding *v = realloc(fs->v, cap * sizeof(*v));

		if (v) {
			fs->v = v;
			fs->cap = cap;
		}
	}
	if (!f.message || !f.object || (fix && !f.fix) || fs->n == fs->cap) {
		free(f.message);
		free(f.object);
		free(f.fix);
		fs->oom = true;
		return -ENOMEM;
	}
	fs->v[fs->n++] = f;
	if (fs->added)
		fs->added(&f, fs->data);
	return 0;
}

void findings_free(struct nsnet_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].object);
		free(fs->v[i].message);
		free(fs->v[i].fix);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}
