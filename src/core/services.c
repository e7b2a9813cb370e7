// SPDX-License-Identifier: MIT
// What VIPs and published ports share: loading their records, ids, the table's first and last object, detach.
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "kernel/netns.h"

/*
 * Could record text @text name namespace @ns? A record that does holds the JSON string "NS"; names
 * have no character JSON escapes, so only a record with an escape (a backslash: not one nsnet
 * writes) could spell it otherwise, and such a record is parsed too.
 */
static bool svc_text_mentions(const char *text, const char *ns)
{
	char quoted[NSNET_NAME_MAX + 3];

	snprintf(quoted, sizeof(quoted), "\"%s\"", ns);
	return strstr(text, quoted) || strchr(text, '\\');
}

/*
 * Load the records of @kind whose name ends with @suffix (NULL: all): with it, a caller that
 * looks for one (protocol, port) reads the few records of that port, not every one (their names
 * are "PROTO-ADDRESS-PORT", model/service.h). With @ns, only the records that may name namespace
 * @ns are parsed (svc_text_mentions()): removing a namespace reads every VIP's record, and parsing
 * 10,000 of them cost 0.6 s of CPU per `ns rm`.
 */
static int svc_load_all(struct op *op, const char *kind, const char *suffix, const char *ns, size_t size,
			void **out, int (*parse)(const json_t *, void *, struct nsnet_err *),
			void (*drop)(void *, int), struct nsnet_err *err)
{
	char **names;
	char *v = NULL;
	int n = state_names(&op->st, kind, &names, err), k = 0, r = 0;
	size_t slen = suffix ? strlen(suffix) : 0;

	*out = NULL;
	if (n < 0)
		return n;
	/* Not zeroed: each parser sets what it fills, and nothing reads past the k records parsed. */
	if (n && !(v = malloc((size_t)n * size))) {
		state_names_free(names, n);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n && r == 0; i++) {
		size_t len = strlen(names[i]);
		json_t *j;

		if (suffix && (len < slen || strcmp(names[i] + len - slen, suffix)))
			continue;
		if (ns) {
			char *text;
			bool maybe;

			if ((r = state_read_text(&op->st, kind, names[i], &text, err)) == -ENOENT) {
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			maybe = svc_text_mentions(text, ns);
			free(text);
			if (!maybe)
				continue;
		}
		r = state_read(&op->st, kind, names[i], &j, err);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r == 0) {
			r = parse(j, v + (size_t)k * size, err);
			json_decref(j);
			if (r < 0)
				nsnet_err_prefix(err, "state record %s/%s", kind, names[i]);
			else
				k++;
		}
	}
	state_names_free(names, n);
	if (r < 0) {
		if (drop)
			drop(v, k);
		free(v);
		return r;
	}
	*out = v;
	return k;
}

/* A slot of the VIP loader's array is a pointer to a VIP holding just its backends. */
static int svc_vip_parse(const json_t *j, void *p, struct nsnet_err *err)
{
	return vip_from_json_new(j, p, err);
}

static void svc_vip_drop(void *v, int n)
{
	for (int i = 0; i < n; i++)
		free(((struct nsnet_vip **)v)[i]);
}

void svc_vips_free(struct nsnet_vip **v, int n)
{
	if (v)
		svc_vip_drop(v, n);
	free(v);
}

static int svc_port_parse(const json_t *j, void *p, struct nsnet_err *err)
{
	return port_from_json(j, p, err);
}

int svc_vips_load(struct op *op, struct nsnet_vip ***out, struct nsnet_err *err)
{
	return svc_load_all(op, STATE_VIPS, NULL, NULL, sizeof(**out), (void **)out, svc_vip_parse, svc_vip_drop, err);
}

int svc_ports_load(struct op *op, struct nsnet_port **out, struct nsnet_err *err)
{
	return svc_load_all(op, STATE_PORTS, NULL, NULL, sizeof(**out), (void **)out, svc_port_parse, NULL, err);
}

int svc_ports_load_port(struct op *op, uint16_t port, struct nsnet_port **out, struct nsnet_err *err)
{
	char suffix[16];

	snprintf(suffix, sizeof(suffix), "-%u", port);
	return svc_load_all(op, STATE_PORTS, suffix, NULL, sizeof(**out), (void **)out, svc_port_parse, NULL, err);
}

int svc_count(struct op *op, int limit, struct nsnet_err *err)
{
	int n = state_count(&op->st, STATE_VIPS, limit, err), m;

	if (n < 0)
		return n;
	if ((m = state_count(&op->st, STATE_PORTS, limit, err)) < 0)
		return m;
	return n + m;
}

int svc_ns_addr(struct op *op, const char *ns, const char *net, int family, struct nsnet_addr *out,
		char *net_out, struct nsnet_err *err)
{
	struct nsnet_namespace rec;
	int r = rec_namespace_load(op, ns, &rec, err);

	if ((r == -ENOENT && !netns_exists(ns)) || (r == 0 && !rec_namespace_alive(&rec)))
		return nsnet_err_set(err, ENOENT, "namespace %s does not exist", ns);
	if (r == -ENOENT)
		return nsnet_err_set(err, ENOENT, "namespace %s is on no nsnet network (attach it first)", ns);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rec.n_att; i++) {
		const struct nsnet_attachment *att = &rec.att[i];
		struct nsnet_leases l;

		if (net && strcmp(att->net, net))
			continue;
		/*
		 * The address the attachment records, if its lease says it holds it: one record read
		 * (a VIP's backends are often on different networks, and the network's whole lease
		 * folder was read for each). Else, or with older records, the leases are searched.
		 */
		for (size_t k = 0; k < att->n_addrs; k++)
			if (att->addr[k].family == family && rec_lease_held(op, att->net, &att->addr[k], ns, att->ifname)) {
				*out = att->addr[k];
				if (net_out)
					snprintf(net_out, NSNET_NAME_MAX + 1, "%s", att->net);
				return 0;
			}
		if ((r = rec_leases_load(op, rec.att[i].net, &l, err)) < 0)
			return r;
		for (size_t k = 0; k < l.n; k++) {
			if (l.v[k].addr.family != family || strcmp(l.v[k].owner, ns) ||
			    strcmp(l.v[k].ifname, rec.att[i].ifname))
				continue;
			*out = l.v[k].addr;
			if (net_out)
				snprintf(net_out, NSNET_NAME_MAX + 1, "%s", rec.att[i].net);
			leases_free(&l);
			return 0;
		}
		leases_free(&l);
	}
	if (net)
		return nsnet_err_set(err, ENOENT, "namespace %s has no %s address on network %s", ns,
				     family == AF_INET ? "IPv4" : "IPv6", net);
	return nsnet_err_set(err, ENOENT, "namespace %s has no %s address on any nsnet network", ns,
			     family == AF_INET ? "IPv4" : "IPv6");
}

int svc_next_id(struct op *op, const char *what, unsigned int *id, struct nsnet_err *err)
{
	json_t *j;
	int r = state_id_next(&op->st, what, !strcmp(what, "vip") ? STATE_VIPS : STATE_PORTS, id, err);

	if (r < 0)
		return r;
	j = json_pack("{s:I}", "next", (json_int_t)*id + 1);
	if (!j)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, STATE_IDS, what, j, err);
	json_decref(j);
	return r;
}

/*
 * The counts below list directories: the VIPs' one holds a file per VIP, and each listing of it
 * reads a 32 KiB page of names (0.05 ms warm, 0.5 ms cold at 10,000 VIPs), so it is only listed
 * when the answer depends on it: with a network the table exists whatever the services are.
 */
int svc_base_if_first(struct op *op, struct strbuf *out, struct nsnet_err *err)
{
	int nets = state_count(&op->st, STATE_NETWORKS, 1, err), svcs;

	if (nets != 0)
		return nets < 0 ? nets : 0;
	if ((svcs = svc_count(op, 1, err)) < 0)
		return svcs;
	if (svcs == 0)
		op->fw->base(out);
	return 0;
}

int svc_vip_shared(struct op *op, const struct nsnet_vip *v, struct strbuf *out, struct strbuf *undo,
		   struct nsnet_err *err)
{
	return op->fw->vip_shared ? op->fw->vip_shared(v, out, undo, err) : 0;
}

void svc_affinity_keep(struct op *op, struct nsnet_vip *was, struct nsnet_vip *now, struct strbuf *out)
{
	if (op->fw->affinity_keep && was->affinity && now->affinity)
		op->fw->affinity_keep(&was, &now, 1, out, NULL);
}

int svc_table_gone_if_last(struct op *op, const char *kind, int removing, struct strbuf *out,
			   struct nsnet_err *err)
{
	const char *other = !strcmp(kind, STATE_VIPS) ? STATE_PORTS : STATE_VIPS;
	int nets, same, svcs = 0, r;

	/* An add's undo never takes the table (svcs <= -1 cannot hold): nothing to count. */
	if (removing < 0)
		return 0;
	if ((nets = state_count(&op->st, STATE_NETWORKS, 1, err)) < 0)
		return nets;
	if ((same = state_count(&op->st, kind, 2, err)) < 0)
		return same;
	/* The same sum as svc_count(op, 2), the records of @kind counted once. */
	if (nets == 0 && (svcs = state_count(&op->st, other, 2, err)) < 0)
		return svcs;
	svcs += same;
	if (removing > 0 && same <= 1 &&
	    (r = op_state_del(op, STATE_IDS, !strcmp(kind, STATE_VIPS) ? "vip" : "port", err)) < 0)
		return r;
	if (nets == 0 && svcs <= removing) {
		op->fw->teardown(out);
		return 1;
	}
	return 0;
}

/* UDP flows of VIP @v still pinned to backends of namespace @ns. */
static void vip_flush_gone_ns(struct op *op, const struct nsnet_vip *v, const char *ns)
{
	struct nsnet_vip rest;
	size_t k = 0;

	vip_copy(&rest, v);
	for (size_t b = 0; b < v->n_backends; b++)
		if (strcmp(v->backend[b].ns, ns))
			rest.backend[k++] = v->backend[b];
	rest.n_backends = k;
	if (k != v->n_backends)
		vip_flush_removed(op, v, &rest);
}

int svc_forget(struct op *op, const char *ns, const char *net, struct nsnet_err *err)
{
	struct strbuf change = { 0 }, undo = { 0 }, undo_tail = { 0 };
	struct nsnet_vip **vips = NULL, *v = NULL;
	struct nsnet_port *ports = NULL;
	int nv = 0, np = 0, r = 0;
	char key[NSNET_KEY_MAX];
	struct nsnet_network network;
	bool any = false, only_ports = false;
	size_t n_gone = 0;

	if (net && (r = rec_network_load(op, net, &network, err)) < 0)
		return r;
	/* Only the records that may name @ns: the others keep their backends and ports. */
	if ((nv = svc_load_all(op, STATE_VIPS, NULL, ns, sizeof(*vips), (void **)&vips, svc_vip_parse, svc_vip_drop,
			       err)) < 0 ||
	    (np = svc_load_all(op, STATE_PORTS, NULL, ns, sizeof(*ports), (void **)&ports, svc_port_parse, NULL,
			       err)) < 0) {
		r = nv < 0 ? nv : np;
		nv = np = 0;
		goto out;
	}
	for (int i = 0; i < np && r == 0; i++) {
		if (strcmp(ports[i].ns, ns) || (net && strcmp(ports[i].net, net)))
			continue;
		op->fw->port_del(&ports[i], &change);
		op->fw->port_add(&ports[i], &undo);
		port_key(&ports[i], key);
		r = op_state_del(op, STATE_PORTS, key, err);
		ports[n_gone++] = ports[i];	/* the ports going, first in the array */
		any = true;
	}
	only_ports = n_gone > 0;
	/* The VIP as it stays: a whole one, since the loaded ones hold just their backends. */
	if (nv > 0 && !(v = malloc(sizeof(*v)))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < nv && r == 0; i++) {
		size_t k = 0;

		vip_copy(v, vips[i]);
		for (size_t b = 0; b < v->n_backends; b++) {
			bool gone = !strcmp(v->backend[b].ns, ns);

			if (gone && net) {
				size_t idx;
				const struct nsnet_prefix *sub = network_subnet(&network, v->backend[b].ep.addr.family, &idx);

				gone = sub && nsnet_prefix_contains(sub, &v->backend[b].ep.addr);
			}
			if (!gone)
				v->backend[k++] = v->backend[b];
		}
		if (k == v->n_backends)
			continue;
		v->n_backends = k;
		if ((r = svc_vip_shared(op, v, &change, &undo_tail, err)) < 0)
			break;
		op->fw->vip_del(vips[i], &change);
		op->fw->vip_add(v, &change);
		op->fw->vip_del(v, &undo);
		op->fw->vip_add(vips[i], &undo);
		svc_affinity_keep(op, vips[i], v, &change);
		vip_key(v, key);
		json_t *j = vip_to_json(v);

		r = j ? op_state_put(op, STATE_VIPS, key, j, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(j);
		any = true;
		only_ports = false;
	}
	/* The pick chains this text makes go after every VIP's elements that jump there. */
	strbuf_printf(&undo, "%s", strbuf_str(&undo_tail));
	if (r == 0 && any) {
		/* Undone with the rest if the detach fails later (say, deleting the veth). */
		if (change.oom || undo.oom)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
		else if (only_ports)	/* a container going with its ports: one libnftnl batch with nft */
			r = op_fw_ports_del(op, strbuf_str(&change), strbuf_str(&undo), ports, n_gone, err);
		else
			r = op_fw(op, strbuf_str(&change), strbuf_str(&undo), false, err);
	}
	/* Each network whose last port needing route_localnet went: off again on its bridge. */
	for (size_t i = 0; r == 0 && i < n_gone; i++) {
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(ports[k].net, ports[i].net) && port_localnet(&ports[k]);
		if (!seen && port_localnet(&ports[i]))
			r = port_localnet_release(op, ports[i].net, ports, n_gone, err);
	}
	for (int i = 0; r == 0 && i < nv; i++)
		if (vips[i]->proto == IPPROTO_UDP)
			vip_flush_gone_ns(op, vips[i], ns);
out:
	free(v);
	svc_vips_free(vips, nv);
	free(ports);
	strbuf_free(&change);
	strbuf_free(&undo);
	strbuf_free(&undo_tail);
	return r;
}
