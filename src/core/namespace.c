// SPDX-License-Identifier: MIT
// ns add / ns rm: persistent namespaces with their attachments, DNS and cleanup.
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/attach.h"
#include "core/core.h"
#include "core/drivers/drivers.h"
#include "core/records.h"
#include "core/undo.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/netns.h"
#include "util/strbuf.h"

#define NS_MAX_PIDS 64

static void ns_etc_paths(const char *name, char *dir, char *file)
{
	snprintf(dir, PATH_MAX, "%s/%s", NETNS_ETC_DIR, name);
	snprintf(file, PATH_MAX, "%s/%s/resolv.conf", NETNS_ETC_DIR, name);
}

int ns_add_apply(struct op *op, const struct ns_req *req, struct nsnet_err *err)
{
	struct attach_plan *plans = NULL;
	struct nsnet_namespace ns;
	char dir[PATH_MAX], file[PATH_MAX];
	struct strbuf resolv = { 0 };
	size_t planned = 0, i;
	int r;

	if ((r = names_check("namespace", req->name, err)) < 0)
		return r;
	if (netns_exists(req->name) || rec_namespace_load(op, req->name, &ns, NULL) == 0) {
		r = nsnet_err_set(err, EEXIST, "namespace %s already exists", req->name);
		goto out;
	}
	memset(&ns, 0, sizeof(ns));
	snprintf(ns.name, sizeof(ns.name), "%s", req->name);
	ns.managed = true;
	ns.n_dns = req->n_dns;
	memcpy(ns.dns, req->dns, sizeof(ns.dns));
	snprintf(ns.project, sizeof(ns.project), "%s", req->project ? req->project : "");

	/* Plan every attachment before touching anything. */
	plans = calloc(req->n_att ? req->n_att : 1, sizeof(*plans));
	if (!plans) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < req->n_att; i++) {
		if ((r = attach_plan(op, &ns, &req->att[i], &plans[i], err)) < 0)
			goto out;
		planned++;
		ns.att[ns.n_att++] = plans[i].att;
	}
	{
		struct nsnet_network nets[NSNET_MAX_ATTACH];

		for (i = 0; i < req->n_att; i++)
			nets[i] = plans[i].net;
		if (!req->n_dns)
			core_resolv_conf_nets(nets, req->n_att, &resolv);
		if (!resolv.len)
			core_resolv_conf(req->dns, req->n_dns, op->opts, &resolv);
	}
	if (resolv.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}

	ns_etc_paths(req->name, dir, file);
	if ((r = op_file_foreign(dir, file, err)) < 0)
		goto out;
	if ((r = op_netns_add(op, req->name, &ns.netns_dev, &ns.netns_ino, err)) < 0 ||
	    (r = op_link_up(op, req->name, "lo", err)) < 0)
		goto out;
	if (resolv.len && (r = op_file_write(op, dir, file, strbuf_str(&resolv), err)) < 0)
		goto out;
	for (i = 0; i < req->n_att; i++) {
		if ((r = attach_apply(op, req->name, &plans[i], err)) < 0)
			goto out;
	}
	r = rec_namespace_put(op, &ns, err);
out:
	for (i = 0; i < planned; i++)
		attach_plan_free(&plans[i]);
	free(plans);
	strbuf_free(&resolv);
	return r;
}

int ns_resolv_update(struct op *op, const struct nsnet_namespace *ns, struct nsnet_err *err)
{
	struct nsnet_network nets[NSNET_MAX_ATTACH];
	char dir[PATH_MAX], file[PATH_MAX];
	struct strbuf resolv = { 0 }, old = { 0 };
	size_t n = 0;
	int r = 0;
	bool any = false;

	/* Only resolv.conf files nsnet wrote for a namespace it made, and not given ones (--dns). */
	if (!ns->managed || ns->n_dns || ns->cid[0])
		return 0;
	for (size_t i = 0; i < ns->n_att; i++)
		if (rec_network_load(op, ns->att[i].net, &nets[n], NULL) == 0)
			any |= nets[n++].dns;
	ns_etc_paths(ns->name, dir, file);
	if (any)
		core_resolv_conf_nets(nets, n, &resolv);
	else
		core_resolv_conf(NULL, 0, op->opts, &resolv);
	if (resolv.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	{
		/* Unchanged (often: a network without a resolver): nothing to do. */
		FILE *f = fopen(file, "re");
		char line[512];

		while (f && fgets(line, sizeof(line), f))
			if (line[0] != '#')
				strbuf_printf(&old, "%s", line);
		if (f)
			fclose(f);
		if (f && !strcmp(strbuf_str(&old), strbuf_str(&resolv)))
			goto out;
		if (!f && !resolv.len)
			goto out;
	}
	if (resolv.len)
		r = op_file_write(op, dir, file, strbuf_str(&resolv), err);
	else
		r = op_file_del(op, dir, file, err);
out:
	strbuf_free(&resolv);
	strbuf_free(&old);
	return r;
}

int core_ns_add(const struct nsnet_opts *o, const struct ns_req *req, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : ns_add_apply(&op, req, err), true);
}

/* Kill every process in namespace @name and wait (bounded) until none is left. */
static int ns_kill_all(const char *name, struct nsnet_err *err)
{
	pid_t pids[NS_MAX_PIDS];
	struct timespec pause = { 0, 5 * 1000 * 1000 };

	for (int round = 0; round < 1000; round++) {
		int n = netns_pids(name, pids, NS_MAX_PIDS, err);

		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		for (int i = 0; i < n && i < NS_MAX_PIDS; i++)
			kill(pids[i], SIGKILL);
		nanosleep(&pause, NULL);	/* wait for the kernel to reap what we just killed */
	}
	return nsnet_err_set(err, EBUSY, "namespace %s: processes survive SIGKILL", name);
}

/* Delete the /32 (/128) routes to attachment @a's addresses out of host end @ifindex. */
static int ns_host_routes_del(struct nl *nl, int ifindex, const struct nsnet_attachment *a)
{
	int r = a->n_addrs ? 0 : -ENOENT;

	for (size_t k = 0; k < a->n_addrs && r == 0; k++) {
		struct nsnet_prefix host = { .addr = a->addr[k], .len = a->addr[k].family == AF_INET6 ? 128 : 32 };

		r = route_del(nl, &host, ifindex, NULL);
		if (r == -ESRCH || r == -ENOENT)
			r = 0;	/* already gone */
	}
	return r;
}

/*
 * The host ends of @ns's veths go with the namespace, in the kernel's background cleanup: mark
 * them going (OP_MARK_GOING) first, so that a check right after `ns rm` does not take one still
 * there for a link no record owns. A bridge port (bridge and vxlan drivers) is only marked. A
 * routed network's host end also carries the /32 (/128) routes to the namespace's addresses,
 * which would outlive the command, and the next attach given such an address would fail with
 * "File exists": they are deleted one by one (the attachment's record lists its addresses).
 * Setting the link down would take them too, but waits for an RCU grace period (dev_deactivate,
 * 0.6-0.8 ms in strace -T) and makes the kernel walk every route of the host (fib_table_flush:
 * 2-3 ms at 10,000 routed namespaces); a record without the addresses still gets the down.
 * (A bridge port's state cannot stand in for a down: with STP off the bridge sets a disabled
 * port forwarding again at once.) Best effort: a mark not set only makes such a check early.
 */
static void ns_host_ends_going(struct op *op, const struct nsnet_namespace *ns)
{
	char mark[OP_MARK_MAX], going[OP_MARK_MAX + sizeof(OP_MARK_GOING)];
	struct link_info li;
	struct nl *nl;
	bool port;

	if (op->opts->dry_run || !ns->n_att || op_owner_mark(op, false, mark, NULL) < 0 || op_nl(op, NULL, &nl, NULL) < 0)
		return;
	snprintf(going, sizeof(going), "%s%s", mark, OP_MARK_GOING);
	for (size_t i = 0; i < ns->n_att; i++) {
		const struct net_driver *drv;
		struct nsnet_network net;

		if (link_get(nl, ns->att[i].host_ifname, &li, NULL) < 0 || op_link_owner(&li, mark) != LINK_OURS)
			continue;
		/* A bridge port (the record cache makes the network's load free: detach reads it too). */
		port = li.master && rec_network_load(op, ns->att[i].net, &net, NULL) == 0 &&
		       net_driver_of(&net, &drv, NULL) == 0 && drv->bridge_guard;
		/*
		 * Park mode (apply) removes the namespace only once the operation has ended well: the
		 * mark waits for then too (core/op.c), so that a check right after apply does not see
		 * the host end either.
		 */
		if (op->park) {
			op_park_going(op, li.name, !port, NULL);
			continue;
		}
		if (port && link_set_alias_index(nl, li.ifindex, going, NULL) == 0)
			continue;
		/* A routed host end: its routes deleted, or the link down when they cannot be. */
		if (!port && !li.master && link_set_alias_index(nl, li.ifindex, going, NULL) == 0 &&
		    ns_host_routes_del(nl, li.ifindex, &ns->att[i]) == 0)
			continue;
		link_set_down(nl, li.ifindex, going, NULL);
	}
}

int ns_rm_apply(struct op *op, const char *name, bool force, struct nsnet_err *err)
{
	struct nsnet_namespace ns;
	char dir[PATH_MAX], file[PATH_MAX];
	pid_t pids[NS_MAX_PIDS];
	int r, n;

	if ((r = names_check("namespace", name, err)) < 0)
		return r;
	r = rec_namespace_load(op, name, &ns, err);
	if (r == -EBADMSG) {
		/*
		 * Without a readable record nsnet cannot prove it made /run/netns/NAME (nor know its
		 * attachments): --force removes the record and the resolv.conf nsnet wrote (it carries
		 * nsnet's mark), never the namespace; gc releases the leases it held.
		 */
		if (!force) {
			nsnet_err_prefix(err, "namespace %s ('nsnet ns rm --force %s' removes the unreadable record only)",
					 name, name);
			return r;
		}
		ns_etc_paths(name, dir, file);
		if ((r = op_file_del(op, dir, file, err)) < 0)
			return r;
		return op_state_del(op, STATE_NAMESPACES, name, err);
	}
	if (r == -ENOENT || (r == 0 && !ns.managed)) {
		if (netns_exists(name))
			return nsnet_err_set(err, EPERM, "namespace %s was not created by nsnet; nsnet does not remove it (use 'nsnet detach')",
					     name);
		return nsnet_err_set(err, ENOENT, "namespace %s does not exist", name);
	}
	if (r < 0)
		return r;
	if (rec_namespace_replaced(&ns)) {
		/*
		 * /run/netns/NAME is not the namespace nsnet made (removed and made again behind its
		 * back): neither its processes nor it are nsnet's. --force forgets the record only.
		 */
		if (!force)
			return nsnet_err_set(err, EPERM,
					     "namespace %s was replaced since nsnet created it; nsnet does not remove it ('nsnet ns rm --force %s' forgets nsnet's record only)",
					     name, name);
		while (ns.n_att)
			if ((r = detach_apply(op, &ns, ns.att[0].net, true, err)) < 0)
				return r;
		ns_etc_paths(name, dir, file);
		if ((r = op_file_del(op, dir, file, err)) < 0)
			return r;
		return op_state_del(op, STATE_NAMESPACES, name, err);
	}
	if (netns_exists(name)) {
		n = netns_pids(name, pids, NS_MAX_PIDS, err);
		if (n < 0)
			return n;
		if (n > 0 && !force) {
			struct strbuf sb = { 0 };

			for (int i = 0; i < n && i < NS_MAX_PIDS; i++)
				strbuf_printf(&sb, "%s%d", i ? ", " : "", (int)pids[i]);
			r = nsnet_err_set(err, EBUSY, "namespace %s still has processes (PID %s%s); stop them or use --force",
					  name, strbuf_str(&sb), n > NS_MAX_PIDS ? ", ..." : "");
			strbuf_free(&sb);
			return r;
		}
		if (n > 0 && !op->opts->dry_run && (r = ns_kill_all(name, err)) < 0)
			return r;
	}
	/*
	 * Removing the namespace destroys the inner veth ends and so their host ends: that is far
	 * cheaper than deleting each veth (which waits for an RCU grace period per link).
	 */
	ns_host_ends_going(op, &ns);
	while (ns.n_att)
		if ((r = detach_apply(op, &ns, ns.att[0].net, true, err)) < 0)
			return r;
	ns_etc_paths(name, dir, file);
	if ((r = op_file_del(op, dir, file, err)) < 0 ||
	    (r = op_netns_del(op, name, err)) < 0)
		return r;
	return op_state_del(op, STATE_NAMESPACES, name, err);
}

int core_ns_rm(const struct nsnet_opts *o, const char *name, bool force, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	/* Deletion is best effort and reports the first error; there is nothing to restore. */
	return core_op_end(&op, r ? r : ns_rm_apply(&op, name, force, err), false);
}
