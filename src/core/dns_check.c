// SPDX-License-Identifier: MIT
// The resolvers' supervision for gc, check and ls: dead, stale or stray resolvers (core/dns.h).
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "core/dns.h"
#include "core/records.h"

int dns_host_names(const struct state *st, const char *net, char ***names)
{
	char dir[PATH_MAX];
	struct dirent *e;
	char **v = NULL;
	int n = 0, cap = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s/%s/hosts", st->dir, DNS_DIR, net);
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "@start"))
			continue;
		if (n == cap) {
			char **nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		if (!(v[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	*names = v;
	return n;
}

int dns_serving(const struct state *st, const struct nsnet_network *net, char *bad, size_t len)
{
	char **names = NULL, path[PATH_MAX], own[64];
	int n = dns_host_names(st, net->name, &names), r = 0;

	for (int i = 0; i < n && r == 0; i++) {
		struct strbuf text = { 0 };

		dns_host_path(st, net->name, names[i], path, sizeof(path));
		if (dns_slurp(path, &text) == 0 && dns_own_of(strbuf_str(&text), own) == 0 &&
		    dns_query(&net->gateway[0], own, 1, 500) <= 0) {
			snprintf(bad, len, "%s", names[i]);
			r = -ESTALE;
		}
		strbuf_free(&text);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int dns_reload(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	char bad[NSNET_NAME_MAX + 1];
	struct daemon_id id;
	int r;

	if (dns_pid(&op->st, net->name, &id) < 0)
		return nsnet_err_set(err, ESRCH, "network %s: no resolver recorded", net->name);
	op_echo(op, "kill -HUP %d", (int)id.pid);
	if (op->opts->dry_run)
		return 0;
	if ((r = daemon_signal(&id, SIGHUP)) < 0)
		return nsnet_err_set(err, -r, "network %s: resolver PID %d: %s", net->name, (int)id.pid, strerror(-r));
	/*
	 * dnsmasq reads its files again within a millisecond or two of the signal: ask soon, then
	 * less often (50 us, doubling up to 12.8 ms), for at most two seconds in all.
	 */
	for (long waited = 0, step = 50 * 1000;; waited += step, step = step < 10L * 1000 * 1000 ? step * 2 : step) {
		if ((r = dns_serving(&op->st, net, bad, sizeof(bad))) == 0)
			return 0;
		if (waited >= 2000L * 1000 * 1000)
			break;
		nanosleep(&(struct timespec){ 0, step }, NULL);
	}
	return nsnet_err_set(err, ESTALE, "network %s: the resolver does not answer the names of %s after a reload",
			     net->name, bad);
}

void dns_status(const struct state *st, const char *net, int *pid, bool *running)
{
	struct daemon_id id;

	*pid = 0;
	*running = false;
	if (dns_pid(st, net, &id) == 0) {
		*pid = (int)id.pid;
		*running = daemon_alive(&id);
	}
}

/* The hosts file text the records give namespace @ns on @net (@l: the network's leases). */
static void dns_audit_render(const struct nsnet_network *net, const struct nsnet_namespace *ns,
			     const struct nsnet_attachment *att, const struct nsnet_leases *l, struct strbuf *out)
{
	struct nsnet_addr addrs[NSNET_MAX_SUBNETS];
	size_t n = 0;

	for (size_t i = 0; i < l->n && n < NSNET_MAX_SUBNETS; i++)
		if (!strcmp(l->v[i].owner, ns->name) && !strcmp(l->v[i].ifname, att->ifname))
			addrs[n++] = l->v[i].addr;
	dns_host_render(net, ns->name, ns->cid[0] != 0, att, addrs, n, out);
}

/* One network: returns the number of findings, or -errno. */
static int dns_audit_net(struct op *op, const struct nsnet_network *net, const struct nsnet_namespace *nss, int n_ns,
			 bool fix, struct nsnet_findings *fs, struct nsnet_err *err)
{
	char obj[NSNET_NAME_MAX + 16], path[PATH_MAX], own[64], bad[NSNET_NAME_MAX + 1];
	struct nsnet_leases l = { 0 };
	struct daemon_id id;
	char **files = NULL;
	int n_files, found = 0, r;
	bool changed = false, dry = op->opts->dry_run;

	snprintf(obj, sizeof(obj), "network/%s", net->name);
	if (dns_pid(&op->st, net->name, &id) < 0 || !daemon_alive(&id)) {
		findings_add(fs, "dns-dead", NULL, obj, NULL, "network %s: the resolver is not running%s", net->name,
			     fix ? (dry ? ": would start it again" : ": started it again") : " (nsnet gc starts it again)");
		found++;
		if (fix && (r = dns_ensure(op, net, err)) < 0)
			return r;
	}
	if ((r = rec_leases_load(op, net->name, &l, err)) < 0)
		return r;
	/* Every attached namespace's file as the records say. */
	for (int i = 0; i < n_ns; i++) {
		const struct nsnet_attachment *att = NULL;
		struct strbuf want = { 0 }, have = { 0 };

		for (size_t k = 0; k < nss[i].n_att; k++)
			if (!strcmp(nss[i].att[k].net, net->name))
				att = &nss[i].att[k];
		if (!att)
			continue;
		dns_audit_render(net, &nss[i], att, &l, &want);
		/* No name to answer: no file is as good as one with its own name only (older state dirs). */
		if (dns_host_read(&op->st, net->name, nss[i].name, &have) < 0 && !strbuf_str(&want)[0]) {
			strbuf_free(&want);
			strbuf_free(&have);
			continue;
		}
		if (strcmp(strbuf_str(&want), strbuf_str(&have))) {
			findings_add(fs, "dns-stale", NULL, obj, NULL, "network %s: the resolver's names of %s differ from the records%s",
				     net->name, nss[i].name, fix ? (dry ? ": would rewrite them" : ": rewritten") : "");
			found++;
			changed = true;
			if (fix && !dry && (r = dns_host_write(op, net, nss[i].name, strbuf_str(&want), own, err)) < 0) {
				strbuf_free(&want);
				strbuf_free(&have);
				leases_free(&l);
				return r;
			}
		}
		strbuf_free(&want);
		strbuf_free(&have);
	}
	leases_free(&l);
	/* Files of namespaces no longer attached. */
	n_files = dns_host_names(&op->st, net->name, &files);
	for (int f = 0; f < n_files; f++) {
		bool known = false;

		for (int i = 0; i < n_ns && !known; i++)
			for (size_t k = 0; k < nss[i].n_att && !known; k++)
				known = !strcmp(nss[i].name, files[f]) && !strcmp(nss[i].att[k].net, net->name);
		if (!known) {
			findings_add(fs, "dns-stale", NULL, obj, NULL, "network %s: the resolver still has names of %s, which is not attached%s",
				     net->name, files[f], fix ? (dry ? ": would remove them" : ": removed") : "");
			found++;
			changed = true;
			dns_host_path(&op->st, net->name, files[f], path, sizeof(path));
			if (fix && !dry)
				unlink(path);
		}
		free(files[f]);
	}
	free(files);
	/* The running resolver serves what its files say (a reload confirms it). */
	if (!changed && dns_serving(&op->st, net, bad, sizeof(bad)) < 0) {
		findings_add(fs, "dns-stale", NULL, obj, NULL, "network %s: the resolver does not answer the names of %s%s",
			     net->name, bad, fix ? (dry ? ": would reload it" : ": reloaded") : "");
		found++;
		changed = true;
	}
	if (fix && changed && (r = dns_reload(op, net, err)) == -ESRCH && !dry) {
		/* It died since it was found running (killed meanwhile): started again, files as now. */
		nsnet_err_clear(err);
		findings_add(fs, "dns-dead", NULL, obj, NULL, "network %s: the resolver exited during the repair: started it again",
			     net->name);
		found++;
		r = dns_ensure(op, net, err);
	}
	if (fix && changed && r < 0)
		return r;
	return found;
}

int dns_audit(struct op *op, const struct nsnet_network *nets, int n_nets, const struct nsnet_namespace *nss,
	      int n_ns, bool fix, struct nsnet_findings *fs, struct nsnet_err *err)
{
	char dir[PATH_MAX];
	struct dirent *e;
	int found = 0, r;
	DIR *d;

	for (int i = 0; i < n_nets; i++) {
		if (!nets[i].dns)
			continue;
		if ((r = dns_audit_net(op, &nets[i], nss, n_ns, fix, fs, err)) < 0)
			return r;
		found += r;
	}
	/* Folders (and resolvers) of networks that are gone or have none. */
	snprintf(dir, sizeof(dir), "%s/%s", op->st.dir, DNS_DIR);
	if (!(d = opendir(dir)))
		return found;
	while ((e = readdir(d))) {
		bool known = false;
		char obj[NAME_MAX + 16];

		if (e->d_name[0] == '.' || names_check("network", e->d_name, NULL) < 0)
			continue;
		for (int i = 0; i < n_nets && !known; i++)
			known = nets[i].dns && !strcmp(nets[i].name, e->d_name);
		if (known)
			continue;
		snprintf(obj, sizeof(obj), "network/%s", e->d_name);
		findings_add(fs, "dns-stray", NULL, obj, NULL, "a resolver of network %s, which has none recorded%s", e->d_name,
			     fix ? (op->opts->dry_run ? ": would stop it" : ": stopped") : " (nsnet gc stops it)");
		found++;
		if (fix)
			dns_stop(op, e->d_name, err);
	}
	closedir(d);
	return found;
}

int dns_repair_all(const struct nsnet_opts *o, struct nsnet_err *err)
{
	struct nsnet_findings fs = { 0 };
	struct nsnet_network *nets = NULL;
	struct nsnet_namespace *nss = NULL;
	struct op op;
	int n_nets = 0, n_ns = 0, r;

	if (o->dry_run)
		return 0;
	if ((r = op_begin(&op, o, true, err)) == 0) {
		op.skip_broken = true;
		if ((n_nets = rec_networks_load(&op, &nets, err)) < 0 || (n_ns = rec_namespaces_load(&op, &nss, err)) < 0)
			r = n_nets < 0 ? n_nets : n_ns;
		else
			r = dns_audit(&op, nets, n_nets, nss, n_ns, true, &fs, err);
	}
	free(nets);
	free(nss);
	findings_free(&fs);
	return core_op_end(&op, r < 0 ? r : 0, true);
}
