// SPDX-License-Identifier: MIT
// Operation lifecycle: backend choice, the undo stack, rollback, and the netns socket cache (theory in op.h).
#include "core/op.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/records.h"
#include "core/dns.h"
#include "core/undo.h"
#include "firewall/fw.h"
#include "firewall/guard.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/neigh.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"
#include "util/spawn.h"

/* Settle op->fw (see op_begin in op.h). */
static int op_backend(struct op *op, bool write, struct nsnet_err *err)
{
	const char *want = op->opts->backend;
	const struct fw_backend *asked = fw_backends[0], *recorded = NULL;
	json_t *rec = NULL;
	int r = 0, n;

	if (want && !(asked = fw_backend_find(want)))
		return nsnet_err_set(err, EINVAL, "backend %s: expected nft or iptables", want);
	if (state_read(&op->st, STATE_IDS, "backend", &rec, NULL) == 0)
		recorded = fw_backend_find(json_string_value(json_object_get(rec, "backend")));
	op->fw = recorded ? recorded : asked;
	if (!want || asked == recorded || (!recorded && asked == fw_backends[0]))
		goto out;
	/* Another backend than the recorded one: only while nothing of nsnet exists. */
	n = state_count(&op->st, STATE_NETWORKS, 1, NULL) + state_count(&op->st, STATE_VIPS, 1, NULL) +
	    state_count(&op->st, STATE_PORTS, 1, NULL);
	if (recorded && n > 0) {
		r = nsnet_err_set(err, EBUSY, "backend %s: state dir %s uses the %s backend while networks or services "
				  "exist; remove them first or drop --backend/NSNET_BACKEND", want, op->st.dir,
				  recorded->name);
		goto out;
	}
	op->fw = asked;
	if (write) {
		json_t *j = json_pack("{s:s}", "backend", asked->name);

		r = j ? state_write(&op->st, STATE_IDS, "backend", j, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(j);
	}
out:
	json_decref(rec);
	return r;
}

int op_begin(struct op *op, const struct nsnet_opts *opts, bool write, struct nsnet_err *err)
{
	int r;

	memset(op, 0, sizeof(*op));
	op->opts = opts;
	op->fw = fw_backends[0];
	clock_gettime(CLOCK_MONOTONIC, &op->t0);
	op->st.lock_fd = -1;
	op->journal_fd = -1;
#ifdef NSNET_FAULT_INJECTION
	if (getenv("NSNET_FAULT"))
		op->fault_at = (unsigned int)strtoul(getenv("NSNET_FAULT"), NULL, 10);
#endif
	/* A dry run reads the state to plan exactly, but creates and locks nothing. */
	r = state_open(&op->st, opts->state_dir, write && !opts->dry_run, err);
	if (r == 0 && write && !opts->dry_run) {
		op->replayed = journal_replay_all(op, &op->rejected, op->rejected_why, sizeof(op->rejected_why));
		if (op->rejected)
			op_note(opts, 0, "warning: %s", op->rejected_why);
	}
	if (r == 0)
		r = op_backend(op, write && !opts->dry_run, err);
	return r;
}

void op_undo_free(struct op_undo *u)
{
	free(u->arg[0]);
	free(u->arg[1]);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

void op_undo_run(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored;
	struct nl *nl;

	op_links_forget(op);

	switch (u->kind) {
	case UNDO_NETNS_DEL: {
		unsigned long long dev, ino;
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, u->netns.name);
		/* Only the namespace this step made: one that replaced it since is not ours. */
		if (u->netns.id[0] && sscanf(u->netns.id, "%llu:%llu", &dev, &ino) == 2 &&
		    netns_exists(u->netns.name) && !netns_path_is(path, dev, ino))
			break;
		netns_del(u->netns.name, &ignored);
		break;
	}
	case UNDO_LINK_DEL:
		if (op_nl(op, u->link.ns, &nl, &ignored) == 0)
			link_del(nl, u->link.name, &ignored);
		break;
	case UNDO_FW:
	case UNDO_IPT_V1:
		if (u->fw && u->text)
			u->fw->apply(u->text, &ignored);
		break;
	case UNDO_GUARD:
		if (u->text)
			fw_guard_backend->apply(u->text, &ignored);
		break;
	case UNDO_FILE_DEL:
		if (u->file.dir[0] && u->text)
			op_file_restore_ours(u->file.dir, u->file.path, u->text);
		else if (u->file.dir[0])
			op_file_remove_ours(u->file.dir, u->file.path);
		break;
	case UNDO_SYSCTL:
		sysctl_set(u->sysctl.key, u->sysctl.value, &ignored);
		break;
	case UNDO_QDISC:
		limit_undo_run(op, u);
		break;
	case UNDO_DNS_STOP:
		dns_undo_stop(op, u->arg[0], u->arg[1]);
		break;
	case UNDO_DNS_HOST:
		dns_undo_host(op, u->arg[0], u->arg[1]);
		break;
	case UNDO_ETCD_DEL:
		overlay_undo_run(op, u);
		break;
	case UNDO_LINK_RENAME:
		op_undo_rename(op, u);
		break;
	case UNDO_LINK_RESTORE:
		op_undo_restore(op, u);
		break;
	case UNDO_STATE:
		rec_cache_forget(op, u->state.kind, u->state.name);
		if (u->text)
			state_write_text(&op->st, u->state.kind, u->state.name, u->text, strlen(u->text), &ignored);
		else
			state_remove(&op->st, u->state.kind, u->state.name, &ignored);
		break;
	}
}

int op_flush(struct op *op, struct nsnet_err *err)
{
	/* The resolvers start first: they get ready while the elements go in. */
	int r = dns_start_pending(op, err);

	if (r == 0)
		r = op_guard_flush(op, err);
	return r < 0 ? r : dns_wait_flush(op, err);
}

/* Batch mode's gathered work, forgotten (rollback, end). */
static void op_waits_free(struct op *op)
{
	op_net_fw_forget(op);
	free(op->guard_wait);
	op->guard_wait = NULL;
	op->n_guard_wait = op->cap_guard_wait = 0;
	dns_wait_free(op);
}

bool op_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	bool made;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	made = pthread_create(thread, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return made;
}

/*
 * Before the end or the rollback: the batch threads' work is in (its undo then runs with the
 * others) and the resolvers being stopped are gone.
 */
static void op_threads_settle(struct op *op)
{
	op_net_fw_join(op, NULL);
	dns_spawn_join(op, NULL);
	dns_stops_wait(op);
}

void op_rollback(struct op *op)
{
	op_threads_settle(op);
	op_netns_pool_stop(op);
	op_waits_free(op);
	while (op->n_undo) {
		struct op_undo *u = &op->undo[--op->n_undo];

		op_undo_run(op, u);
		op_undo_free(u);
	}
	op_parked_forget(op);
}

void op_end(struct op *op)
{
	op_threads_settle(op);
	while (op->n_undo)
		op_undo_free(&op->undo[--op->n_undo]);
	rec_cache_free(op);
	op_netns_pool_stop(op);
	op_waits_free(op);
	/* Finished (or rolled back): nothing is left to undo after a crash from here on. */
	journal_end(op);
	op_parked_remove(op);
	free(op->parked);
	op->parked = NULL;
	op->cap_parked = 0;
	free(op->undo);
	op->undo = NULL;
	op->cap_undo = 0;
	if (op->host_open)
		nl_close(&op->host);
	if (op->ct_open)
		nl_close(&op->ct);
	for (size_t i = 0; i < op->n_ns; i++) {
		nl_close(&op->ns[i].nl);
		if (op->ns[i].fd >= 0)
			close(op->ns[i].fd);
	}
	op->n_ns = 0;
	op->host_open = false;
	state_close(&op->st);
}

void op_echo(struct op *op, const char *fmt, ...)
{
	const struct nsnet_opts *o = op->opts;
	struct timespec now;
	char *line;
	va_list ap;
	int n;

	if (!o->echo || (!o->dry_run && o->verbose < 1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;	/* out of memory: the trace loses a line, the step still runs */
	o->echo(o->sink_ctx, line, (double)(now.tv_sec - op->t0.tv_sec) * 1e3 +
		(double)(now.tv_nsec - op->t0.tv_nsec) / 1e6);
	free(line);
}

void op_note(const struct nsnet_opts *o, int level, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int n;

	if (!o->note || o->verbose < level)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->note(o->sink_ctx, level, msg);
	free(msg);
}

/*
 * Test builds can kill the process at the Nth step boundary (NSNET_FAULT=N), to prove that an
 * operation interrupted anywhere is rolled back by the next one or by gc.
 */
static void op_fault_point(struct op *op)
{
#ifdef NSNET_FAULT_INJECTION
	if (op->fault_at && ++op->steps == op->fault_at)
		raise(SIGKILL);
#else
	(void)op;
#endif
}

/*
 * The undo stack. An entry is complete (its strings copied, the stack grown) and in the journal
 * before op_push() returns 0; only then may the caller apply the step. So a step never runs
 * without its undo, whatever fails: memory, the disk under the journal.
 */
int op_push(struct op *op, enum op_undo_kind kind, const char *a, const char *b, const char *text,
	    const struct fw_backend *fw, struct nsnet_err *err)
{
	struct op_undo u = { .kind = kind, .fw = fw };
	int r;

	if (op->n_undo == op->cap_undo) {
		size_t cap = op->cap_undo ? op->cap_undo * 2 : 16;
		struct op_undo *v = realloc(op->undo, cap * sizeof(*v));

		if (!v)
			return nsnet_err_set(err, ENOMEM, "out of memory");
		op->undo = v;
		op->cap_undo = cap;
	}
	u.arg[0] = strdup(a ? a : "");
	u.arg[1] = strdup(b ? b : "");
	u.text = text ? strdup(text) : NULL;
	if (!u.arg[0] || !u.arg[1] || (text && !u.text)) {
		op_undo_free(&u);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	if ((r = journal_push(op, &u, err)) < 0) {
		op_undo_free(&u);
		return r;
	}
	op->undo[op->n_undo++] = u;
	op_fault_point(op);
	return 0;
}

void op_pop(struct op *op)
{
	if (!op->n_undo)
		return;
	op_undo_free(&op->undo[--op->n_undo]);
	journal_pop(op);
}

void op_applied(struct op *op)
{
	op_fault_point(op);
}

/* Register @fd (taken over) as namespace @ns of the operation, with its netlink socket. */
static unsigned long op_ns_clock;

/* Make room for one more cached namespace: close the least recently used named one. */
static bool op_ns_evict(struct op *op)
{
	size_t lru = OP_MAX_NS;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!op->ns[i].pinned && (lru == OP_MAX_NS || op->ns[i].used < op->ns[lru].used))
			lru = i;
	if (lru == OP_MAX_NS)
		return false;
	nl_close(&op->ns[lru].nl);
	if (op->ns[lru].fd >= 0)
		close(op->ns[lru].fd);
	op->ns[lru] = op->ns[--op->n_ns];
	return true;
}

/* @nl: a socket already open in the namespace (taken over), else NULL: one is opened. */
static struct op_ns *op_ns_register(struct op *op, const char *ns, int fd, struct nl *nl, struct nsnet_err *err)
{
	struct op_ns *e;

	if (op->n_ns == OP_MAX_NS && !op_ns_evict(op)) {
		close(fd);
		if (nl)
			nl_close(nl);
		nsnet_err_set(err, E2BIG, "too many namespaces in one operation");
		return NULL;
	}
	e = &op->ns[op->n_ns];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", ns);
	e->fd = fd;
	if (nl) {
		e->nl = *nl;
	} else if (nl_open(&e->nl, fd, err) < 0) {
		close(fd);
		return NULL;
	}
	e->used = ++op_ns_clock;
	op->n_ns++;
	return e;
}

int op_ns_adopt(struct op *op, const char *ns, int fd, struct nl *nl, bool lo_up, struct nsnet_err *err)
{
	struct op_ns *e;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns)) {	/* open already: keep that one */
			close(fd);
			nl_close(nl);
			return 0;
		}
	if (!(e = op_ns_register(op, ns, fd, nl, err)))
		return err ? -err->code : -EINVAL;
	e->lo_up = lo_up;
	return 0;
}

bool op_ns_lo_up(const struct op *op, const char *ns)
{
	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns))
			return op->ns[i].lo_up;
	return false;
}

int op_netns_path(struct op *op, const char *ns, const char *path, unsigned long long *dev,
		  unsigned long long *ino, struct nsnet_err *err)
{
	struct op_ns *e;
	int fd;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns))
			return nsnet_err_set(err, EEXIST, "namespace %s is open already", ns);
	fd = netns_open_path(path, dev, ino, err);
	if (fd < 0)
		return fd;
	if (!(e = op_ns_register(op, ns, fd, NULL, err)))
		return err ? -err->code : -EINVAL;
	e->pinned = true;
	return 0;
}

static struct op_ns *op_ns_get(struct op *op, const char *ns, struct nsnet_err *err)
{
	int fd;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns)) {
			op->ns[i].used = ++op_ns_clock;
			return &op->ns[i];
		}
	fd = netns_open(ns, err);
	if (fd < 0)
		return NULL;
	return op_ns_register(op, ns, fd, NULL, err);
}

int op_nl(struct op *op, const char *ns, struct nl **out, struct nsnet_err *err)
{
	struct op_ns *e;

	if (!ns || !*ns) {
		if (!op->host_open) {
			int r = nl_open(&op->host, -1, err);

			if (r < 0)
				return r;
			op->host_open = true;
		}
		*out = &op->host;
		return 0;
	}
	e = op_ns_get(op, ns, err);
	if (!e)
		return err ? -err->code : -EINVAL;
	*out = &e->nl;
	return 0;
}

int op_netns_fd(struct op *op, const char *ns, struct nsnet_err *err)
{
	struct op_ns *e = op_ns_get(op, ns, err);

	return e ? e->fd : (err ? -err->code : -EINVAL);
}

/* Park mode: removals that cannot be undone wait for the end of an operation (apply, down). */
/*
 * Theory of operation. A kernel object nsnet removes cannot be put back: a deleted namespace,
 * veth or bridge is gone with its addresses, routes and processes. An operation in park mode
 * (struct op's park) therefore removes nothing of the kernel while it runs: a link is renamed to
 * a parked name "nsnet-pXXXXXXXX" (live, one step with the undo "rename it back", so a rollback
 * or a replayed journal finds it as it was, same ifindex), and a namespace or a file nsnet wrote
 * is only noted. The name is free at once for the object that replaces it. When the operation
 * ends without error (op_end(), after the journal is removed) the parked objects are removed; a
 * kill between the two leaves parked links, which gc removes as links of nsnet's that no record
 * names. op_rollback() forgets the list: the undo entries have renamed everything back.
 */


enum park_kind { PARK_LINK, PARK_NETNS, PARK_FILE, PARK_GOING, PARK_GOING_DOWN };

struct op_parked {
	enum park_kind kind;
	char ns[NSNET_NAME_MAX + 1];	/* PARK_LINK: "" = host; PARK_NETNS: the namespace */
	char name[PATH_MAX];		/* PARK_LINK: the parked name; PARK_FILE: the path; PARK_GOING*: the host link */
	char dir[PATH_MAX];		/* PARK_FILE: its directory */
	int ifindex;			/* PARK_LINK: its index (a rename keeps it) */
	int peer;			/* PARK_LINK in a namespace, a veth: its peer's index on the host */
};

void *op_array_add(void *arrayp, size_t *n, size_t *cap, size_t size, size_t first, struct nsnet_err *err)
{
	char *v;

	/* The pointer is read and written as bytes: it is a T *, not a void *. */
	memcpy(&v, arrayp, sizeof(v));
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : first;
		char *grown = c <= SIZE_MAX / size ? realloc(v, c * size) : NULL;

		if (!grown) {
			nsnet_err_set(err, ENOMEM, "out of memory");
			return NULL;
		}
		v = grown;
		memcpy(arrayp, &v, sizeof(v));
		*cap = c;
	}
	v += (*n)++ * size;
	memset(v, 0, size);
	return v;
}

static int park_add(struct op *op, enum park_kind kind, const char *ns, const char *name, const char *dir,
		    struct nsnet_err *err)
{
	struct op_parked *p = op_array_add(&op->parked, &op->n_parked, &op->cap_parked, sizeof(*p), 16, err);

	if (!p)
		return -ENOMEM;
	p->kind = kind;
	snprintf(p->ns, sizeof(p->ns), "%s", ns ? ns : "");
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : "");
	return 0;
}

bool op_park_name_is(const char *name)
{
	return strlen(name) == 15 && !strncmp(name, NSNET_BRIDGE_PREFIX "p", 7) &&
	       strspn(name + 7, "0123456789abcdef") == 8;
}

/* What a parked link inside a namespace loses when it goes down: its IPv6 addresses, its routes through gateways. */
struct park_keep {
	int ifindex;
	struct strbuf *text;
	bool dev_routes;	/* a host link's: its routes without a gateway too ("d DST") */
};

static void park_keep_addr(const struct addr_info *ai, void *data)
{
	struct park_keep *k = data;
	char a[INET6_ADDRSTRLEN];

	/* The kernel's link-local address comes back by itself with the link. */
	if (ai->ifindex != k->ifindex || ai->addr.family != AF_INET6 || (ai->addr.b[0] == 0xfe && (ai->addr.b[1] & 0xc0) == 0x80))
		return;
	strbuf_printf(k->text, "a %s %u\n", nsnet_addr_str(&ai->addr, a), ai->len);
}

static void park_keep_route(const struct route_info *ri, void *data)
{
	struct park_keep *k = data;
	char d[NSNET_PREFIX_STRLEN], g[INET6_ADDRSTRLEN];

	if (ri->oif != k->ifindex)
		return;
	if (ri->gw.family)
		strbuf_printf(k->text, "r %s %s\n", nsnet_prefix_str(&ri->dst, d), nsnet_addr_str(&ri->gw, g));
	else if (k->dev_routes)
		strbuf_printf(k->text, "d %s\n", nsnet_prefix_str(&ri->dst, d));
}

static void park_keep_neigh(const struct neigh_info *ni, void *data)
{
	struct park_keep *k = data;
	char a[INET6_ADDRSTRLEN];
	const uint8_t *m = ni->mac;

	/* Only entries made on purpose (a routed network's gateways): the kernel learns the others again. */
	if (ni->ifindex != k->ifindex || !(ni->state & NUD_PERMANENT))
		return;
	strbuf_printf(k->text, "n %s %02x:%02x:%02x:%02x:%02x:%02x\n", nsnet_addr_str(&ni->addr, a), m[0], m[1], m[2],
		      m[3], m[4], m[5]);
}

/* "n ADDR MAC": @line's address and MAC, or false. */
static bool op_restore_neigh(const char *line, struct nsnet_addr *a, uint8_t mac[6])
{
	char w[INET6_ADDRSTRLEN + 8], extra;
	unsigned int b[6];

	if (sscanf(line, "n %47s %2x:%2x:%2x:%2x:%2x:%2x %c", w, &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 7 ||
	    nsnet_addr_parse(w, a, NULL) < 0)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

bool op_link_restore_ok(const char *text)
{
	const char *p = text;

	if (!text || strlen(text) > 4096)
		return false;
	while (*p) {
		char line[160], w1[NSNET_PREFIX_STRLEN + 8], w2[INET6_ADDRSTRLEN + 8], extra;
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		struct nsnet_prefix dst;
		struct nsnet_addr a;
		unsigned int len;

		if (!nl || n >= sizeof(line))
			return false;
		memcpy(line, p, n);
		line[n] = 0;
		p = nl + 1;
		if (line[0] == 'a' && sscanf(line, "a %47s %u %c", w2, &len, &extra) == 2) {
			if (nsnet_addr_parse(w2, &a, NULL) < 0 || a.family != AF_INET6 || len > 128)
				return false;
		} else if (line[0] == 'r' && sscanf(line, "r %55s %47s %c", w1, w2, &extra) == 2) {
			if (nsnet_prefix_parse(w1, &dst, NULL) < 0 || nsnet_addr_parse(w2, &a, NULL) < 0 ||
			    a.family != dst.addr.family)
				return false;
		} else if (line[0] == 'd' && sscanf(line, "d %55s %c", w1, &extra) == 1) {
			if (nsnet_prefix_parse(w1, &dst, NULL) < 0)
				return false;
		} else if (line[0] == 'n') {
			uint8_t mac[6];

			if (!op_restore_neigh(line, &a, mac))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

void op_undo_restore(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored;
	struct link_info li;
	struct nl *nl = NULL;
	const char *p = u->text;
	char mark[OP_MARK_MAX];

	if (!op_link_restore_ok(u->text) || op_nl(op, u->link.ns, &nl, &ignored) < 0 ||
	    link_get(nl, u->link.name, &li, &ignored) < 0)
		return;
	/* On the host, only a link that carries this state dir's mark. */
	if (!u->link.ns[0] && (op_owner_mark(op, false, mark, NULL) < 0 || op_link_owner(&li, mark) != LINK_OURS))
		return;
	/* A host link parked down (op_host_link_park()): up again first (a namespace's is, by its rename back). */
	if (!li.up)
		link_set_up(nl, u->link.name, &ignored);
	/* Addresses first: a route's gateway is reached through them. */
	for (int pass = 0; pass < 2; pass++, p = u->text) {
		while (*p) {
			char w1[NSNET_PREFIX_STRLEN + 8], w2[INET6_ADDRSTRLEN + 8];
			const char *nl_end = strchr(p, '\n');
			struct nsnet_prefix dst;
			struct nsnet_addr a;
			unsigned int len;

			char line[160];
			uint8_t mac[6];

			snprintf(line, sizeof(line), "%.*s", (int)(nl_end ? nl_end - p : (ptrdiff_t)strlen(p)), p);
			if (pass == 0 && sscanf(p, "a %47s %u", w2, &len) == 2 && nsnet_addr_parse(w2, &a, NULL) == 0)
				addr_add(nl, li.ifindex, &a, len, &ignored);
			if (pass == 0 && op_restore_neigh(line, &a, mac))
				neigh_set(nl, li.ifindex, &a, mac, true, true, &ignored);
			if (pass == 1 && sscanf(p, "d %55s", w1) == 1 && nsnet_prefix_parse(w1, &dst, NULL) == 0)
				route_add(nl, &dst, NULL, li.ifindex, &ignored);
			if (pass == 1 && sscanf(p, "r %55s %47s", w1, w2) == 2 && nsnet_prefix_parse(w1, &dst, NULL) == 0 &&
			    nsnet_addr_parse(w2, &a, NULL) == 0 &&
			    route_add_onlink(nl, &dst, &a, li.ifindex, false, &ignored) == -ENETUNREACH)
				/* A gateway no route leads to (a routed network's 169.254.1.1): it was onlink. */
				route_add_onlink(nl, &dst, &a, li.ifindex, true, &ignored);
			p = nl_end ? nl_end + 1 : p + strlen(p);
		}
	}
}

/* Park link @ifname of @ns; @down (always inside a namespace): set down, what goes with that kept for the undo. */
static int link_park(struct op *op, const char *ns, const char *ifname, bool down, struct nsnet_err *err)
{
	struct link_info li;
	struct nl *nl;
	char parked[IFNAMSIZ];
	uint32_t rnd;
	int r;

	if (!op->park || op->opts->dry_run)
		return op_link_del(op, ns, ifname, err);
	op_links_forget(op);
	op_echo(op, "%s%s link set %s name (parked until the end)", ns && ns[0] ? "ip -n " : "ip", ns && ns[0] ? ns : "",
		ifname);
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	if ((r = link_get(nl, ifname, &li, err)) == -ENODEV) {
		nsnet_err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return nsnet_err_set(err, EIO, "no random bytes for a parked link's name");
	/*
	 * Inside a namespace the link goes down below, and takes its IPv6 addresses and its routes
	 * through gateways (a default route) with it: pushed first, their undo runs after the link
	 * is renamed back and up. A host link parked down also keeps its routes without a gateway
	 * (a routed network's host routes); its undo brings it up.
	 */
	down |= ns && ns[0];
	if (down) {
		struct strbuf keep = { 0 };
		struct park_keep k = { .ifindex = li.ifindex, .text = &keep, .dev_routes = !(ns && ns[0]) };

		/* (Dumps of this link's objects only: on the host, a routed network has two routes per namespace.) */
		if ((r = addr_dump_dev(nl, AF_INET6, li.ifindex, park_keep_addr, &k, err)) == 0 &&
		    (r = neigh_dump(nl, AF_INET, li.ifindex, park_keep_neigh, &k, err)) == 0 &&
		    (r = neigh_dump(nl, AF_INET6, li.ifindex, park_keep_neigh, &k, err)) == 0 &&
		    (r = route_dump_dev(nl, AF_INET, li.ifindex, park_keep_route, &k, err)) == 0)
			r = route_dump_dev(nl, AF_INET6, li.ifindex, park_keep_route, &k, err);
		if (r == 0 && keep.oom)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
		/* (Text that would not read back, never expected from the kernel's dump, is not kept.) */
		if (r == 0 && (strbuf_str(&keep)[0] || k.dev_routes) && op_link_restore_ok(strbuf_str(&keep)) &&
		    (r = op_push(op, UNDO_LINK_RESTORE, ns, ifname, strbuf_str(&keep), NULL, err)) == 0)
			op_applied(op);
		strbuf_free(&keep);
		if (r < 0) {
			nsnet_err_prefix(err, "park link %s", ifname);
			return r;
		}
	}
	snprintf(parked, sizeof(parked), NSNET_BRIDGE_PREFIX "p%08x", (unsigned)rnd);
	if ((r = op_push(op, UNDO_LINK_RENAME, ns, parked, ifname, NULL, err)) < 0)
		return r;
	if ((r = link_rename(nl, ifname, parked, err)) < 0) {
		op_pop(op);
		nsnet_err_prefix(err, "park link %s", ifname);
		return r;
	}
	op_applied(op);
	/*
	 * Inside a namespace, down too: its routes (a default route) leave the way free for the
	 * attachment that follows. Undone by bringing it up again, then UNDO_LINK_RESTORE.
	 */
	if (down && (r = link_set_down(nl, li.ifindex, NULL, err)) < 0)
		return r;
	if ((r = park_add(op, PARK_LINK, ns, parked, NULL, err)) == 0) {
		op->parked[op->n_parked - 1].ifindex = li.ifindex;
		op->parked[op->n_parked - 1].peer = ns && ns[0] && !strcmp(li.kind, "veth") ? li.iflink : 0;
	}
	return r;
}

/* op_parked_holds()'s search: does a host link the operation parked hold @addr? */
struct parked_hold {
	const struct op *op;
	const struct nsnet_addr *addr;
	bool found;
};

static void parked_hold_addr(const struct addr_info *ai, void *data)
{
	struct parked_hold *h = data;

	if (h->found || !nsnet_addr_equal(&ai->addr, h->addr))
		return;
	for (size_t i = 0; i < h->op->n_parked && !h->found; i++) {
		const struct op_parked *p = &h->op->parked[i];

		h->found = p->kind == PARK_LINK && !p->ns[0] && p->ifindex == ai->ifindex;
	}
}

bool op_parked_holds(struct op *op, const struct nsnet_addr *addr)
{
	struct parked_hold h = { .op = op, .addr = addr };
	struct nl *nl;

	/* One dump of the host's addresses, whatever the number of parked links (a network's ports too). */
	if (!op->n_parked || op_nl(op, NULL, &nl, NULL) < 0 || addr_dump(nl, addr->family, parked_hold_addr, &h, NULL) < 0)
		return false;
	return h.found;
}

int op_link_park(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	return link_park(op, ns, ifname, false, err);
}

int op_host_link_park(struct op *op, const char *ifname, struct nsnet_err *err)
{
	if (!op->park || op->opts->dry_run)
		return op_link_del(op, NULL, ifname, err);
	return link_park(op, NULL, ifname, true, err);
}

int op_park_netns(struct op *op, const char *ns, struct nsnet_err *err)
{
	return park_add(op, PARK_NETNS, ns, NULL, NULL, err);
}

int op_park_file(struct op *op, const char *dir, const char *path, struct nsnet_err *err)
{
	return park_add(op, PARK_FILE, NULL, path, dir, err);
}

int op_park_going(struct op *op, const char *ifname, bool down, struct nsnet_err *err)
{
	return park_add(op, down ? PARK_GOING_DOWN : PARK_GOING, NULL, ifname, NULL, err);
}

/*
 * Delete host links @v[0..@n) from a short-lived process, so the operation answers without
 * waiting for the kernel's teardown: each RTM_DELLINK waits for the kernel's RCU callbacks
 * (rcu_barrier(), one grace period or more: 30-100 ms for a bridge while the namespaces an apply
 * or down removed are being torn down), and a CNI DEL's veth pair for an RCU grace period. The
 * caller cut each link off and marked it going (or left it down); if the process never runs, gc
 * deletes them (marked going or owned by no record) and check takes none for a stray.
 *
 * The process is nsnet itself run again (`nsnet __link-del NAME IFINDEX ALIAS...`, see
 * core_link_del_going()), started with posix_spawn(): the caller's memory is shared until the
 * exec, not copied (a fork() copied the page tables and took copy-on-write faults after it: 3 ms
 * of CPU of a DEL's 12, measured under load 9). Its file descriptors are all close-on-exec but
 * one: the netfilter socket the operation's transactions went through (fw_release_fd()) is its
 * fd 3. The last close of that socket waits for the kernel to free what they deleted (an RCU
 * grace period: a published port's chain and rules made a DEL 2.6 -> 12 ms); held by the child,
 * it is the child's exit that waits. Links it cannot hand over are deleted here.
 */
#define OP_DEL_LATER_MAX 64

void op_links_del_later(const struct link_info *v, size_t n)
{
	const char *argv[3 + 3 * OP_DEL_LATER_MAX];
	char idx[OP_DEL_LATER_MAX][16];
	size_t k = 0;
	struct nl nl;

	while (k < n) {
		size_t m = n - k < OP_DEL_LATER_MAX ? n - k : OP_DEL_LATER_MAX, a = 0;

		argv[a++] = "nsnet", argv[a++] = "__link-del";
		for (size_t i = 0; i < m; i++) {
			snprintf(idx[i], sizeof(idx[i]), "%d", v[k + i].ifindex);
			argv[a++] = v[k + i].name, argv[a++] = idx[i], argv[a++] = v[k + i].alias;
		}
		argv[a] = NULL;
		/* The netfilter socket goes with the first process only. */
		if (spawn_self_detached(argv, k == 0 ? fw_release_fd() : -1) != 0 && nl_open(&nl, -1, NULL) == 0) {
			/* Could not start it: deleted right here instead. */
			for (size_t i = 0; i < m; i++)
				link_del_index(&nl, v[k + i].ifindex, NULL);
			nl_close(&nl);
		}
		k += m;
	}
}

/*
 * Mark host link @name going (and set it down with @down), if it is still this state dir's. 0
 * with *@out (may be NULL) the link as marked, or -errno (not ours, gone, not marked).
 */
static int park_going_mark(struct op *op, const char *name, bool down, struct link_info *out)
{
	char mark[OP_MARK_MAX], going[OP_MARK_MAX + sizeof(OP_MARK_GOING)];
	struct link_info li;
	struct nl *nl;
	int r;

	if ((r = op_owner_mark(op, false, mark, NULL)) < 0 || (r = op_nl(op, NULL, &nl, NULL)) < 0 ||
	    (r = link_get(nl, name, &li, NULL)) < 0)
		return r;
	if (op_link_owner(&li, mark) != LINK_OURS)
		return -EPERM;
	snprintf(going, sizeof(going), "%s%s", mark, OP_MARK_GOING);
	if (down)
		r = link_set_down(nl, li.ifindex, going, NULL);
	else
		r = link_set_alias_index(nl, li.ifindex, going, NULL);
	if (r == 0 && out) {
		*out = li;
		snprintf(out->alias, sizeof(out->alias), "%s", going);
	}
	return r;
}

void op_undo_rename(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored;
	struct nl *nl = NULL;

	if (u->text && op_nl(op, u->link.ns, &nl, &ignored) == 0 && link_rename(nl, u->link.name, u->text, &ignored) == 0 &&
	    u->link.ns[0])
		link_set_up(nl, u->text, &ignored);
}

/* parked_addrs_flush()'s links, and the addresses found on them. */
struct parked_addrs {
	const struct link_info *v;
	size_t n;
	struct addr_info *found;
	size_t n_found, cap_found;
};

static void parked_addr_keep(const struct addr_info *ai, void *data)
{
	struct parked_addrs *pa = data;
	struct addr_info *slot;

	for (size_t i = 0; i < pa->n; i++)
		if (pa->v[i].ifindex == ai->ifindex &&
		    (slot = op_array_add(&pa->found, &pa->n_found, &pa->cap_found, sizeof(*slot), 8, NULL)))
			*slot = *ai;
}

/*
 * Host links whose deletion is left to another process lose their addresses now: down, a link's
 * addresses route nothing, but a network made next (apply after down) must not find its gateway
 * still an address of this host. Found by one dump first (a request sent while a dump runs on
 * the same socket would mix their answers), then deleted. Best effort: the deletion takes them
 * anyway.
 */
static void parked_addrs_flush(struct op *op, const struct link_info *v, size_t n)
{
	struct parked_addrs pa = { .v = v, .n = n };
	struct nl *nl;

	if (op_nl(op, NULL, &nl, NULL) < 0)
		return;
	if (addr_dump(nl, AF_UNSPEC, parked_addr_keep, &pa, NULL) == 0)
		for (size_t i = 0; i < pa.n_found; i++)
			addr_del(nl, pa.found[i].ifindex, &pa.found[i].addr, pa.found[i].len, NULL);
	free(pa.found);
}

/* Is host link @ifindex one of @later's (deleted by a process of its own)? */
static bool parked_later_has(const struct link_info *later, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (later[i].ifindex == ifindex)
			return true;
	return false;
}

void op_parked_remove(struct op *op)
{
	struct nsnet_err ignored;
	struct link_info *later = NULL;
	size_t n_later = 0;

	/*
	 * Host links first: each (a network's bridge, a port's host end) goes down and is marked
	 * going here, its deletion left to a process of its own (op_links_del_later()): down, it
	 * routes nothing, so a network made next with the same subnet works at once.
	 */
	for (size_t i = 0; i < op->n_parked; i++) {
		const struct op_parked *p = &op->parked[i];

		if (p->kind != PARK_LINK || p->ns[0])
			continue;
		if (!later)
			later = calloc(op->n_parked, sizeof(*later));
		if (later && park_going_mark(op, p->name, true, &later[n_later]) == 0) {
			n_later++;
		} else {
			struct nl *nl;

			if (op_nl(op, NULL, &nl, &ignored) == 0)
				link_del(nl, p->name, &ignored);
		}
	}
	for (size_t i = 0; i < op->n_parked; i++) {
		const struct op_parked *p = &op->parked[i];
		struct nl *nl;

		switch (p->kind) {
		case PARK_LINK:
			if (!p->ns[0])
				break;
			/*
			 * A namespace's veth whose host end goes above goes with it: deleting it here
			 * would wait for an RCU grace period per link (a network of N namespaces
			 * replaced: N of them).
			 */
			if (p->peer && parked_later_has(later, n_later, p->peer))
				break;
			if (op_nl(op, p->ns, &nl, &ignored) == 0)
				link_del(nl, p->name, &ignored);
			break;
		case PARK_NETNS:
			/* Our cached socket and fd would keep the namespace alive: op_netns_del drops them. */
			op->park = false;
			op_netns_del(op, p->ns, &ignored);
			break;
		case PARK_FILE:
			op_file_remove_ours(p->dir, p->name);
			break;
		case PARK_GOING:
		case PARK_GOING_DOWN:
			park_going_mark(op, p->name, p->kind == PARK_GOING_DOWN, NULL);
			break;
		}
	}
	op->n_parked = 0;
	if (n_later) {
		parked_addrs_flush(op, later, n_later);
		op_links_del_later(later, n_later);
	}
	free(later);
}

void op_parked_forget(struct op *op)
{
	op->n_parked = 0;
}
