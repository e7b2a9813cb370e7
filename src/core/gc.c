// SPDX-License-Identifier: MIT
// nsnet gc: find what interrupted operations left behind and remove it, by nsnet's own marks.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/attach.h"
#include "core/core.h"
#include "core/drivers/drivers.h"
#include "core/dns.h"
#include "core/overlay.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "firewall/guard.h"
#include "kernel/link.h"
#include "kernel/netns.h"

static bool gc_ns_has_att(const struct nsnet_namespace *nss, int n, const char *owner, const char *net,
			  const char *ifname)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(nss[i].name, owner))
			continue;
		for (size_t k = 0; k < nss[i].n_att; k++)
			if (!strcmp(nss[i].att[k].net, net) && !strcmp(nss[i].att[k].ifname, ifname))
				return true;
	}
	return false;
}

/*
 * Move every "add element" line after all the others, and merge those of one set into one
 * command ("add element inet nsnet svc4 { A, B, ... }", sets in the order they first appear).
 * Adding a verdict-map element makes the kernel check the chains it jumps to, so with the chains
 * and rules all in place first a full rebuild of 10,000 VIPs loads in about half the time; and
 * libnftables spends most of a rebuild on per-command work (parse, evaluation, cache lookups),
 * which the merge pays once per set instead of once per element (bench/vip, bench/README.md).
 */
static int gc_elements_last(struct strbuf *fw, struct nsnet_err *err)
{
	enum { MAX_SETS = 128 };
	struct strbuf out = { 0 };
	const char *set[MAX_SETS];	/* "add element FAMILY TABLE SET " of each set, first appearance */
	size_t set_len[MAX_SETS], n_sets = 0;
	bool merge = true;

	for (const char *p = strbuf_str(fw); *p;) {
		size_t len = strcspn(p, "\n");
		const char *brace = memchr(p, '{', len);
		size_t k;

		if (strncmp(p, "add element ", 12)) {
			strbuf_printf(&out, "%.*s\n", (int)len, p);
		} else if (!brace || p[len - 1] != '}' || len < (size_t)(brace - p) + 4) {
			merge = false;	/* a form this does not know: keep every line as it is */
		} else {
			for (k = 0; k < n_sets && (set_len[k] != (size_t)(brace - p) || strncmp(set[k], p, set_len[k])); k++)
				;
			if (k == n_sets && n_sets < MAX_SETS) {
				set[n_sets] = p;
				set_len[n_sets++] = (size_t)(brace - p);
			} else if (k == n_sets) {
				merge = false;
			}
		}
		p += len + (p[len] == '\n');
	}
	for (size_t k = 0; merge && k < n_sets; k++) {
		bool first = true;

		for (const char *p = set[k]; *p;) {
			size_t len = strcspn(p, "\n");

			if (len > set_len[k] && !strncmp(p, set[k], set_len[k]) && p[set_len[k]] == '{') {
				if (first)
					strbuf_printf(&out, "%.*s{ ", (int)set_len[k], set[k]);
				else
					strbuf_printf(&out, ", ");
				/* What is between "{ " and " }". */
				strbuf_printf(&out, "%.*s", (int)(len - set_len[k] - 4), p + set_len[k] + 2);
				first = false;
			}
			p += len + (p[len] == '\n');
		}
		strbuf_printf(&out, " }\n");
	}
	for (const char *p = strbuf_str(fw); !merge && *p;) {
		size_t len = strcspn(p, "\n");

		if (!strncmp(p, "add element ", 12))
			strbuf_printf(&out, "%.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
	if (out.oom) {
		strbuf_free(&out);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	strbuf_free(fw);
	*fw = out;
	return 0;
}

/* The anti-spoofing table rebuilt: every recorded attachment's port, MAC and leased addresses. */
static int gc_guard(struct op *op, const struct nsnet_namespace *nss, int n_ns, const struct link_list *links,
		    struct strbuf *fw, struct nsnet_err *err)
{
	strbuf_printf(fw, "add table bridge %s\ndelete table bridge %s\n", NSNET_NFT_TABLE, NSNET_NFT_TABLE);
	fw_guard_table(fw);
	for (int i = 0; i < n_ns; i++) {
		for (size_t k = 0; k < nss[i].n_att; k++) {
			const struct nsnet_attachment *a = &nss[i].att[k];
			struct nsnet_addr addrs[NSNET_MAX_SUBNETS];
			struct fw_guard_port port = { .ifname = a->host_ifname, .addrs = addrs };
			struct nsnet_leases l;
			int r;

			const struct net_driver *drv;
			struct nsnet_network net;

			if (!link_list_find(links, a->host_ifname))
				continue;	/* no port, nothing to guard (check reports the missing veth) */
			/* A routed network's host ends are no bridge ports: its own rules guard them. */
			if (rec_network_load(op, a->net, &net, NULL) == 0 && net_driver_of(&net, &drv, NULL) == 0 &&
			    !drv->bridge_guard)
				continue;
			if ((r = rec_leases_load(op, a->net, &l, err)) < 0)
				return r;
			attach_mac(nss[i].name, a, port.mac);
			for (size_t m = 0; m < l.n && port.n_addrs < NSNET_MAX_SUBNETS; m++)
				if (!strcmp(l.v[m].owner, nss[i].name) && !strcmp(l.v[m].ifname, a->ifname))
					addrs[port.n_addrs++] = l.v[m].addr;
			leases_free(&l);
			fw_guard_text(&port, true, fw);
		}
	}
	return 0;
}

static bool gc_ns_known(const struct nsnet_namespace *nss, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(nss[i].name, name))
			return true;
	return false;
}

/*
 * Move the unreadable record @what ("KIND/NAME") to quarantine/KIND-NAME-TIME.json, reported. Its
 * kernel objects are left to the rest of gc (which removes only what carries nsnet's marks): a
 * record that cannot be read proves nothing. Returns 1 (moved or, in dry-run mode, would be).
 */
static int gc_quarantine(struct op *op, struct nsnet_findings *fs, const char *what)
{
	char from[PATH_MAX + 64], to[PATH_MAX + 128], dir[PATH_MAX + 32], flat[NAME_MAX + 16];
	const char *slash = strchr(what, '/');

	snprintf(flat, sizeof(flat), "%s", what);
	for (char *c = flat; slash && *c; c++)
		if (*c == '/')
			*c = '-';	/* leases/NET/ADDR too */
	snprintf(from, sizeof(from), "%s/%s.json", op->st.dir, what);
	snprintf(dir, sizeof(dir), "%s/%s", op->st.dir, STATE_QUARANTINE);
	snprintf(to, sizeof(to), "%s/%s-%lld.json", dir, flat, (long long)time(NULL));
	if (op->opts->dry_run) {
		findings_add(fs, "record-broken", NULL, what, NULL, "record %s cannot be read: would move it to %s/",
			     what, STATE_QUARANTINE);
		return 1;
	}
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || rename(from, to) < 0) {
		findings_add(fs, "record-broken", "error", what, NULL, "record %s cannot be read and cannot be moved aside: %s",
			     what, strerror(errno));
		return 0;
	}
	state_cache_drop(&op->st);	/* moved behind the store's back */
	findings_add(fs, "record-broken", NULL, what, NULL, "record %s cannot be read: moved to %s/%s", what,
		     STATE_QUARANTINE, strrchr(to, '/') + 1);
	return 1;
}

/*
 * The elements of the VIPs without affinity, which the rebuild's text left out: one batch right
 * after it (the backend's vips_load()), echoed as the text they stand for. Between the two
 * commits those VIPs do not answer; an interrupted gc leaves them out, which check reports and
 * the next gc repairs.
 */
static int gc_vips_load(struct op *op, struct nsnet_vip *const *vips, int n_v, struct nsnet_err *err)
{
	struct strbuf text = { 0 };
	int r = 0;

	if (op->opts->dry_run || op->opts->verbose > 0) {
		for (int i = 0; i < n_v; i++)
			if (!vips[i]->affinity)
				op->fw->vip_add(vips[i], &text);
		if (text.oom)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
		else if (text.len)
			r = gc_elements_last(&text, err);
		for (const char *p = strbuf_str(&text); r >= 0 && *p;) {
			size_t len = strcspn(p, "\n");

			op_echo(op, "nft '%.*s'", (int)len, p);
			p += len + (p[len] == '\n');
		}
		strbuf_free(&text);
	}
	if (r < 0 || op->opts->dry_run)
		return r;
	return op->fw->vips_load(vips, (size_t)n_v, err);
}

int core_gc(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err)
{
	struct nsnet_network *nets = NULL;
	struct nsnet_namespace *nss = NULL;
	struct link_list links = { 0 };
	struct strbuf fw = { 0 };
	char **lease_nets = NULL;
	struct nsnet_vip **vips = NULL;
	struct nsnet_port *ports = NULL;
	int n_nets = 0, n_ns = 0, n_ln = 0, n_v = 0, n_p = 0, r, repairs = 0;
	char mark[OP_MARK_MAX] = "";
	bool foreign = false;	/* links of another state dir exist */
	struct nl *nl;
	struct op op;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	if (op.replayed) {
		findings_add(fs, "journal-rolled-back", NULL, "journal", NULL,
			     "rolled back %d interrupted operation(s)", op.replayed);
		repairs += op.replayed;
	}
	if ((r = state_sweep_tmp(&op.st)) > 0) {
		findings_add(fs, "tmp-file-removed", NULL, "state", NULL,
			     "removed %d temporary file(s) of interrupted record writes", r);
		repairs += r;
	}
	op.skip_broken = true;
	if ((n_nets = rec_networks_load(&op, &nets, err)) < 0 || (n_ns = rec_namespaces_load(&op, &nss, err)) < 0) {
		r = n_nets < 0 ? n_nets : n_ns;
		n_nets = n_ns = 0;
		goto out;
	}
	for (int i = 0; i < op.n_broken && i < OP_MAX_BROKEN; i++)
		repairs += gc_quarantine(&op, fs, op.broken[i]);

	if ((r = op_nl(&op, NULL, &nl, err)) < 0 || (r = link_list_dump(nl, &links, err)) < 0)
		goto out;

	/*
	 * 1. Records of namespaces that no longer exist. A CNI sandbox's path may stop leading to its
	 * namespace while the namespace lives on (the runtime's process exited, a bind mount elsewhere
	 * holds it): its host veth, which dies with the namespace, says it is still there.
	 */
	for (int i = 0; i < n_ns; i++) {
		char dir[PATH_MAX], file[PATH_MAX + 16], obj[NSNET_NAME_MAX + 16];

		if (rec_namespace_alive(&nss[i]) ||
		    (nss[i].cid[0] && nss[i].n_att && link_list_find(&links, nss[i].att[0].host_ifname)))
			continue;
		snprintf(obj, sizeof(obj), "namespace/%s", nss[i].name);
		if (nss[i].cid[0])
			findings_add(fs, "namespace-gone", NULL, obj, NULL,
				     "CNI container %s (%s): its namespace %s is gone: removing its record", nss[i].cid,
				     nss[i].n_att ? nss[i].att[0].ifname : "?", nss[i].netns_path);
		else
			findings_add(fs, "namespace-gone", NULL, obj, NULL, "namespace %s is gone: removing its record",
				     nss[i].name);
		if (nss[i].managed) {
			/* A file an interrupted removal left, if any; never a namespace that replaced ours. */
			if (!netns_exists(nss[i].name))
				netns_del(nss[i].name, NULL);
			snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, nss[i].name);
			snprintf(file, sizeof(file), "%s/resolv.conf", dir);
			op_file_del(&op, dir, file, NULL);
		}
		if ((r = op_state_del(&op, STATE_NAMESPACES, nss[i].name, err)) < 0)
			goto out;
		nss[i--] = nss[--n_ns];
		repairs++;
	}

	/* The index of attachment ends (core/ends.c): entries the records call for, none other. */
	if ((r = rec_ends_sync(&op, nss, n_ns, true, fs, err)) < 0)
		goto out;
	repairs += r;

	/* 2. Leases nobody holds, and lease records of networks that are gone. */
	if ((n_ln = rec_lease_nets(&op, &lease_nets, err)) < 0) {
		r = n_ln;
		n_ln = 0;
		goto out;
	}
	for (int i = 0; i < n_ln; i++) {
		struct nsnet_network net;
		struct nsnet_leases l;
		size_t k, kept = 0;
		char buf[INET6_ADDRSTRLEN], obj[NSNET_NAME_MAX + INET6_ADDRSTRLEN + 16];
		int broken;

		if (rec_network_load(&op, lease_nets[i], &net, NULL) < 0) {
			snprintf(obj, sizeof(obj), "network/%s", lease_nets[i]);
			findings_add(fs, "leases-orphan", NULL, obj, NULL, "network %s is gone: removing its leases",
				     lease_nets[i]);
			if ((r = rec_leases_put(&op, lease_nets[i], &(struct nsnet_leases){ 0 }, err)) < 0 ||
			    (r = rec_leases_tidy(&op, lease_nets[i], err)) < 0)
				goto out;
			repairs++;
			continue;
		}
		broken = op.n_broken;
		r = rec_leases_load(&op, lease_nets[i], &l, err);
		/* Unreadable lease records of the folder (listed, skipped): moved aside one by one. */
		for (int b = broken; b < op.n_broken && b < OP_MAX_BROKEN; b++)
			repairs += gc_quarantine(&op, fs, op.broken[b]);
		if (r == -EBADMSG) {
			snprintf(obj, sizeof(obj), "%s/%s", STATE_LEASES, lease_nets[i]);
			repairs += gc_quarantine(&op, fs, obj);
			r = 0;
			continue;
		}
		if (r < 0)
			goto out;
		for (k = 0; k < l.n; k++) {
			if (gc_ns_has_att(nss, n_ns, l.v[k].owner, lease_nets[i], l.v[k].ifname)) {
				l.v[kept++] = l.v[k];
				continue;
			}
			snprintf(obj, sizeof(obj), "lease/%s/%s", lease_nets[i], nsnet_addr_str(&l.v[k].addr, buf));
			findings_add(fs, "lease-orphan", NULL, obj, NULL, "releasing lease %s on %s held by missing %s/%s",
				     buf, lease_nets[i], l.v[k].owner, l.v[k].ifname);
			repairs++;
		}
		if (kept != l.n) {
			l.n = kept;
			r = rec_leases_put(&op, lease_nets[i], &l, err);
		}
		leases_free(&l);
		if (r < 0)
			goto out;
	}

	/*
	 * 3. Links carrying this state dir's mark that no record owns. A name alone proves nothing:
	 * an unmarked link is the host's or a user's, a link with another mark another state dir's.
	 */
	if ((r = op_owner_mark(&op, false, mark, err)) < 0 && r != -ENOENT)
		goto out;
	for (size_t i = 0; i < links.n; i++) {
		const struct link_info *li = &links.v[i];
		enum op_link_owner who = op_link_owner(li, mark);
		char obj[IFNAMSIZ + 8];
		bool owned = false;

		foreign |= who == LINK_OTHER;
		/* Marked going: its deletion was left to the kernel or a child process; done here if not yet. */
		if (who != LINK_OURS && who != LINK_GOING)
			continue;
		for (int k = 0; k < n_ns && !owned; k++)
			for (size_t a = 0; a < nss[k].n_att; a++)
				owned |= !strcmp(nss[k].att[a].host_ifname, li->name);
		for (int k = 0; k < n_nets && !owned; k++)
			owned |= !strcmp(nets[k].bridge, li->name) || !strcmp(nets[k].ov.vxlan, li->name);
		if (owned)
			continue;
		snprintf(obj, sizeof(obj), "link/%s", li->name);
		findings_add(fs, "link-stray", NULL, obj, NULL, "removing link %s that no record owns", li->name);
		if ((r = op_link_del(&op, NULL, li->name, err)) < 0)
			goto out;
		repairs++;
	}

	/*
	 * 3b. A network whose own link is down, or gone with no other link in its name's place
	 * (deleted by hand): set up, or made again with its gateway addresses and each host end of
	 * it that still exists put back on it, with its hairpin mode (the driver's remake and
	 * rejoin; without them, as for vxlan, check keeps reporting it). The rules name the link, the
	 * anti-spoofing elements its ports' indexes, the namespaces route through its addresses:
	 * all of them work again as they were. The resolver, if it no longer answers, is seen to
	 * below.
	 */
	for (int i = 0; i < n_nets; i++) {
		const struct net_driver *drv;
		struct nsnet_err e = { 0 };
		char obj[NSNET_NAME_MAX + 16];
		int rc, back = 0;

		if (net_driver_of(&nets[i], &drv, NULL) < 0 || !drv->remake)
			continue;
		rc = drv->check(&nets[i], NULL, &links, &e);
		snprintf(obj, sizeof(obj), "network/%s", nets[i].name);
		if (rc == -ENETDOWN) {
			findings_add(fs, "bridge-down", NULL, obj, NULL, "network %s: %s was down: set up", nets[i].name,
				     nets[i].bridge);
			if ((r = op_link_up(&op, NULL, nets[i].bridge, err)) < 0)
				goto out;
			repairs++;
			continue;
		}
		if (rc != -ENOENT || link_list_find(&links, nets[i].bridge))
			continue;
		if ((r = drv->remake(&op, &nets[i], err)) < 0)
			goto out;
		for (int k = 0; drv->rejoin && k < n_ns; k++)
			for (size_t a = 0; a < nss[k].n_att; a++) {
				const struct nsnet_attachment *att = &nss[k].att[a];

				if (strcmp(att->net, nets[i].name) || !link_list_find(&links, att->host_ifname))
					continue;
				if ((r = drv->rejoin(&op, &nets[i], att->host_ifname, !att->no_hairpin, err)) < 0)
					goto out;
				back++;
			}
		findings_add(fs, "bridge-missing", NULL, obj, NULL, "network %s: %s was missing: made again, %d port(s) put back",
			     nets[i].name, nets[i].bridge, back);
		repairs++;
	}

	/* 4. Services of namespaces that are gone. */
	if ((n_v = svc_vips_load(&op, &vips, err)) < 0 || (n_p = svc_ports_load(&op, &ports, err)) < 0) {
		r = n_v < 0 ? n_v : n_p;
		n_v = n_v < 0 ? 0 : n_v;	/* the VIPs loaded, for svc_vips_free() */
		n_p = 0;
		goto out;
	}
	for (int i = 0; i < n_p; i++) {
		char key[NSNET_KEY_MAX], obj[32];

		if (gc_ns_known(nss, n_ns, ports[i].ns))
			continue;
		snprintf(obj, sizeof(obj), "port/%u", ports[i].id);
		findings_add(fs, "port-orphan", NULL, obj, NULL, "unpublishing port %u/%s of missing namespace %s",
			     ports[i].host_port, proto_name(ports[i].proto), ports[i].ns);
		port_key(&ports[i], key);
		if ((r = op_state_del(&op, STATE_PORTS, key, err)) < 0)
			goto out;
		ports[i--] = ports[--n_p];
		repairs++;
	}
	for (int i = 0; i < n_v; i++) {
		char key[NSNET_KEY_MAX], obj[32];
		size_t k = 0;
		json_t *j;

		for (size_t b = 0; b < vips[i]->n_backends; b++)
			if (!vips[i]->backend[b].ns[0] || gc_ns_known(nss, n_ns, vips[i]->backend[b].ns))
				vips[i]->backend[k++] = vips[i]->backend[b];
		if (k == vips[i]->n_backends)
			continue;
		snprintf(obj, sizeof(obj), "vip/%u", vips[i]->id);
		findings_add(fs, "vip-backend-orphan", NULL, obj, NULL,
			     "dropping %zu backend(s) of missing namespaces from VIP id %u", vips[i]->n_backends - k,
			     vips[i]->id);
		vips[i]->n_backends = k;
		vip_key(vips[i], key);
		j = vip_to_json(vips[i]);
		r = j ? op_state_put(&op, STATE_VIPS, key, j, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(j);
		if (r < 0)
			goto out;
		repairs++;
	}

	/* 5. Id counters ahead of every id in use, so a new VIP or port never takes a used chain name. */
	for (int kind = 0; kind < 2; kind++) {
		unsigned int max = 0;
		json_t *j = NULL;
		json_int_t next = 1;

		for (int i = 0; i < (kind ? n_p : n_v); i++) {
			unsigned int id = kind ? ports[i].id : vips[i]->id;

			max = id > max ? id : max;
		}
		if (state_read(&op.st, STATE_IDS, kind ? "port" : "vip", &j, NULL) == 0 &&
		    json_is_integer(json_object_get(j, "next")))
			next = json_integer_value(json_object_get(j, "next"));
		json_decref(j);
		if (max == 0 || next > (json_int_t)max)
			continue;
		findings_add(fs, "id-counter-behind", NULL, kind ? "ids/port" : "ids/vip", NULL,
			     "%s id counter was %lld, below id %u in use: set to %u", kind ? "port" : "VIP",
			     (long long)next, max, max + 1);
		j = json_pack("{s:I}", "next", (json_int_t)max + 1);
		r = j ? op_state_put(&op, STATE_IDS, kind ? "port" : "vip", j, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(j);
		if (r < 0)
			goto out;
		repairs++;
	}

	/* The resolvers: running, serving what the records say, none without a network. */
	if ((r = dns_audit(&op, nets, n_nets, nss, n_ns, true, fs, err)) < 0)
		goto out;
	repairs += r;
	/* The overlay agent: running while an overlay network exists (core/agent.c). */
	if (!op.opts->dry_run && (r = overlay_agent_audit(&op, nets, n_nets, true, fs, err)) < 0)
		goto out;
	repairs += r > 0 ? r : 0;

	/*
	 * 6. The firewall: rebuilt from the records in one transaction, so it matches them exactly.
	 * With nothing recorded here while another state dir's links exist, the tables are that state
	 * dir's (one state dir per network namespace, docs/reliability.md): left alone.
	 */
	if (n_nets == 0 && n_v == 0 && n_p == 0 && foreign)
		goto done;
	if (n_nets == 0 && fw_nft_guard_table_exists() == 1) {
		findings_add(fs, "table-stray", NULL, "table/bridge " NSNET_NFT_TABLE, NULL,
			     "removing nft table bridge %s: no network remains", NSNET_NFT_TABLE);
		if ((r = op_nft(&op, "delete table bridge " NSNET_NFT_TABLE "\n", NULL, err)) < 0 ||
		    (r = op_guard_purge_stale(&op)) < 0)
			goto out;
		repairs++;
	}
	if (n_nets == 0 && n_v == 0 && n_p == 0) {
		if (op.fw->exists(NULL) == 1) {
			char obj[32];

			snprintf(obj, sizeof(obj), "rules/%s", op.fw->name);
			findings_add(fs, "rules-stray", NULL, obj, NULL, "removing nsnet's %s rules: nothing of nsnet remains",
				     op.fw->name);
			op.fw->teardown(&fw);
			if ((r = op_fw(&op, strbuf_str(&fw), NULL, true, err)) < 0)
				goto out;
			repairs++;
		}
	} else {
		struct strbuf guard = { 0 };

		if (op.fw->rebuild_begin)
			op.fw->rebuild_begin(&fw);
		op.fw->base(&fw);
		for (int i = 0; i < n_nets && r >= 0; i++) {
			op.fw->network_add(&nets[i], true, &fw);
			/* An overlay's VXLAN filter accepts the peers on its device (the agent keeps them current). */
			r = overlay_filter_text(op.fw, nl, &nets[i], &fw, err);
		}
		if (r < 0)
			goto out;
		/* The pick chains the VIPs use (rebuild_begin() emptied the table), then the VIPs. */
		for (int i = 0; i < n_v && r >= 0; i++)
			r = svc_vip_shared(&op, vips[i], &fw, NULL, err);
		if (r < 0)
			goto out;
		for (int i = 0; i < n_v; i++)
			if (!op.fw->vips_load || vips[i]->affinity)
				op.fw->vip_add(vips[i], &fw);
		/* Clients keep their backend across the rebuild. Best effort: a repair does not fail for it. */
		if (op.fw->affinity_keep)
			op.fw->affinity_keep(vips, vips, (size_t)n_v, &fw, NULL);
		for (int i = 0; i < n_p; i++)
			op.fw->port_add(&ports[i], &fw);
		if (n_nets > 0 && (r = gc_guard(&op, nss, n_ns, &links, &guard, err)) < 0) {
			strbuf_free(&guard);
			goto out;
		}
		/* The backend says whether the guard text joins its transaction (then elements go last in both). */
		if (op.fw->guard_join && guard.len) {
			op.fw->guard_join(&fw, strbuf_str(&guard));
			strbuf_free(&guard);
		}
		if (fw.oom || guard.oom) {
			strbuf_free(&guard);
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		r = gc_elements_last(&fw, err);	/* iptables steps have none */
		if (r >= 0)
			r = op_fw(&op, strbuf_str(&fw), NULL, true, err);
		if (r >= 0 && op.fw->vips_load)
			r = gc_vips_load(&op, vips, n_v, err);
		if (r >= 0 && guard.len && (r = gc_elements_last(&guard, err)) >= 0)
			r = op_nft(&op, strbuf_str(&guard), NULL, err);
		strbuf_free(&guard);
		if (r < 0 || (r = op_guard_purge_stale(&op)) < 0)
			goto out;
	}
done:
	r = repairs;
	if (fs->oom)
		r = nsnet_err_set(err, ENOMEM, "gc: out of memory listing its repairs");
out:
	link_list_free(&links);
	svc_vips_free(vips, n_v);
	free(ports);
	free(nets);
	free(nss);
	state_names_free(lease_nets, n_ln);
	strbuf_free(&fw);
	op_end(&op);
	return r;
}
