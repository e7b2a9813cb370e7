// SPDX-License-Identifier: MIT
// Firewall steps of an operation: text through the op's backend, fast paths, anti-spoofing and its stale list.
#include "core/op.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/undo.h"
#include "firewall/fw.h"
#include "firewall/guard.h"
#include "kernel/link.h"

/*
 * Theory of operation. Core renders firewall text with op->fw's renderers and hands it here with
 * the text that reverts it. op_fw() asks the backend to plan it (nft: nothing to ask; iptables:
 * the steps that change something against iptables-save), echoes the plan, pushes the undo with
 * the backend's name (so a replay after a crash applies it with the same backend), commits.
 * Where a backend has a fast path for a known shape of change (the vip_change / ports_add /
 * ports_del capabilities) it is tried first; -EOPNOTSUPP from it falls back to the text.
 * Anti-spoofing (table bridge nsnet) is nft with either backend: op_nft() applies its text,
 * op_fw_guarded() lets the backend decide whether it joins the backend's transaction.
 */

/* --- anti-spoofing: a port's elements, and the stale-list policy (theory in firewall/guard.h) -- */

#define GUARD_STALE_MAX 64

/* Stale elements: a JSON array of {"ifindex", "mac", "addrs"} in ids/guard-stale. */
static json_t *guard_stale_entry(const struct fw_guard_port *p)
{
	char mac[18], a[INET6_ADDRSTRLEN];
	json_t *addrs = json_array();

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1], p->mac[2], p->mac[3],
		 p->mac[4], p->mac[5]);
	for (size_t i = 0; addrs && i < p->n_addrs; i++)
		json_array_append_new(addrs, json_string(nsnet_addr_str(&p->addrs[i], a)));
	return json_pack("{s:i, s:s, s:o}", "ifindex", p->ifindex, "mac", mac, "addrs", addrs);
}

/* Delete every stale element listed in @list in one batch. */
static int guard_stale_purge(const json_t *list, struct nsnet_err *err)
{
	size_t n = json_array_size(list), k = 0;
	struct fw_guard_port *ports = calloc(n ? n : 1, sizeof(*ports));
	struct nsnet_addr *addrs = calloc((n ? n : 1) * NSNET_MAX_SUBNETS, sizeof(*addrs));
	int r = 0;

	if (!ports || !addrs) {
		free(ports);
		free(addrs);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i), *as = json_object_get(e, "addrs");
		const char *mac = json_string_value(json_object_get(e, "mac"));
		struct fw_guard_port *p = &ports[k];
		unsigned int m[6];

		if (!mac || sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		p->ifname = "(stale)";
		p->ifindex = (int)json_integer_value(json_object_get(e, "ifindex"));
		for (int b = 0; b < 6; b++)
			p->mac[b] = (uint8_t)m[b];
		p->addrs = &addrs[k * NSNET_MAX_SUBNETS];
		for (size_t a = 0; a < json_array_size(as) && p->n_addrs < NSNET_MAX_SUBNETS; a++)
			if (nsnet_addr_parse(json_string_value(json_array_get(as, a)) ?: "",
					     &addrs[k * NSNET_MAX_SUBNETS + p->n_addrs], NULL) == 0)
				p->n_addrs++;
		k++;
	}
	if (k)
		r = fw_guard_apply(ports, k, false, err);
	free(ports);
	free(addrs);
	return r;
}

static int op_net_fw_flush(struct op *op, struct nsnet_err *err);

/* Batch mode: a new port's elements, kept for op_guard_flush(). */
struct op_guard_wait {
	char ifname[IFNAMSIZ];
	int ifindex;
	uint8_t mac[6];
	size_t n_addrs;
	struct nsnet_addr addrs[NSNET_MAX_SUBNETS];
};

static int guard_wait_add(struct op *op, const struct fw_guard_port *port, struct nsnet_err *err)
{
	struct op_guard_wait *w;

	if (port->n_addrs > NSNET_MAX_SUBNETS)
		return nsnet_err_set(err, E2BIG, "port %s: more than %d addresses", port->ifname, NSNET_MAX_SUBNETS);
	if (!(w = op_array_add(&op->guard_wait, &op->n_guard_wait, &op->cap_guard_wait, sizeof(*w), 64, err)))
		return -ENOMEM;
	snprintf(w->ifname, sizeof(w->ifname), "%s", port->ifname);
	w->ifindex = port->ifindex;
	memcpy(w->mac, port->mac, 6);
	w->n_addrs = port->n_addrs;
	memcpy(w->addrs, port->addrs, port->n_addrs * sizeof(*port->addrs));
	return 0;
}

/* The indexes of the first @n ports gathered without one: one dump of the host's links. */
static int guard_wait_ifindex(struct op *op, size_t n, struct nsnet_err *err)
{
	struct link_list links = { 0 };
	bool dumped = false;
	struct nl *nl;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		struct op_guard_wait *w = &op->guard_wait[i];
		const struct link_info *li;

		if (w->ifindex)
			continue;
		if (!dumped && ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = link_list_dump(nl, &links, err)) < 0))
			break;
		dumped = true;
		if ((li = link_list_find(&links, w->ifname)))
			w->ifindex = li->ifindex;
		else
			r = nsnet_err_set(err, ENODEV, "link %s: no such device", w->ifname);
	}
	if (dumped)
		link_list_free(&links);
	return r;
}

/*
 * The elements gathered, in one commit: one step, whose undo deletes them all (by the ports'
 * names, which exist as long as the undo may run: the veths' own undo entries come earlier on
 * the stack). Before the commit nothing of them is in the kernel or the journal, so a kill before
 * it leaves nothing to undo.
 */
int op_guard_flush(struct op *op, struct nsnet_err *err)
{
	size_t n = op->n_guard_wait;
	struct strbuf undo = { 0 };
	struct fw_guard_port *ports;
	int r;

	/* The networks' rules first: the first one brings the elements' table. */
	if ((r = op_net_fw_flush(op, err)) < 0 || !n)
		return r;
	op->n_guard_wait = 0;	/* done now, or the operation fails and rolls back */
	if ((r = guard_wait_ifindex(op, n, err)) < 0)
		return r;
	if (!(ports = calloc(n, sizeof(*ports))))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct op_guard_wait *w = &op->guard_wait[i];

		ports[i].ifname = w->ifname;
		ports[i].ifindex = w->ifindex;
		memcpy(ports[i].mac, w->mac, 6);
		ports[i].n_addrs = w->n_addrs;
		ports[i].addrs = w->addrs;
		fw_guard_text(&ports[i], false, &undo);
	}
	if (undo.oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	else if ((r = op_push(op, UNDO_GUARD, NULL, NULL, strbuf_str(&undo), NULL, err)) == 0) {
		if ((r = fw_guard_apply(ports, n, true, err)) < 0)
			op_pop(op);
		else
			op_applied(op);
	}
	free(ports);
	strbuf_free(&undo);
	return r;
}

int op_guard(struct op *op, struct fw_guard_port *port, enum op_guard_mode mode, struct nsnet_err *err)
{
	struct strbuf text = { 0 }, undo = { 0 };
	struct link_info li;
	struct nl *nl;
	int r = 0;

	fw_guard_text(port, mode == GUARD_ADD, &text);
	for (const char *p = strbuf_str(&text); *p;) {
		size_t len = strcspn(p, "\n");

		op_echo(op, "nft '%.*s'", (int)len, p);
		p += len + (p[len] == '\n');
	}
	if (op->opts->dry_run)
		goto out;
	/* Elements gathered in batch mode go in before any are removed. */
	if (mode != GUARD_ADD && (r = op_guard_flush(op, err)) < 0)
		goto out;
	/* Batch mode: kept, and the port's index found with all the others' (op_guard_flush). */
	if (mode == GUARD_ADD && op->batch) {
		r = guard_wait_add(op, port, err);
		goto out;
	}
	if (!port->ifindex) {
		if ((r = op_nl(op, NULL, &nl, err)) < 0)
			goto out;
		if ((r = link_get(nl, port->ifname, &li, err)) < 0) {
			if (mode != GUARD_ADD && r == -ENODEV)
				r = 0;	/* the port is gone: so are its packets */
			goto out;
		}
		port->ifindex = li.ifindex;
	}
	if (mode == GUARD_FORGET) {
		json_t *list = NULL, *entry = guard_stale_entry(port);

		if (state_read(&op->st, STATE_IDS, "guard-stale", &list, NULL) < 0 || !json_is_array(list)) {
			json_decref(list);
			list = json_array();
		}
		json_array_append_new(list, entry);
		/* Enough gathered: one commit pays the kernel's wait for all of them. */
		if (json_array_size(list) >= GUARD_STALE_MAX) {
			r = guard_stale_purge(list, err);
			if (r == 0)
				r = op_state_del(op, STATE_IDS, "guard-stale", err);
		} else {
			r = list ? op_state_put(op, STATE_IDS, "guard-stale", list, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		}
		json_decref(list);
		goto out;
	}
	/* Park mode: the port stays (parked) until the end, and so may its elements come back. */
	if (mode == GUARD_ADD || op->park) {
		fw_guard_text(port, mode != GUARD_ADD, &undo);
		if (undo.oom) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		if ((r = op_push(op, UNDO_GUARD, NULL, NULL, strbuf_str(&undo), NULL, err)) < 0)
			goto out;
	}
	r = fw_guard_apply(port, 1, mode == GUARD_ADD, err);
	if (r < 0 && (mode == GUARD_ADD || op->park))
		op_pop(op);
	else if (r == 0)
		op_applied(op);
out:
	strbuf_free(&text);
	strbuf_free(&undo);
	return r;
}

int op_guard_purge_stale(struct op *op)
{
	if (op->opts->dry_run)
		return 0;
	return op_state_del(op, STATE_IDS, "guard-stale", NULL);
}

int op_guard_drop_end(struct op *op, struct nsnet_err *err)
{
	int n, r;

	if (!op->guard_drop)
		return 0;
	op->guard_drop = false;
	if ((n = state_count(&op->st, STATE_NETWORKS, 1, err)) != 0)
		return n < 0 ? n : 0;
	/* (added first: a table someone deleted is no error) */
	if ((r = op_nft(op, "add table bridge " NSNET_NFT_TABLE "\ndelete table bridge " NSNET_NFT_TABLE "\n", NULL, err)) < 0)
		return r;
	return op_guard_purge_stale(op);
}

/* --- firewall text through the op's backend ------------------------------------------------- */

/* A change whose text has a fast form (struct fw_backend's optional capabilities). */
struct op_fast {
	const struct nsnet_vip *old, *new;
	const struct nsnet_port *ports_gone;	/* or these ports' removal */
	const struct nsnet_port *ports_new;	/* or these ports' publication */
	size_t n_ports;
	bool vip;
};

static int op_fast_apply(const struct fw_backend *be, const struct op_fast *c, const struct fw_txn *txn,
			 struct nsnet_err *err)
{
	int r = -EOPNOTSUPP;

	if (c && c->ports_gone && be->ports_del)
		r = be->ports_del(c->ports_gone, c->n_ports, err);
	else if (c && c->ports_new && be->ports_add)
		r = be->ports_add(c->ports_new, c->n_ports, err);
	else if (c && c->vip && be->vip_change)
		r = be->vip_change(c->old, c->new, err);
	return r == -EOPNOTSUPP ? be->commit(txn, err) : r;
}

static void op_echo_lines(struct op *op, const char *text)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		op_echo(op, "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

static int op_fw_do(struct op *op, const struct fw_backend *be, enum op_undo_kind kind, const char *cmds,
		    const char *undo, bool rebuild, const struct op_fast *fast, struct nsnet_err *err);

/*
 * Batch mode: the networks' rules committed on a thread (op_net_fw_begin). The thread only runs
 * the backend's commit of a transaction planned, echoed and journaled by the operation's thread;
 * nothing else of the operation touches the firewall until op_net_fw_join().
 */
struct op_fw_async {
	pthread_t thread;
	const struct fw_backend *be;
	struct fw_txn txn;
	size_t undo_at;		/* its entry on the undo stack */
	bool threaded;		/* false: committed in line already */
	int r;
	struct nsnet_err err;
};

static void *fw_async_main(void *arg)
{
	struct op_fw_async *a = arg;

	a->r = a->be->commit(&a->txn, &a->err);
	return NULL;
}

int op_net_fw_join(struct op *op, struct nsnet_err *err)
{
	struct op_fw_async *a = op->fw_async;
	bool ending = !err;	/* op_rollback/op_end: no step boundary to count */
	int r;

	if (!a)
		return 0;
	op->fw_async = NULL;
	if (a->threaded)
		pthread_join(a->thread, NULL);
	a->be->txn_free(&a->txn);
	if ((r = a->r) < 0) {
		/* An nft transaction goes in whole or not at all: there is nothing to undo. */
		if (a->undo_at < op->n_undo) {
			free(op->undo[a->undo_at].text);
			op->undo[a->undo_at].text = NULL;
		}
		if (err)
			*err = a->err;
	} else if (!ending) {
		op_applied(op);
	}
	free(a);
	return r;
}

int op_net_fw_begin(struct op *op, struct nsnet_err *err)
{
	const struct fw_backend *be = op->fw;
	struct op_fw_async *a;
	int r;

	/* Only an atomic backend's (guard_join: nft) gathered rules, one commit at a time. */
	if (!op->net_fw || !op->net_fw_undo || op->fw_async || op->opts->dry_run || !be->guard_join)
		return 0;
	if (!(a = calloc(1, sizeof(*a))))
		return 0;	/* committed later, in line */
	a->be = be;
	if ((r = be->plan(op->net_fw, false, op->opts->verbose > 0, &a->txn, err)) < 0) {
		free(a);
		return r;
	}
	op_echo_lines(op, strbuf_str(&a->txn.echo));
	if (a->txn.empty || (r = op_push(op, UNDO_FW, NULL, NULL, op->net_fw_undo, be, err)) < 0) {
		be->txn_free(&a->txn);
		free(a);
		op_net_fw_forget(op);
		return r;
	}
	op_net_fw_forget(op);
	a->undo_at = op->n_undo - 1;
	if (!(a->threaded = op_thread_start(&a->thread, fw_async_main, a)))
		fw_async_main(a);	/* no thread: in line */
	op->fw_async = a;
	return 0;
}

/* Batch mode: the networks' rules gathered by op_fw_network(), as one step (before anything else). */
static int op_net_fw_flush(struct op *op, struct nsnet_err *err)
{
	char *text = op->net_fw, *undo = op->net_fw_undo;
	int r;

	if ((r = op_net_fw_join(op, err)) < 0 || !text)
		return r;
	op->net_fw = op->net_fw_undo = NULL;
	r = op_fw_do(op, op->fw, UNDO_FW, text, undo, false, NULL, err);
	free(text);
	free(undo);
	return r;
}

void op_net_fw_forget(struct op *op)
{
	free(op->net_fw);
	free(op->net_fw_undo);
	op->net_fw = op->net_fw_undo = NULL;
}

int op_fw_network(struct op *op, const char *cmds, const char *undo, const char *guard, const char *guard_undo,
		  struct nsnet_err *err)
{
	struct strbuf text = { 0 }, back = { 0 };

	if (!op->batch || op->opts->dry_run || !op->fw->guard_join || !undo)
		return op_fw_guarded(op, cmds, undo, guard, guard_undo, false, err);
	/* The text in the order of the networks, its undo in reverse (the first one's takes the table away). */
	strbuf_printf(&text, "%s%s", op->net_fw ? op->net_fw : "", cmds);
	if (guard && *guard)
		op->fw->guard_join(&text, guard);
	strbuf_printf(&back, "%s", undo);
	if (guard_undo && *guard_undo)
		op->fw->guard_join(&back, guard_undo);
	strbuf_printf(&back, "%s", op->net_fw_undo ? op->net_fw_undo : "");
	if (text.oom || back.oom) {
		strbuf_free(&text);
		strbuf_free(&back);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	op_net_fw_forget(op);
	op->net_fw = text.s;
	op->net_fw_undo = back.s;
	return 0;
}

/* Apply @cmds with backend @be (undone by @undo, journaled as @kind), the fast way if @fast says how. */
static int op_fw_with(struct op *op, const struct fw_backend *be, enum op_undo_kind kind, const char *cmds,
		      const char *undo, bool rebuild, const struct op_fast *fast, struct nsnet_err *err)
{
	int r;

	op->fw_base_ok = false;	/* this text may remove the base (a teardown): the caller sets it again */
	/* Batch mode: the networks' rules and the elements gathered go first (this text may need them). */
	if (!op->opts->dry_run && (r = op_guard_flush(op, err)) < 0)
		return r;
	return op_fw_do(op, be, kind, cmds, undo, rebuild, fast, err);
}

static int op_fw_do(struct op *op, const struct fw_backend *be, enum op_undo_kind kind, const char *cmds,
		    const char *undo, bool rebuild, const struct op_fast *fast, struct nsnet_err *err)
{
	struct fw_txn txn;
	int r;

	/* The plan may read the live ruleset, so even a dry run shows exactly what would run. */
	if ((r = be->plan(cmds, rebuild, op->opts->dry_run || op->opts->verbose > 0, &txn, err)) < 0)
		return r;
	op_echo_lines(op, strbuf_str(&txn.echo));
	if (op->opts->dry_run || txn.empty) {
		be->txn_free(&txn);
		return 0;
	}
	if (undo && (r = op_push(op, kind, NULL, NULL, undo, be, err)) < 0) {
		be->txn_free(&txn);
		return r;
	}
	r = op_fast_apply(be, fast, &txn, err);
	be->txn_free(&txn);
	if (r < 0) {
		/* Part may be applied (iptables: IPv4 before IPv6 failed): the undo converges, run it now. */
		if (undo && be->commit_partial)
			be->apply(undo, &(struct nsnet_err){ 0 });
		if (undo)
			op_pop(op);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_nft(struct op *op, const char *cmds, const char *undo, struct nsnet_err *err)
{
	return op_fw_with(op, fw_guard_backend, UNDO_GUARD, cmds, undo, false, NULL, err);
}

int op_fw(struct op *op, const char *cmds, const char *undo, bool rebuild, struct nsnet_err *err)
{
	return op_fw_with(op, op->fw, UNDO_FW, cmds, undo, rebuild, NULL, err);
}

int op_fw_ports_del(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err)
{
	struct op_fast c = { .ports_gone = p, .n_ports = n };

	return op_fw_with(op, op->fw, UNDO_FW, cmds, undo, false, &c, err);
}

int op_fw_ports_add(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err)
{
	struct op_fast c = { .ports_new = p, .n_ports = n };

	return op_fw_with(op, op->fw, UNDO_FW, cmds, undo, false, &c, err);
}

int op_fw_vip(struct op *op, const char *cmds, const char *undo, const struct nsnet_vip *old,
	      const struct nsnet_vip *new, struct nsnet_err *err)
{
	struct op_fast c = { .old = old, .new = new, .vip = true };

	return op_fw_with(op, op->fw, UNDO_FW, cmds, undo, false, &c, err);
}

int op_fw_guarded(struct op *op, const char *cmds, const char *undo, const char *guard, const char *guard_undo,
		  bool rebuild, struct nsnet_err *err)
{
	struct strbuf all = { 0 }, all_undo = { 0 };
	int r, r2;

	if (!guard || !*guard)
		return op_fw(op, cmds, undo, rebuild, err);
	if (op->fw->guard_join) {
		/* One transaction for both tables. */
		strbuf_printf(&all, "%s", cmds);
		op->fw->guard_join(&all, guard);
		if (undo) {
			strbuf_printf(&all_undo, "%s", undo);
			if (guard_undo)
				op->fw->guard_join(&all_undo, guard_undo);
		}
		r = all.oom || all_undo.oom ? nsnet_err_set(err, ENOMEM, "out of memory")
		    : op_fw(op, strbuf_str(&all), undo ? strbuf_str(&all_undo) : NULL, rebuild, err);
		strbuf_free(&all);
		strbuf_free(&all_undo);
		return r;
	}
	/* The guard's own transaction, after the backend's. */
	r = op_fw(op, cmds, undo, rebuild, err);
	if (r < 0 && undo)
		return r;
	r2 = op_nft(op, guard, guard_undo, r < 0 ? &(struct nsnet_err){ 0 } : err);
	return r < 0 ? r : r2;
}
