// SPDX-License-Identifier: MIT
// publish / unpublish: a namespace's port reachable on a host port (rules in firewall/nft_services.c).
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/overlay.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "kernel/addr.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"

/* Does namespace @ns exist: in /run/netns, or as a live CNI container's? */
static bool svc_ns_exists(struct op *op, const char *ns)
{
	struct nsnet_namespace rec;

	if (netns_exists(ns))
		return true;
	return rec_namespace_load(op, ns, &rec, NULL) == 0 && rec_namespace_alive(&rec);
}

/*
 * A host address to publish on must be one of this host's own (issue 18, item 10): another
 * host's address (8.8.8.8), a multicast one, or a namespace's address would make a rule that
 * never matches, or one that catches traffic meant for someone else. 127.0.0.1 and ::1 are the
 * host's loopback (docs/services.md); no address (or 0.0.0.0, [::]) means every local one.
 */
static int publish_host_ip_check(const char *ns, const struct nsnet_port *p, struct nsnet_err *err)
{
	struct nsnet_addr host[256], lo4, lo6;
	char a[INET6_ADDRSTRLEN];
	int n;

	if (!p->host_ip.family)
		return 0;
	nsnet_addr_parse("127.0.0.1", &lo4, NULL);
	nsnet_addr_parse("::1", &lo6, NULL);
	if (nsnet_addr_equal(&p->host_ip, &lo4) || nsnet_addr_equal(&p->host_ip, &lo6))
		return 0;
	if ((n = addr_local_list(host, sizeof(host) / sizeof(host[0]), err)) < 0)
		return n;
	for (int h = 0; h < n; h++)
		if (nsnet_addr_equal(&host[h], &p->host_ip))
			return 0;
	return nsnet_err_set(err, EADDRNOTAVAIL,
			     "publish %s %s%s%s:%u:%u/%s: %s address %s is not one of this host's (expected an address of the host, 127.0.0.1, or none for every address)",
			     ns, p->host_ip.family == AF_INET6 ? "[" : "", nsnet_addr_str(&p->host_ip, a),
			     p->host_ip.family == AF_INET6 ? "]" : "", p->host_port, p->port, proto_name(p->proto),
			     p->host_ip.family == AF_INET ? "IPv4" : "IPv6", a);
}

int publish_apply(struct op *op, const char *ns, const char *net, const struct nsnet_port *req,
		  struct nsnet_err *err)
{
	struct strbuf add = { 0 }, undo = { 0 };
	struct nsnet_port *all = NULL, p = *req;
	struct nsnet_network network;
	char key[NSNET_KEY_MAX], h[INET6_ADDRSTRLEN];
	int r, n = 0, family;
	bool fast;

	if ((r = names_check("namespace", ns, err)) < 0 || (net && (r = names_check("network", net, err)) < 0) ||
	    (r = publish_host_ip_check(ns, req, err)) < 0)
		return r;
	port_key(&p, key);
	if ((n = svc_ports_load_port(op, p.host_port, &all, err)) < 0) {
		r = n;
		goto out;
	}
	/*
	 * One owner per (address, port, protocol). "Every address" overlaps each single address,
	 * 127.0.0.1 included (as a port Docker or Podman publish on 0.0.0.0 does).
	 */
	for (int i = 0; i < n; i++) {
		const struct nsnet_addr *a = &all[i].host_ip, *b = &p.host_ip;

		if (all[i].proto != p.proto || all[i].host_port != p.host_port)
			continue;
		if (a->family && b->family && !nsnet_addr_equal(a, b))
			continue;
		r = nsnet_err_set(err, EADDRINUSE, "port %u/%s on %s is already published on %s (by namespace %s)",
				  p.host_port, proto_name(p.proto),
				  p.host_ip.family ? nsnet_addr_str(&p.host_ip, h) : "every address",
				  all[i].host_ip.family ? nsnet_addr_str(&all[i].host_ip, h) : "every address", all[i].ns);
		goto out;
	}
	if (net && (r = rec_network_load(op, net, &network, err)) < 0)
		goto out;
	if (p.host_ip.family == AF_INET6 && p.host_ip.b[15] == 1 && !memcmp(p.host_ip.b, (uint8_t[15]){ 0 }, 15)) {
		r = nsnet_err_set(err, EINVAL, "host address ::1: IPv6 cannot route loopback traffic to a namespace; publish on 127.0.0.1 or every address");
		goto out;
	}
	/* The target family follows the host address; on every address IPv4 is preferred. */
	family = p.host_ip.family ? p.host_ip.family : AF_INET;
	r = svc_ns_addr(op, ns, net, family, &p.target, p.net, err);
	if (r == -ENOENT && !p.host_ip.family && svc_ns_exists(op, ns)) {
		family = AF_INET6;
		r = svc_ns_addr(op, ns, net, family, &p.target, p.net, NULL);
		if (r < 0)
			r = nsnet_err_set(err, ENOENT, "namespace %s has no address on %s%s", ns,
					  net ? "network " : "any nsnet network", net ? net : "");
	}
	if (r < 0) {
		nsnet_err_prefix(err, "publish %s", ns);
		goto out;
	}
	snprintf(p.ns, sizeof(p.ns), "%s", ns);
	if ((r = rec_network_load(op, p.net, &network, err)) < 0 || (r = overlay_agent_keep(op, &network, err)) < 0)
		goto out;
	if (p.host_ip.family == AF_INET && p.host_ip.b[0] == 127 && network_group(&network)) {
		/* route_localnet is per link, and a routed network has one per namespace: docs/networks.md. */
		r = nsnet_err_set(err, EOPNOTSUPP, "publish %s on %s: network %s is routed; publishing on a loopback address needs a bridge network",
				  ns, nsnet_addr_str(&p.host_ip, h), p.net);
		goto out;
	}
	if ((r = svc_next_id(op, "port", &p.id, err)) < 0)
		goto out;
	if (port_localnet(&p) && !network_group(&network)) {
		/* Only this bridge may carry loopback-sourced packets (and the guard chain drops any
		 * that arrive on it): see docs/services.md. A routed network has no bridge: a port on
		 * every address of it is not reached from the host's 127.0.0.1 (docs/networks.md). */
		char sysctl[64];

		snprintf(sysctl, sizeof(sysctl), "net.ipv4.conf.%s.route_localnet", network.bridge);
		if ((r = op_sysctl(op, sysctl, "1", true, err)) < 0)
			goto out;
	}
	if ((r = svc_base_if_first(op, &add, err)) < 0)
		goto out;
	fast = add.len == 0;	/* the table exists: only this port's objects */
	op->fw->port_add(&p, &add);
	op->fw->port_del(&p, &undo);
	if ((r = svc_table_gone_if_last(op, STATE_PORTS, -1, &undo, err)) < 0)
		goto out;
	if (add.oom || undo.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	} else if ((r = fast ? op_fw_ports_add(op, strbuf_str(&add), strbuf_str(&undo), &p, 1, err)
			     : op_fw(op, strbuf_str(&add), strbuf_str(&undo), false, err)) == 0) {
		json_t *rec = port_to_json(&p);

		r = rec ? op_state_put(op, STATE_PORTS, key, rec, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(rec);
	}
out:
	free(all);
	strbuf_free(&add);
	strbuf_free(&undo);
	return r;
}

bool port_localnet(const struct nsnet_port *p)
{
	if (p->host_ip.family)
		return p->host_ip.family == AF_INET && p->host_ip.b[0] == 127;
	return p->target.family == AF_INET;
}

/* Is @a one of the @n ports of @gone (same protocol, host port and host address)? */
static bool port_in(const struct nsnet_port *a, const struct nsnet_port *gone, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a->proto == gone[i].proto && a->host_port == gone[i].host_port &&
		    a->host_ip.family == gone[i].host_ip.family &&
		    (!a->host_ip.family || nsnet_addr_equal(&a->host_ip, &gone[i].host_ip)))
			return true;
	return false;
}

int port_localnet_release(struct op *op, const char *net, const struct nsnet_port *gone, size_t n_gone,
			  struct nsnet_err *err)
{
	struct nsnet_port *all = NULL;
	struct nsnet_network network;
	char key[64], cur[16];
	int n = svc_ports_load(op, &all, err);
	bool other = false;

	if (n < 0)
		return n;
	/* The ports going are skipped by key: a dry run still lists their records. */
	for (int i = 0; i < n; i++)
		other |= !strcmp(all[i].net, net) && port_localnet(&all[i]) && !port_in(&all[i], gone, n_gone);
	free(all);
	if (other || rec_network_load(op, net, &network, NULL) < 0)
		return 0;
	snprintf(key, sizeof(key), "net.ipv4.conf.%s.route_localnet", network.bridge);
	/* A bridge already gone (its network being removed) has nothing left to turn off. */
	if (!op->opts->dry_run && sysctl_get(key, cur, sizeof(cur), NULL) < 0)
		return 0;
	return op_sysctl(op, key, "0", true, err);
}

int unpublish_apply(struct op *op, const char *ns, const struct nsnet_port *req, struct nsnet_err *err)
{
	struct strbuf del = { 0 }, undo = { 0 };
	char key[NSNET_KEY_MAX], h[INET6_ADDRSTRLEN];
	struct nsnet_port p;
	json_t *j;
	int r, last;

	if ((r = names_check("namespace", ns, err)) < 0)
		return r;
	port_key(req, key);
	r = state_read(&op->st, STATE_PORTS, key, &j, err);
	if (r == 0) {
		r = port_from_json(j, &p, err);
		json_decref(j);
	}
	if (r == -ENOENT || (r == 0 && strcmp(p.ns, ns)))
		r = nsnet_err_set(err, ENOENT, "namespace %s has no port %u/%s published on %s", ns, req->host_port,
				  proto_name(req->proto), req->host_ip.family ? nsnet_addr_str(&req->host_ip, h) : "every address");
	if (r < 0)
		goto out;
	op->fw->port_del(&p, &del);
	op->fw->port_add(&p, &undo);
	if ((r = last = svc_table_gone_if_last(op, STATE_PORTS, 1, &del, err)) < 0)
		goto out;
	/* Only this port's objects (the table stays): one libnftnl batch, as publish adds them. */
	if (del.oom || undo.oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	else if ((r = !last ? op_fw_ports_del(op, strbuf_str(&del), strbuf_str(&undo), &p, 1, err)
			    : op_fw(op, strbuf_str(&del), strbuf_str(&undo), false, err)) == 0)
		r = op_state_del(op, STATE_PORTS, key, err);
	if (r == 0 && port_localnet(&p))
		r = port_localnet_release(op, p.net, &p, 1, err);
out:
	strbuf_free(&del);
	strbuf_free(&undo);
	return r;
}

/* The command forms: one operation each, rolled back on failure. */
int core_publish(const struct nsnet_opts *o, const char *ns, const char *net, const struct nsnet_port *req,
		 struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : publish_apply(&op, ns, net, req, err), true);
}

int core_unpublish(const struct nsnet_opts *o, const char *ns, const struct nsnet_port *req, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : unpublish_apply(&op, ns, req, err), true);
}
