// SPDX-License-Identifier: MIT
// The firewall backends as tables of operations (struct fw_backend in fw.h): nft and iptables.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/fw.h"
#include "firewall/guard.h"
#include "firewall/nft_schema.h"
#include "firewall/nftnl.h"
#include "model/service.h"

/*
 * Theory of operation. Each backend is a constant table of functions; the renderers and queries
 * live in nft.c/svc.c (nft) and ipt.c/ipt_restore.c (iptables), this file adapts them to the common
 * shape: a planned transaction (struct fw_txn) that echoes as the commands a person would type and
 * commits as one unit, the chain names check compares against, and the validators of journal text
 * (text_ours). What only one backend can do is a member the other leaves NULL.
 */

/* --- nft ------------------------------------------------------------------------------------ */

static void nft_teardown(struct strbuf *out)
{
	fw_nft_svc_forget(false);
	out->len = 0;
	if (out->s)
		out->s[0] = 0;
	strbuf_printf(out, "delete table inet %s\n", NSNET_NFT_TABLE);
}

static int nft_network_chains(const struct nsnet_network *net, char names[4][NSNET_NAME_MAX + 16])
{
	static const enum nft_net_chain which[4] = { NFT_NET_IN, NFT_NET_OUT, NFT_NET_NAT, NFT_NET_NATOUT };

	for (size_t i = 0; i < 4; i++)
		snprintf(names[i], sizeof(names[i]), "%s", nft_chain_net(which[i], net->name).s);
	return 4;
}

static int nft_vip_chains(const struct nsnet_vip *v, char names[2][NSNET_NAME_MAX + 16])
{
	int n = 0;

	if (v->affinity)
		snprintf(names[n++], sizeof(names[0]), "%s", nft_chain_vip(v->id).s);
	snprintf(names[n++], sizeof(names[0]), "%s",
		 (v->affinity ? nft_chain_picksep : nft_chain_pick)(v->vip.addr.family, v->proto, v->n_backends).s);
	return n;
}

static void nft_port_chain(const struct nsnet_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", nft_chain_pub(p->id).s);
}

/* nft text needs no planning: it is echoed line by line and committed as one libnftables run. */
static int nft_plan(const char *text, bool rebuild, bool echo, struct fw_txn *txn, struct nsnet_err *err)
{
	(void)rebuild;	/* the text starts with rebuild_begin()'s lines */
	memset(txn, 0, sizeof(*txn));
	for (const char *p = echo ? text : ""; *p;) {
		size_t len = strcspn(p, "\n");

		if (len)
			strbuf_printf(&txn->echo, "nft '%.*s'\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
	txn->priv = strdup(text);
	if (txn->echo.oom || !txn->priv) {
		strbuf_free(&txn->echo);
		free(txn->priv);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int nft_commit(const struct fw_txn *txn, struct nsnet_err *err)
{
	return fw_nft_apply(txn->priv, err);
}

static void nft_txn_free(struct fw_txn *txn)
{
	strbuf_free(&txn->echo);
	free(txn->priv);
	txn->priv = NULL;
}

static void nft_rebuild_begin(struct strbuf *out)
{
	fw_nft_svc_forget(true);	/* the text goes on from an empty table */
	strbuf_printf(out, "add table inet %s\ndelete table inet %s\n", NSNET_NFT_TABLE, NSNET_NFT_TABLE);
}

static void nft_guard_join(struct strbuf *text, const char *guard)
{
	strbuf_printf(text, "%s", guard);
}

/* Is nft command @p (length @len, no separator) about table inet nsnet (unless @bridge_only) or bridge nsnet? */
static bool nft_cmd_ours(const char *p, size_t len, bool bridge_only)
{
	static const char *const verbs[] = { "add", "create", "delete", "destroy", "flush", "insert", "replace", NULL };
	char line[128], verb[16], obj[16], fam[16], tab[32];
	bool verb_ok = false;

	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	if (len == 0)
		return true;
	if (len >= sizeof(line))
		len = sizeof(line) - 1;	/* the table is named within the first words */
	memcpy(line, p, len);
	line[len] = 0;
	if (sscanf(line, "%15s %15s %15s %31s", verb, obj, fam, tab) != 4)
		return false;
	for (size_t i = 0; verbs[i]; i++)
		verb_ok |= !strcmp(verb, verbs[i]);
	if (!verb_ok || strspn(obj, "abcdefghijklmnopqrstuvwxyz") != strlen(obj))
		return false;
	if (strcmp(tab, NSNET_NFT_TABLE))
		return false;
	return !strcmp(fam, "bridge") || (!bridge_only && !strcmp(fam, "inet"));
}

bool fw_nft_text_ours(const char *text, bool bridge_only)
{
	/* Commands end at a newline or at a ';' outside braces and quotes ("{ type filter ...; }"). */
	const char *cmd = text;
	int depth = 0;
	bool quoted = false;

	for (const char *p = text;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '{')
			depth++;
		else if (!quoted && *p == '}' && --depth < 0)
			return false;
		if (*p == 0 || *p == '\n' || (*p == ';' && !quoted && depth == 0)) {
			if ((*p == '\n' || *p == 0) && (quoted || depth))
				return false;	/* nsnet writes one command per line */
			if (!nft_cmd_ours(cmd, (size_t)(p - cmd), bridge_only))
				return false;
			if (*p == 0)
				return true;
			cmd = p + 1;
		}
	}
}

bool fw_guard_text_ours(const char *text)
{
	return fw_nft_text_ours(text, true);
}

static bool nft_text_ours(const char *text)
{
	return fw_nft_text_ours(text, false);
}

const struct fw_backend fw_backend_nft = {
	.name = "nft",
	.base = fw_nft_base,
	.network_add = fw_nft_network_add,
	.network_del = fw_nft_network_del,
	.vip_add = fw_nft_vip_add,
	.vip_del = fw_nft_vip_del,
	.vip_shared = fw_nft_vip_shared,
	.vip_rm = fw_nft_vip_rm,
	.port_add = fw_nft_port_add,
	.port_del = fw_nft_port_del,
	.teardown = nft_teardown,
	.exists = fw_nft_table_exists,
	.chain_names = fw_nft_chain_names,
	.vxlan_peers = fw_nft_vxlan_peers,
	.vxlan_peers_get = fw_nft_vxlan_peers_get,
	.network_chains = nft_network_chains,
	.vip_chains = nft_vip_chains,
	.port_chain = nft_port_chain,
	.plan = nft_plan,
	.commit = nft_commit,
	.txn_free = nft_txn_free,
	.apply = fw_nft_apply,
	.text_ours = nft_text_ours,
	.rebuild_begin = nft_rebuild_begin,
	.guard_join = nft_guard_join,
	.vip_change = fw_nft_vip_change,
	.ports_add = fw_nft_ports_add,
	.ports_del = fw_nft_ports_del,
	.svc_elements = fw_nft_svc_elements,
	.vip_element = fw_nft_vip_element,
	.vips_load = fw_nft_vips_load,
	.affinity_keep = fw_nft_affinity_keep,
};

/* --- iptables ------------------------------------------------------------------------------- */

static int ipt_exists(struct nsnet_err *err)
{
	char **names;
	int n;

	if ((n = fw_ipt_chain_names(&names, err)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n > 0;
}

static int ipt_network_chains(const struct nsnet_network *net, char names[4][NSNET_NAME_MAX + 16])
{
	fw_ipt_network_chain(net, true, names[0], sizeof(names[0]));
	fw_ipt_network_chain(net, false, names[1], sizeof(names[1]));
	return 2;
}

static int ipt_vip_chains(const struct nsnet_vip *v, char names[2][NSNET_NAME_MAX + 16])
{
	fw_ipt_vip_chain(v, names[0], sizeof(names[0]));
	return 1;
}

/* The restore text per family lives in a struct fw_ipt_txn; its `cmds` are the echo. */
static int ipt_plan(const char *text, bool rebuild, bool echo, struct fw_txn *txn, struct nsnet_err *err)
{
	struct fw_ipt_txn *t = calloc(1, sizeof(*t));
	int r;

	(void)echo;	/* the commands come with the plan */
	memset(txn, 0, sizeof(*txn));
	if (!t)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	if ((r = fw_ipt_plan(text, rebuild, t, err)) < 0) {
		free(t);
		return r;
	}
	txn->echo = t->cmds;
	memset(&t->cmds, 0, sizeof(t->cmds));
	txn->empty = !t->restore4.len && !t->restore6.len;
	txn->priv = t;
	return 0;
}

static int ipt_commit(const struct fw_txn *txn, struct nsnet_err *err)
{
	return fw_ipt_commit(txn->priv, err);
}

static void ipt_txn_free(struct fw_txn *txn)
{
	strbuf_free(&txn->echo);
	if (txn->priv)
		fw_ipt_txn_free(txn->priv);
	free(txn->priv);
	txn->priv = NULL;
}

/*
 * Steps "FAM TABLE OP CHAIN [SPEC]" (fw.h): on an NSNET-* chain, or on a built-in chain only to
 * jump to one (-j NSNET-...).
 */
static bool ipt_text_ours(const char *text)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char line[512], fam[4], table[16], op[4], chain[64];
		int n = 0;

		if (len >= sizeof(line))
			return false;
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (p[len] == '\n');
		if (!len)
			continue;
		if (sscanf(line, "%3s %15s %3s %63s %n", fam, table, op, chain, &n) != 4 ||
		    (strcmp(fam, "4") && strcmp(fam, "6")) || strlen(op) != 1 || !strchr("NFXAID", op[0]) ||
		    (strcmp(table, "filter") && strcmp(table, "nat") && strcmp(table, "raw") && strcmp(table, "mangle")))
			return false;
		if (!strncmp(chain, "NSNET-", 6))
			continue;
		/* A built-in chain: only a jump to nsnet's own, nothing else, added or removed. */
		if (!strchr("AID", op[0]) || strncmp(line + n, "-j NSNET-", 9) || strchr(line + n + 3, ' '))
			return false;
		if (strcmp(chain, "FORWARD") && strcmp(chain, "OUTPUT") && strcmp(chain, "PREROUTING") &&
		    strcmp(chain, "POSTROUTING") && strcmp(chain, "INPUT"))
			return false;
	}
	return true;
}

static const char *const ipt_jumps_first_from[] = { "ip filter FORWARD", "ip6 filter FORWARD", NULL };

const struct fw_backend fw_backend_ipt = {
	.name = "iptables",
	.base = fw_ipt_base,
	.network_add = fw_ipt_network_add,
	.network_del = fw_ipt_network_del,
	.vip_add = fw_ipt_vip_add,
	.vip_del = fw_ipt_vip_del,
	.vip_rm = fw_ipt_vip_del,
	.port_add = fw_ipt_port_add,
	.port_del = fw_ipt_port_del,
	.teardown = fw_ipt_teardown,
	.exists = ipt_exists,
	.chain_names = fw_ipt_chain_names,
	.vxlan_peers = fw_ipt_vxlan_peers,
	.vxlan_peers_get = fw_ipt_vxlan_peers_get,
	.network_chains = ipt_network_chains,
	.vip_chains = ipt_vip_chains,
	.port_chain = fw_ipt_port_chain,
	.plan = ipt_plan,
	.commit = ipt_commit,
	.txn_free = ipt_txn_free,
	.apply = fw_ipt_apply,
	.commit_partial = true,
	.text_ours = ipt_text_ours,
	.jumps_first_from = ipt_jumps_first_from,
	.needs_xtables = true,
};

/* --- choice --------------------------------------------------------------------------------- */

/* The first is the default: a state dir that never chose one uses it. */
const struct fw_backend *const fw_backends[] = { &fw_backend_nft, &fw_backend_ipt, NULL };

/* Anti-spoofing's table is nft's own kind (firewall/guard.h). */
const struct fw_backend *const fw_guard_backend = &fw_backend_nft;

const struct fw_backend *fw_backend_find(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "nftables"))
		return &fw_backend_nft;
	for (size_t i = 0; fw_backends[i]; i++)
		if (!strcmp(fw_backends[i]->name, name))
			return fw_backends[i];
	return NULL;
}

bool fw_backend_jumps_from(const struct fw_backend *be, const char *chain, size_t len)
{
	for (size_t i = 0; be->jumps_first_from && be->jumps_first_from[i]; i++)
		if (strlen(be->jumps_first_from[i]) == len && !strncmp(be->jumps_first_from[i], chain, len))
			return true;
	return false;
}

int fw_release_fd(void)
{
	return nft_batch_fd();
}
