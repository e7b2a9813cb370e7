// SPDX-License-Identifier: MIT
// What exists: networks with their namespaces, namespaces with their attachments and addresses, as JSON.
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/dns.h"
#include "firewall/fw.h"
#include "core/records.h"
#include "core/services.h"
#include "kernel/netns.h"

/* Addresses leased to @owner/@ifname on a network, from its lease set. */
static json_t *query_addrs(const struct nsnet_leases *l, const char *owner, const char *ifname)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		if (!strcmp(l->v[i].owner, owner) && !strcmp(l->v[i].ifname, ifname))
			json_array_append_new(a, json_string(nsnet_addr_str(&l->v[i].addr, buf)));
	return a;
}

static int query_find(const struct nsnet_network *nets, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(nets[i].name, name))
			return i;
	return -1;
}

/*
 * The address pools of nsnet as a CNI IPAM plugin (core/pool.c), as recorded: name, subnets,
 * gateways, leases. No kernel object belongs to them; a record that cannot be read is skipped.
 */
static json_t *query_pools(struct op *op)
{
	json_t *pools = json_array();
	char **names;
	int n = state_names(&op->st, STATE_POOLS, &names, NULL);

	for (int i = 0; i < n; i++) {
		json_t *rec;

		if (state_read(&op->st, STATE_POOLS, names[i], &rec, NULL) == 0)
			json_array_append_new(pools, rec);
	}
	if (n > 0)
		state_names_free(names, n);
	return pools;
}

int core_query(const struct nsnet_opts *o, json_t **out, struct nsnet_err *err)
{
	struct nsnet_network *nets = NULL;
	struct nsnet_namespace *nss = NULL;
	struct nsnet_leases *leases = NULL;
	json_t *jnets = json_array(), *jnss = json_array(), *root = NULL;
	char **kernel_ns = NULL;
	int n_nets = 0, n_ns = 0, n_kns = 0, r = 0;
	struct op op;

	*out = NULL;
	if ((r = op_begin(&op, o, false, err)) < 0)
		goto out;
	op.skip_broken = true;	/* listed under "broken" (only when there are some) */
	if ((n_nets = rec_networks_load(&op, &nets, err)) < 0 ||
	    (n_ns = rec_namespaces_load(&op, &nss, err)) < 0 ||
	    (n_kns = netns_list(&kernel_ns, err)) < 0) {
		r = n_nets < 0 ? n_nets : n_ns < 0 ? n_ns : n_kns;
		n_nets = n_ns = n_kns = 0;
		goto out;
	}
	leases = calloc((size_t)n_nets + 1, sizeof(*leases));
	if (!leases || !jnets || !jnss) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n_nets; i++)
		if ((r = rec_leases_load(&op, nets[i].name, &leases[i], err)) < 0)
			goto out;

	for (int i = 0; i < n_nets; i++) {
		json_t *j = network_to_json(&nets[i]), *members = json_array(), *att = json_array();

		for (int k = 0; k < n_ns; k++) {
			struct nsnet_attachment *a = namespace_attachment(&nss[k], nets[i].name);

			if (!a)
				continue;
			json_t *e = json_pack("{s:s, s:s, s:s, s:o}", "namespace", nss[k].name, "ifname", a->ifname,
					      "host_ifname", a->host_ifname, "addresses",
					      query_addrs(&leases[i], nss[k].name, a->ifname));

			if (e && nss[k].cid[0])
				json_object_set_new(e, "container_id", json_string(nss[k].cid));
			if (e && limit_any(&a->limit))
				json_object_set_new(e, "limit", limit_to_json(&a->limit, true));
			json_array_append_new(members, json_string(nss[k].name));
			json_array_append_new(att, e);
		}
		json_object_set_new(j, "namespaces", members);
		json_object_set_new(j, "attachments", att);
		if (nets[i].dns && json_object_get(j, "dns")) {
			json_t *d = json_object_get(j, "dns");
			bool running;
			int pid;

			/* The resolver as it stands: its addresses (the gateways), PID, running or not. */
			dns_status(&op.st, nets[i].name, &pid, &running);
			json_object_set(d, "servers", json_object_get(j, "gateways"));
			json_object_set_new(d, "pid", pid ? json_integer(pid) : json_null());
			json_object_set_new(d, "running", json_boolean(running));
		}
		json_array_append_new(jnets, j);
	}

	/* Every namespace in /run/netns, plus recorded ones whose namespace vanished. */
	for (int k = 0; k < n_kns + n_ns; k++) {
		const char *name = k < n_kns ? kernel_ns[k] : nss[k - n_kns].name;
		struct nsnet_namespace *rec = NULL;
		json_t *j, *atts;

		if (k >= n_kns && netns_exists(name))
			continue;	/* listed already */
		for (int m = 0; m < n_ns; m++)
			if (!strcmp(nss[m].name, name))
				rec = &nss[m];
		atts = json_array();
		for (size_t m = 0; rec && m < rec->n_att; m++) {
			int ni = query_find(nets, n_nets, rec->att[m].net);
			json_t *e = json_pack("{s:s, s:s, s:s, s:o}", "network", rec->att[m].net, "ifname", rec->att[m].ifname,
					      "host_ifname", rec->att[m].host_ifname, "addresses",
					      ni < 0 ? json_array() : query_addrs(&leases[ni], name, rec->att[m].ifname));

			if (e && limit_any(&rec->att[m].limit))
				json_object_set_new(e, "limit", limit_to_json(&rec->att[m].limit, true));
			json_array_append_new(atts, e);
		}
		j = json_pack("{s:s, s:b, s:b, s:o}", "name", name, "managed", rec && rec->managed,
			      "exists", k < n_kns || (rec && rec_namespace_alive(rec)), "attachments", atts);
		if (j && rec && rec->cid[0])
			json_object_set_new(j, "cni", json_pack("{s:s, s:s}", "container_id", rec->cid, "netns",
								 rec->netns_path));
		json_array_append_new(jnss, j);
	}
	{
		struct nsnet_vip **vips = NULL;
		struct nsnet_port *ports = NULL;
		int nv = svc_vips_load(&op, &vips, err), np = nv < 0 ? 0 : svc_ports_load(&op, &ports, err);
		json_t *jv = json_array(), *jp = json_array();

		for (int i = 0; i < nv; i++)
			json_array_append_new(jv, vip_to_json(vips[i]));
		for (int i = 0; i < np; i++)
			json_array_append_new(jp, port_to_json(&ports[i]));
		svc_vips_free(vips, nv);
		free(ports);
		if (nv < 0 || np < 0) {
			json_decref(jv);
			json_decref(jp);
			r = nv < 0 ? nv : np;
			goto out;
		}
		root = json_pack("{s:s, s:O, s:O, s:o, s:o, s:o}", "backend", op.fw->name, "networks", jnets,
				 "namespaces", jnss, "vips", jv, "ports", jp, "pools", query_pools(&op));
	}
	if (root && op.n_broken) {
		json_t *jb = json_array();

		for (int i = 0; i < op.n_broken && i < OP_MAX_BROKEN; i++)
			json_array_append_new(jb, json_string(op.broken[i]));
		json_object_set_new(root, "broken", jb);
	}
	if (!root)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	*out = root;
out:
	for (int i = 0; leases && i < n_nets; i++)
		leases_free(&leases[i]);
	free(leases);
	free(nets);
	free(nss);
	netns_list_free(kernel_ns, n_kns);
	json_decref(jnets);
	json_decref(jnss);
	op_end(&op);
	return r;
}
