// SPDX-License-Identifier: MIT
// iptables backend transactions: steps checked against iptables-save, applied by iptables-restore.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/fw.h"
#include "util/spawn.h"

/*
 * Theory of operation. The renderers (ipt.c) describe a change as steps that say what must hold
 * ("chain X exists", "rule R is in X", "R is not in X"). Here the current ruleset of each family
 * is read with one iptables-save, and only the steps that change something become lines of an
 * iptables-restore --noflush input, one per family, applied with -w (wait for the xtables lock).
 * So every change is convergent: applying it twice, or undoing a step that never happened, does
 * nothing. The same filtered steps are printed as `iptables ...` commands for --dry-run.
 *
 * The known rules live in a hash set keyed by "table chain generation spec"; flushing a chain bumps
 * its generation, which forgets its rules at once (gc flushes thousands of chains).
 */

#define IPT_TABLES 3
static const char *const ipt_tables[IPT_TABLES] = { "raw", "nat", "filter" };

/* A string-keyed hash map with int values (open addressing; deleted keys become tombstones). */
struct ipt_ent {
	char *key;	/* NULL: free; key[0] == '\x01': deleted */
	int val;
};

struct ipt_map {
	struct ipt_ent *slot;
	size_t cap, n;
};

static uint64_t ipt_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct ipt_ent *ipt_find(struct ipt_map *m, const char *key)
{
	size_t i = ipt_hash(key) & (m->cap - 1);

	while (m->slot[i].key && strcmp(m->slot[i].key, key))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static int ipt_map_grow(struct ipt_map *m)
{
	struct ipt_map n = { .cap = m->cap ? m->cap * 2 : 1024 };

	if (!(n.slot = calloc(n.cap, sizeof(*n.slot))))
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slot[i].key)
			continue;
		if (m->slot[i].key[0] == '\x01') {
			free(m->slot[i].key);
			continue;
		}
		*ipt_find(&n, m->slot[i].key) = m->slot[i];
		n.n++;
	}
	free(m->slot);
	*m = n;
	return 0;
}

/* The entry of @key, or NULL. */
static struct ipt_ent *ipt_get(struct ipt_map *m, const char *key)
{
	struct ipt_ent *e;

	if (!m->cap)
		return NULL;
	e = ipt_find(m, key);
	return e->key ? e : NULL;
}

/* Set @key to @val. Returns 0 or -ENOMEM. */
static int ipt_put(struct ipt_map *m, const char *key, int val)
{
	struct ipt_ent *e;

	if ((m->n + 1) * 2 > m->cap && ipt_map_grow(m) < 0)
		return -ENOMEM;
	e = ipt_find(m, key);
	if (!e->key) {
		if (!(e->key = strdup(key)))
			return -ENOMEM;
		m->n++;
	}
	e->val = val;
	return 0;
}

/* Probe sequences must stay intact: a deleted key is renamed so that no lookup matches it. */
static void ipt_del(struct ipt_map *m, const char *key)
{
	struct ipt_ent *e = ipt_get(m, key);

	if (e)
		e->key[0] = '\x01';
}

static void ipt_map_free(struct ipt_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].key);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/*
 * The view of one family's ruleset while steps are checked against it: chains ("table chain" ->
 * generation * 2 + exists) and rules ("table chain generation\tspec").
 */
struct ipt_view {
	struct ipt_map chains;
	struct ipt_map rules;
	struct ipt_map declared;	/* chains the steps ensure (N): what a rebuild keeps */
	/*
	 * Chains to delete (X): flushed at once, deleted in a second transaction, since iptables-nft
	 * refuses (EBUSY) to delete a chain whose jump went earlier in the same batch. A later N of
	 * the same chain (vip set: remove then add) cancels the deletion: the chain stays, emptied.
	 */
	struct ipt_map doomed;		/* "table chain" -> 1 pending, 0 cancelled */
	struct ipt_map touched;		/* chains with -A/-I/-D lines in this transaction (val 1) */
	struct ipt_map fresh;		/* chains made or emptied in this transaction */
	char **doomed_order;
	size_t n_doomed;
	int gen_next;
};

static void ipt_chain_key(const char *table, const char *chain, char *key, size_t len)
{
	snprintf(key, len, "%s %s", table, chain);
}

static int ipt_gen(struct ipt_view *v, const char *table, const char *chain)
{
	char key[128];
	struct ipt_ent *e;

	ipt_chain_key(table, chain, key, sizeof(key));
	e = ipt_get(&v->chains, key);
	return e ? e->val / 2 : 0;
}

static void ipt_rule_key(struct ipt_view *v, const char *table, const char *chain, const char *spec, char *key,
			 size_t len)
{
	snprintf(key, len, "%s %s %d\t%s", table, chain, ipt_gen(v, table, chain), spec);
}

static bool ipt_chain_exists(struct ipt_view *v, const char *table, const char *chain)
{
	char key[128];
	struct ipt_ent *e;

	ipt_chain_key(table, chain, key, sizeof(key));
	e = ipt_get(&v->chains, key);
	return e && (e->val & 1);
}

static int ipt_chain_set(struct ipt_view *v, const char *table, const char *chain, bool exists)
{
	char key[128];

	ipt_chain_key(table, chain, key, sizeof(key));
	return ipt_put(&v->chains, key, ipt_gen(v, table, chain) * 2 + exists);
}

/* Forget @chain's rules: a new generation. */
static int ipt_chain_flush(struct ipt_view *v, const char *table, const char *chain)
{
	char key[128];

	ipt_chain_key(table, chain, key, sizeof(key));
	return ipt_put(&v->chains, key, ++v->gen_next * 2 + ipt_chain_exists(v, table, chain));
}

static void ipt_view_free(struct ipt_view *v)
{
	ipt_map_free(&v->chains);
	ipt_map_free(&v->rules);
	ipt_map_free(&v->declared);
	ipt_map_free(&v->doomed);
	ipt_map_free(&v->touched);
	ipt_map_free(&v->fresh);
	for (size_t i = 0; i < v->n_doomed; i++)
		free(v->doomed_order[i]);
	free(v->doomed_order);
}

static const char *ipt_cmd(int fam, const char *what)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s%s", fam == 6 ? "ip6tables" : "iptables", what);
	return buf;
}

/* Load @fam's ruleset from iptables-save. Only the names of other tools' chains matter. */
static int ipt_view_load(struct ipt_view *v, int fam, struct nsnet_err *err)
{
	struct strbuf out = { 0 }, errout = { 0 };
	char *argv[] = { (char *)ipt_cmd(fam, "-save"), NULL }, table[16] = "", key[1024];
	int r = spawn_run(argv, NULL, &out, &errout, err);

	if (r == -ENOENT) {
		r = nsnet_err_set(err, ENOENT, "iptables backend: %s is not installed (apt-get install iptables)", argv[0]);
		goto out;
	}
	if (r < 0)
		goto out;
	if (r != 0) {
		const char *e = strbuf_str(&errout);

		r = nsnet_err_set(err, EPROTO, "iptables backend: %s failed: %.*s", argv[0], (int)strcspn(e, "\n"), e);
		goto out;
	}
	for (const char *p = strbuf_str(&out); *p;) {
		size_t len = strcspn(p, "\n");
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		p += len + (p[len] == '\n');
		if (line[0] == '*') {
			snprintf(table, sizeof(table), "%s", line + 1);
		} else if (line[0] == ':') {
			line[strcspn(line, " ")] = 0;
			if ((r = ipt_chain_set(v, table, line + 1, true)) < 0)
				break;
		} else if (!strncmp(line, "-A ", 3)) {
			char *chain = line + 3, *spec = chain + strcspn(chain, " ");

			if (*spec)
				*spec++ = 0;
			ipt_rule_key(v, table, chain, spec, key, sizeof(key));
			if ((r = ipt_put(&v->rules, key, 1)) < 0)
				break;
		}
	}
	if (r < 0)
		r = nsnet_err_set(err, -r, "out of memory");
out:
	strbuf_free(&out);
	strbuf_free(&errout);
	return r;
}

/* One family's output: restore input per table (in ipt_tables order) and the commands. */
struct ipt_out {
	struct strbuf decl[IPT_TABLES];		/* ":CHAIN - [0:0]" lines, written first */
	struct strbuf table[IPT_TABLES];
	bool used;
};

static int ipt_table_index(const char *t)
{
	for (int i = 0; i < IPT_TABLES; i++)
		if (!strcmp(ipt_tables[i], t))
			return i;
	return -1;
}

static bool ipt_touched(struct ipt_view *v, const char *key)
{
	struct ipt_ent *e = ipt_get(&v->touched, key);

	return e && e->val;
}

static int ipt_touch(struct ipt_view *v, const char *table, const char *chain)
{
	char key[128];

	ipt_chain_key(table, chain, key, sizeof(key));
	return ipt_put(&v->touched, key, 1);
}

/* Check one step against the view; emit what must change. Returns 0, or -EINVAL for a bad step. */
static int ipt_step(struct ipt_view *v, struct ipt_out *o, struct strbuf *cmds, int fam, const char *table, char op,
		    const char *chain, const char *spec)
{
	int ti = ipt_table_index(table);
	struct strbuf *rs = &o->table[ti];
	char key[1024];
	const char *cmd = ipt_cmd(fam, "");
	bool exists = ipt_chain_exists(v, table, chain);

	ipt_rule_key(v, table, chain, spec, key, sizeof(key));
	switch (op) {
	case 'N': {
		struct ipt_ent *d;

		ipt_chain_key(table, chain, key, sizeof(key));
		if (ipt_put(&v->declared, key, 1) < 0)
			return -ENOMEM;
		if ((d = ipt_get(&v->doomed, key)) && d->val) {
			d->val = 0;	/* still there, already empty */
			return ipt_chain_set(v, table, chain, true);
		}
		if (exists)
			return 0;
		/*
		 * Declarations go to the top of the table's block, as iptables-save writes them:
		 * iptables-nft-restore re-reads its cache for a declaration that follows rules, which
		 * made loading 10,000 VIPs take minutes.
		 */
		strbuf_printf(&o->decl[ti], ":%s - [0:0]\n", chain);
		strbuf_printf(cmds, "%s -w -t %s -N %s\n", cmd, table, chain);
		if (ipt_put(&v->fresh, key, 1) < 0)
			return -ENOMEM;
		if (ipt_chain_flush(v, table, chain) < 0 || ipt_chain_set(v, table, chain, true) < 0)
			return -ENOMEM;
		break;
	}
	case 'F':
	case 'X':
		if (!exists)
			return 0;
		/* Made empty in this transaction and nothing added since: flushing it again is a no-op. */
		ipt_chain_key(table, chain, key, sizeof(key));
		if (op == 'F' && ipt_get(&v->fresh, key) && !ipt_touched(v, key))
			return 0;
		/*
		 * With --noflush, declaring an existing chain empties it. A declaration goes to the
		 * top of the block, which iptables-nft-restore handles at no cost, where a -F line
		 * makes it re-read its cache (gc of 10,000 VIPs: minutes). Only a chain that already
		 * has lines in this transaction (teardown after -D) needs the -F in its place.
		 */
		if (ipt_touched(v, key))
			strbuf_printf(rs, "-F %s\n", chain);
		else
			strbuf_printf(&o->decl[ti], ":%s - [0:0]\n", chain);
		if (ipt_put(&v->fresh, key, 1) < 0 || ipt_put(&v->touched, key, 0) < 0)
			return -ENOMEM;
		strbuf_printf(cmds, "%s -w -t %s -F %s\n", cmd, table, chain);
		if (ipt_chain_flush(v, table, chain) < 0)
			return -ENOMEM;
		if (op == 'X') {
			char **o2 = realloc(v->doomed_order, (v->n_doomed + 1) * sizeof(*o2));

			ipt_chain_key(table, chain, key, sizeof(key));
			if (!o2)
				return -ENOMEM;
			v->doomed_order = o2;
			if (!(o2[v->n_doomed] = strdup(key)) || ipt_put(&v->doomed, key, 1) < 0)
				return -ENOMEM;
			v->n_doomed++;
			if (ipt_chain_set(v, table, chain, false) < 0)
				return -ENOMEM;
		}
		break;
	case 'A':
	case 'I':
		if (ipt_get(&v->rules, key))
			return 0;
		strbuf_printf(rs, "-%c %s %s\n", op, chain, spec);
		strbuf_printf(cmds, "%s -w -t %s -%c %s %s\n", cmd, table, op, chain, spec);
		if (ipt_put(&v->rules, key, 1) < 0 || ipt_touch(v, table, chain) < 0)
			return -ENOMEM;
		break;
	case 'D':
		if (!ipt_get(&v->rules, key))
			return 0;
		strbuf_printf(rs, "-D %s %s\n", chain, spec);
		strbuf_printf(cmds, "%s -w -t %s -D %s %s\n", cmd, table, chain, spec);
		ipt_del(&v->rules, key);
		if (ipt_touch(v, table, chain) < 0)
			return -ENOMEM;
		break;
	default:
		return -EINVAL;
	}
	o->used = true;
	return 0;
}

/* A chain-wide step (F, X) on @key "table chain". */
static int ipt_step_named(struct ipt_view *v, struct ipt_out *o, struct strbuf *cmds, int fam, const char *key, char op)
{
	char t[16];
	const char *chain = strchr(key, ' ') + 1;

	snprintf(t, sizeof(t), "%.*s", (int)(chain - 1 - key), key);
	return ipt_step(v, o, cmds, fam, t, op, chain, "");
}

/* Split "4 nat A CHAIN spec..." in place. */
static int ipt_parse(char *line, int *fam, char **table, char *op, char **chain, char **spec)
{
	char *p = line;

	if ((p[0] != '4' && p[0] != '6') || p[1] != ' ')
		return -EINVAL;
	*fam = p[0] - '0';
	*table = p + 2;
	if (!(p = strchr(*table, ' ')) || !p[1] || p[2] != ' ')
		return -EINVAL;
	*p = 0;
	*op = p[1];
	*chain = p + 3;
	p = *chain + strcspn(*chain, " ");
	if (*p)
		*p++ = 0;
	*spec = p;
	return ipt_table_index(*table) < 0 || !**chain ? -EINVAL : 0;
}

/* Is chain entry @e an existing chain of nsnet's (NSNET-...)? */
static bool ipt_is_ours(const struct ipt_ent *e)
{
	const char *c = e->key && e->key[0] != '\x01' && (e->val & 1) ? strchr(e->key, ' ') : NULL;

	return c && !strncmp(c + 1, "NSNET-", 6);
}

int fw_ipt_plan(const char *steps, bool rebuild, struct fw_ipt_txn *txn, struct nsnet_err *err)
{
	struct ipt_view view[2] = { 0 };
	struct ipt_out out[2] = { 0 };
	char **names[2] = { NULL, NULL };
	size_t n_names[2] = { 0, 0 };
	bool need[2] = { false, false };
	char *copy = NULL;
	int r = 0;

	memset(txn, 0, sizeof(*txn));
	for (const char *p = steps; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (*p == '4' || *p == '6')
			need[*p == '6'] = true;
	for (int k = 0; k < 2; k++)
		if ((need[k] || rebuild) && (r = ipt_view_load(&view[k], k ? 6 : 4, err)) < 0)
			goto out;
	/* gc: empty every nsnet chain first, so the steps rebuild exactly what the records say. */
	for (int k = 0; rebuild && k < 2; k++) {
		struct ipt_map *cs = &view[k].chains;
		size_t n = 0;

		if (!(names[k] = calloc(cs->n + 1, sizeof(*names[k])))) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < cs->cap; i++)
			if (ipt_is_ours(&cs->slot[i]) && (names[k][n] = strdup(cs->slot[i].key)))
				n++;
		n_names[k] = n;
		for (size_t i = 0; i < n && r == 0; i++)
			r = ipt_step_named(&view[k], &out[k], &txn->cmds, k ? 6 : 4, names[k][i], 'F');
		if (r < 0) {
			r = nsnet_err_set(err, -r, "out of memory");
			goto out;
		}
	}
	if (!(copy = strdup(steps))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (char *line = copy, *next; *line; line = next) {
		char *table, *chain, *spec, op;
		int fam;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		if (!*line)
			continue;
		if (ipt_parse(line, &fam, &table, &op, &chain, &spec) < 0 ||
		    (r = ipt_step(&view[fam == 6], &out[fam == 6], &txn->cmds, fam, table, op, chain, spec)) == -EINVAL) {
			r = nsnet_err_set(err, EINVAL, "iptables backend: bad step \"%s\"", line);
			goto out;
		}
		if (r < 0) {
			r = nsnet_err_set(err, -r, "out of memory");
			goto out;
		}
	}
	/* gc: chains that existed and that the records no longer declare go (all are empty by now). */
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < n_names[k] && r >= 0; i++)
			if (!ipt_get(&view[k].declared, names[k][i]))
				r = ipt_step_named(&view[k], &out[k], &txn->cmds, k ? 6 : 4, names[k][i], 'X');
		if (r < 0) {
			r = nsnet_err_set(err, -r, "out of memory");
			goto out;
		}
	}
	for (int k = 0; k < 2; k++) {
		struct strbuf *rs = k ? &txn->restore6 : &txn->restore4, late[IPT_TABLES] = { 0 };

		for (size_t i = 0; i < view[k].n_doomed; i++) {
			const char *key = view[k].doomed_order[i], *chain = strchr(key, ' ') + 1;
			struct ipt_ent *d = ipt_get(&view[k].doomed, key);
			int t;

			if (!d || !d->val)
				continue;
			d->val = 0;	/* once, even if X'ed twice */
			for (t = 0; t < IPT_TABLES && strncmp(key, ipt_tables[t], (size_t)(chain - 1 - key)); t++)
				;
			strbuf_printf(&late[t], "-X %s\n", chain);
			strbuf_printf(&txn->cmds, "%s -w -t %s -X %s\n", ipt_cmd(k ? 6 : 4, ""), ipt_tables[t], chain);
			out[k].used = true;
		}
		if (!out[k].used)
			continue;
		for (int t = 0; t < IPT_TABLES; t++)
			if (out[k].table[t].len || out[k].decl[t].len)
				strbuf_printf(rs, "*%s\n%s%sCOMMIT\n", ipt_tables[t], strbuf_str(&out[k].decl[t]),
					      strbuf_str(&out[k].table[t]));
		for (int t = 0; t < IPT_TABLES; t++) {
			if (late[t].len)
				strbuf_printf(rs, "*%s\n%sCOMMIT\n", ipt_tables[t], strbuf_str(&late[t]));
			strbuf_free(&late[t]);
		}
	}
	if (txn->cmds.oom || txn->restore4.oom || txn->restore6.oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
out:
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < n_names[k]; i++)
			free(names[k][i]);
		free(names[k]);
		ipt_view_free(&view[k]);
		for (int t = 0; t < IPT_TABLES; t++) {
			strbuf_free(&out[k].table[t]);
			strbuf_free(&out[k].decl[t]);
		}
	}
	free(copy);
	if (r < 0)
		fw_ipt_txn_free(txn);
	return r;
}

static int ipt_restore(int fam, const char *input, struct nsnet_err *err)
{
	struct strbuf errout = { 0 };
	char *argv[] = { (char *)ipt_cmd(fam, "-restore"), "--noflush", "-w", NULL };
	int r;

	if (!*input)
		return 0;
	r = spawn_run(argv, input, NULL, &errout, err);
	if (r == -ENOENT)
		r = nsnet_err_set(err, ENOENT, "iptables backend: %s is not installed (apt-get install iptables)", argv[0]);
	else if (r > 0) {
		const char *e = strbuf_str(&errout);

		r = nsnet_err_set(err, EPROTO, "iptables backend: %s failed: %.*s", argv[0], (int)strcspn(e, "\n"), e);
	}
	strbuf_free(&errout);
	return r;
}

int fw_ipt_commit(const struct fw_ipt_txn *txn, struct nsnet_err *err)
{
	int r = ipt_restore(4, strbuf_str(&txn->restore4), err);

	return r < 0 ? r : ipt_restore(6, strbuf_str(&txn->restore6), err);
}

void fw_ipt_txn_free(struct fw_ipt_txn *txn)
{
	strbuf_free(&txn->restore4);
	strbuf_free(&txn->restore6);
	strbuf_free(&txn->cmds);
}

int fw_ipt_apply(const char *steps, struct nsnet_err *err)
{
	struct fw_ipt_txn txn;
	int r = fw_ipt_plan(steps, false, &txn, err);

	if (r < 0)
		return r;
	r = fw_ipt_commit(&txn, err);
	fw_ipt_txn_free(&txn);
	return r;
}

int fw_ipt_chain_rules(int fam, const char *table, const char *chain, struct strbuf *out, struct nsnet_err *err)
{
	struct strbuf save = { 0 }, errout = { 0 };
	char *argv[] = { (char *)ipt_cmd(fam, "-save"), "-t", (char *)table, NULL }, decl[64], rule[64];
	int r = spawn_run(argv, NULL, &save, &errout, err), found = 0;

	if (r > 0)
		r = nsnet_err_set(err, EPROTO, "iptables backend: %s failed: %.*s", argv[0],
				  (int)strcspn(strbuf_str(&errout), "\n"), strbuf_str(&errout));
	snprintf(decl, sizeof(decl), ":%s ", chain);
	snprintf(rule, sizeof(rule), "-A %s ", chain);
	for (const char *p = strbuf_str(&save); r == 0 && *p;) {
		size_t len = strcspn(p, "\n");

		if (!strncmp(p, decl, strlen(decl)))
			found = 1;
		else if (!strncmp(p, rule, strlen(rule)) && len > strlen(rule))
			strbuf_printf(out, "%.*s\n", (int)(len - strlen(rule)), p + strlen(rule));
		p += len + (p[len] == '\n');
	}
	strbuf_free(&save);
	strbuf_free(&errout);
	if (r == 0 && out->oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	return r < 0 ? r : found;
}

int fw_ipt_chain_names(char ***names, struct nsnet_err *err)
{
	struct ipt_view v[2] = { 0 };
	struct ipt_map seen = { 0 };	/* a chain of both families is listed once */
	char **out = NULL;
	int n = 0, r;

	*names = NULL;
	for (int k = 0; k < 2; k++)
		if ((r = ipt_view_load(&v[k], k ? 6 : 4, err)) < 0)
			goto fail;
	out = calloc(v[0].chains.n + v[1].chains.n + 1, sizeof(*out));
	if (!out) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	for (int k = 0; k < 2; k++) {
		struct ipt_map *cs = &v[k].chains;

		for (size_t i = 0; i < cs->cap; i++) {
			const char *s;

			if (!ipt_is_ours(&cs->slot[i]))
				continue;
			s = strchr(cs->slot[i].key, ' ') + 1;
			if (ipt_get(&seen, s))
				continue;
			if (ipt_put(&seen, s, 1) < 0 || !(out[n] = strdup(s))) {
				r = nsnet_err_set(err, ENOMEM, "out of memory");
				goto fail;
			}
			n++;
		}
	}
	*names = out;
	out = NULL;
	r = n;
fail:
	if (out) {
		for (int i = 0; i < n; i++)
			free(out[i]);
		free(out);
	}
	ipt_map_free(&seen);
	ipt_view_free(&v[0]);
	ipt_view_free(&v[1]);
	return r;
}
