// SPDX-License-Identifier: MIT
// The index of attachment ends: which record holds a host-end name, which a guest MAC of a network.
#include "core/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attach.h"

/*
 * Theory of operation
 *
 * Choosing an attachment's host-end name and guest MAC (attach_names() in core/attach.c) must rule
 * out every name an attachment record holds and every MAC an attachment of the same network has.
 * Reading every namespace record for that makes an attach O(n). Instead these records index them:
 *
 *   ends/HOST.json      {"namespace": NS, "network": NET}   host end HOST (global: link names are)
 *   ends/NET/MAC.json   {"namespace": NS}                   guest MAC (12 hex digits) on network NET
 *   ends/complete.json  {"version": 1}                      the index covers every attachment
 *
 * An attach reads the (at most two) entries of each candidate and the record of the namespace an
 * entry names, writes its own two entries; a detach removes its own. The records stay the truth:
 * an entry counts only if the namespace record it names still holds that name or MAC, so a stale
 * entry (a record gc removed) costs nothing but a read, and an unreadable one counts as taken.
 * Every write is journaled (op_state_put/op_state_del), undone with the rest of the operation.
 *
 * State dirs from before the index have no "complete" marker: attach_names() then reads every
 * record as it did, and that attach writes the entries of every attachment and the marker (one
 * linear pass, once). check reports an entry that is missing or wrong and one no attachment holds;
 * gc writes or removes them (rec_ends_sync()).
 */

#define ENDS_MARK "complete"

static void ends_mac_kind(const char *net, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", STATE_ENDS, net);
}

static void ends_mac_name(const unsigned char *mac, char out[13])
{
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

bool rec_ends_indexed(struct op *op)
{
	return state_has(&op->st, STATE_ENDS, ENDS_MARK);
}

/* Does namespace @owner's record hold an attachment to @net with host end @host (else guest MAC @mac)? */
static bool ends_held(struct op *op, const char *owner, const char *net, const char *host, const unsigned char *mac)
{
	struct nsnet_namespace *ns = malloc(sizeof(*ns));
	unsigned char m[6];
	bool held = false;
	int r;

	if (!ns)
		return true;
	if ((r = names_check("namespace", owner, NULL)) == 0)
		r = rec_namespace_load(op, owner, ns, NULL);
	if (r < 0) {
		free(ns);
		return r != -ENOENT && r != -EINVAL;	/* unreadable: counts as held */
	}
	for (size_t a = 0; a < ns->n_att && !held; a++) {
		if (strcmp(ns->att[a].net, net))
			continue;
		if (host) {
			held = !strcmp(ns->att[a].host_ifname, host);
		} else {
			attach_mac(ns->name, &ns->att[a], m);
			held = !memcmp(m, mac, 6);
		}
	}
	free(ns);
	return held;
}

/* Entry @kind/@name's "namespace" (and "network" if @net): 0, -ENOENT, or -EBADMSG. */
static int ends_entry(struct op *op, const char *kind, const char *name, char *owner, char *net)
{
	const char *o, *n = NULL;
	json_t *j;
	int r;

	if ((r = state_read(&op->st, kind, name, &j, NULL)) < 0)
		return r == -ENOENT ? r : -EBADMSG;
	o = json_string_value(json_object_get(j, "namespace"));
	if (net)
		n = json_string_value(json_object_get(j, "network"));
	r = o && strlen(o) <= NSNET_NAME_MAX && (!net || (n && strlen(n) <= NSNET_NAME_MAX)) ? 0 : -EBADMSG;
	if (r == 0) {
		snprintf(owner, NSNET_NAME_MAX + 1, "%s", o);
		if (net)
			snprintf(net, NSNET_NAME_MAX + 1, "%s", n);
	}
	json_decref(j);
	return r;
}

bool rec_ends_taken(struct op *op, const char *ns, const char *net, const char *host, const unsigned char *mac)
{
	char owner[NSNET_NAME_MAX + 1], onet[NSNET_NAME_MAX + 1], kind[NSNET_NAME_MAX + 16], m[13];
	int r;

	if ((r = ends_entry(op, STATE_ENDS, host, owner, onet)) == -EBADMSG ||
	    (r == 0 && ends_held(op, owner, onet, host, NULL)))
		return true;
	ends_mac_kind(net, kind, sizeof(kind));
	ends_mac_name(mac, m);
	if ((r = ends_entry(op, kind, m, owner, NULL)) == -EBADMSG)
		return true;
	return r == 0 && strcmp(owner, ns) && ends_held(op, owner, net, NULL, mac);
}

/* Write the two entries of attachment @att of namespace @ns. */
static int ends_put(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16], m[13];
	unsigned char mac[6];
	json_t *j = json_pack("{s:s, s:s}", "namespace", ns, "network", att->net);
	int r;

	if (!j)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, STATE_ENDS, att->host_ifname, j, err);
	json_decref(j);
	if (r < 0)
		return r;
	attach_mac(ns, att, mac);
	ends_mac_kind(att->net, kind, sizeof(kind));
	ends_mac_name(mac, m);
	if (!(j = json_pack("{s:s}", "namespace", ns)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, kind, m, j, err);
	json_decref(j);
	return r;
}

int rec_ends_add(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	json_t *j;
	int n, r = 0;

	if (op->opts->dry_run)
		return 0;
	if (!rec_ends_indexed(op)) {
		/* The first attach since the index exists: index every attachment recorded, once. */
		if ((n = rec_namespaces_load(op, &nss, NULL)) < 0)
			return 0;	/* an unreadable record: stay unindexed (check reports it) */
		for (int i = 0; i < n && r == 0; i++)
			for (size_t a = 0; a < nss[i].n_att && r == 0; a++)
				r = ends_put(op, nss[i].name, &nss[i].att[a], err);
		free(nss);
		if (r < 0)
			return r;
		if (!(j = json_pack("{s:i}", "version", 1)))
			return nsnet_err_set(err, ENOMEM, "out of memory");
		r = op_state_put(op, STATE_ENDS, ENDS_MARK, j, err);
		json_decref(j);
		if (r < 0)
			return r;
	}
	return ends_put(op, ns, att, err);
}

int rec_ends_forget(struct op *op, struct nsnet_err *err)
{
	if (op->opts->dry_run || !rec_ends_indexed(op))
		return 0;
	return op_state_del(op, STATE_ENDS, ENDS_MARK, err);
}

int rec_ends_del(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err)
{
	char owner[NSNET_NAME_MAX + 1], onet[NSNET_NAME_MAX + 1], kind[NSNET_NAME_MAX + 16], m[13];
	unsigned char mac[6];
	int r;

	if (op->opts->dry_run)
		return 0;
	if (ends_entry(op, STATE_ENDS, att->host_ifname, owner, onet) == 0 && !strcmp(owner, ns) &&
	    !strcmp(onet, att->net) && (r = op_state_del(op, STATE_ENDS, att->host_ifname, err)) < 0)
		return r;
	attach_mac(ns, att, mac);
	ends_mac_kind(att->net, kind, sizeof(kind));
	ends_mac_name(mac, m);
	if (ends_entry(op, kind, m, owner, NULL) == 0 && !strcmp(owner, ns) && (r = op_state_del(op, kind, m, err)) < 0)
		return r;
	state_kind_rmdir(&op->st, kind);	/* fine to fail: other MACs of the network are there */
	return 0;
}

/* The entries the records call for, "HOST" and "NET/MAC", each with its owner; sorted by key. */
struct ends_want {
	char key[NSNET_NAME_MAX + 16];
	const char *ns, *net;
};

static int ends_want_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ends_want *)a)->key, ((const struct ends_want *)b)->key);
}

static const struct ends_want *ends_want_find(const struct ends_want *w, size_t n, const char *key)
{
	struct ends_want k;

	snprintf(k.key, sizeof(k.key), "%s", key);
	return bsearch(&k, w, n, sizeof(*w), ends_want_cmp);
}

/* One entry @kind/@name that no attachment holds: report it, or (gc) remove it. */
static int ends_stale(struct op *op, bool repair, struct nsnet_findings *fs, const char *kind, const char *name,
		      struct nsnet_err *err)
{
	findings_add(fs, "end-index-stale", NULL, "state", NULL, repair ? "record %s/%s: no attachment holds it: removing it" :
		     "record %s/%s: no attachment holds it (nsnet gc removes it)", kind, name);
	return repair ? op_state_del(op, kind, name, err) : 0;
}

int rec_ends_sync(struct op *op, const struct nsnet_namespace *nss, int n, bool repair, struct nsnet_findings *fs,
		  struct nsnet_err *err)
{
	char owner[NSNET_NAME_MAX + 1], onet[NSNET_NAME_MAX + 1], kind[NSNET_NAME_MAX + 16], m[13], key[NSNET_NAME_MAX + 32];
	struct ends_want *w;
	char **names = NULL, **nets = NULL;
	size_t nw = 0, cap = 0;
	int fixes = 0, nn = 0, nk = 0, r = 0;

	if (!rec_ends_indexed(op))
		return 0;
	for (int i = 0; i < n; i++)
		cap += 2 * nss[i].n_att;
	if (!(w = calloc(cap + 1, sizeof(*w))))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		for (size_t a = 0; a < nss[i].n_att; a++) {
			unsigned char mac[6];

			attach_mac(nss[i].name, &nss[i].att[a], mac);
			ends_mac_name(mac, m);
			snprintf(w[nw].key, sizeof(w[nw].key), "%s", nss[i].att[a].host_ifname);
			w[nw].ns = nss[i].name;
			w[nw++].net = nss[i].att[a].net;
			snprintf(w[nw].key, sizeof(w[nw].key), "%s/%s", nss[i].att[a].net, m);
			w[nw].ns = nss[i].name;
			w[nw++].net = NULL;
		}
	}
	qsort(w, nw, sizeof(*w), ends_want_cmp);
	/* Every attachment has its entries. */
	for (size_t i = 0; i < nw && r == 0; i++) {
		const char *slash = strchr(w[i].key, '/');
		bool ok;

		if (w[i].net) {
			ok = ends_entry(op, STATE_ENDS, w[i].key, owner, onet) == 0 && !strcmp(owner, w[i].ns) &&
			     !strcmp(onet, w[i].net);
			snprintf(kind, sizeof(kind), "%s", STATE_ENDS);
			snprintf(m, sizeof(m), "%s", "");
		} else {
			snprintf(kind, sizeof(kind), "%s/%.*s", STATE_ENDS, (int)(slash - w[i].key), w[i].key);
			ok = ends_entry(op, kind, slash + 1, owner, NULL) == 0 && !strcmp(owner, w[i].ns);
		}
		if (ok)
			continue;
		fixes++;
		findings_add(fs, "end-index-missing", NULL, "state", NULL,
			     repair ? "record %s/%s: missing or not namespace %s's: writing it" :
				      "record %s/%s: missing or not namespace %s's (nsnet gc writes it)",
			     kind, w[i].net ? w[i].key : slash + 1, w[i].ns);
		if (repair) {
			json_t *j = w[i].net ? json_pack("{s:s, s:s}", "namespace", w[i].ns, "network", w[i].net) :
					       json_pack("{s:s}", "namespace", w[i].ns);

			r = op_state_put(op, kind, w[i].net ? w[i].key : slash + 1, j, err);
			json_decref(j);
		}
	}
	/* No entry that no attachment holds. */
	if (r == 0 && (nn = state_names(&op->st, STATE_ENDS, &names, err)) < 0)
		r = nn;
	for (int i = 0; i < nn && r == 0; i++) {
		const struct ends_want *f = ends_want_find(w, nw, names[i]);

		if (strcmp(names[i], ENDS_MARK) && (!f || !f->net) && (fixes++, 1))
			r = ends_stale(op, repair, fs, STATE_ENDS, names[i], err);
	}
	if (r == 0 && (nk = state_subkinds(&op->st, STATE_ENDS, &nets, err)) < 0)
		r = nk;
	for (int k = 0; k < nk && r == 0; k++) {
		char **macs;
		int nm;

		ends_mac_kind(nets[k], kind, sizeof(kind));
		if ((nm = state_names(&op->st, kind, &macs, err)) < 0) {
			r = nm;
			break;
		}
		for (int i = 0; i < nm && r == 0; i++) {
			snprintf(key, sizeof(key), "%s/%s", nets[k], macs[i]);
			if (!ends_want_find(w, nw, key) && (fixes++, 1))
				r = ends_stale(op, repair, fs, kind, macs[i], err);
		}
		state_names_free(macs, nm);
		if (repair && r == 0)
			state_kind_rmdir(&op->st, kind);
	}
	state_names_free(names, nn > 0 ? nn : 0);
	state_names_free(nets, nk > 0 ? nk : 0);
	free(w);
	return r < 0 ? r : fixes;
}
