// SPDX-License-Identifier: MIT
// Operation steps with echo, apply and undo (theory of operation in op.h).
#include "core/op.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firewall/fw.h"
#include "firewall/guard.h"
#include "kernel/addr.h"
#include "kernel/conntrack.h"
#include "kernel/link.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"
#include "util/dir.h"
#include "util/names.h"

static int op_replay_journals(struct op *op);

/* Settle op->fw (see op_begin in op.h). */
static int op_backend(struct op *op, bool write, struct nsnet_err *err)
{
	const char *want = op->opts->backend, *had = NULL;
	enum fw_backend asked = FW_NFT, recorded = FW_NFT;
	json_t *rec = NULL;
	int r = 0, n;

	if (want && fw_backend_parse(want, &asked) < 0)
		return nsnet_err_set(err, EINVAL, "backend %s: expected nft or iptables", want);
	if (state_read(&op->st, STATE_IDS, "backend", &rec, NULL) == 0)
		had = json_string_value(json_object_get(rec, "backend"));
	if (had && fw_backend_parse(had, &recorded) < 0)
		had = NULL;
	op->fw = had ? recorded : asked;
	if (!want || (had && asked == recorded) || (!had && asked == FW_NFT))
		goto out;
	/* Another backend than the recorded one: only while nothing of nsnet exists. */
	n = state_count(&op->st, STATE_NETWORKS, 1, NULL) + state_count(&op->st, STATE_VIPS, 1, NULL) +
	    state_count(&op->st, STATE_PORTS, 1, NULL);
	if (had && n > 0) {
		r = nsnet_err_set(err, EBUSY, "backend %s: state dir %s uses the %s backend while networks or services "
				  "exist; remove them first or drop --backend/NSNET_BACKEND", want, op->st.dir,
				  fw_backend_name(recorded));
		goto out;
	}
	op->fw = asked;
	if (write) {
		json_t *j = json_pack("{s:s}", "backend", fw_backend_name(asked));

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
	clock_gettime(CLOCK_MONOTONIC, &op->t0);
	op->undo = calloc(OP_MAX_UNDO, sizeof(*op->undo));
	if (!op->undo)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	op->st.lock_fd = -1;
	op->journal_fd = -1;
#ifdef NSNET_FAULT_INJECTION
	if (getenv("NSNET_FAULT"))
		op->fault_at = (unsigned int)strtoul(getenv("NSNET_FAULT"), NULL, 10);
#endif
	/* A dry run reads the state to plan exactly, but creates and locks nothing. */
	r = state_open(&op->st, opts->state_dir, write && !opts->dry_run, err);
	if (r == 0 && write && !opts->dry_run)
		op->replayed = op_replay_journals(op);
	if (r == 0)
		r = op_backend(op, write && !opts->dry_run, err);
	return r;
}

static void op_undo_free(struct op_undo *u)
{
	free(u->text);
	json_decref(u->rec);
	u->text = NULL;
	u->rec = NULL;
}

void op_rollback(struct op *op)
{
	struct nsnet_err ignored;

	/* The undo may put an older leases record back: read it again if asked. */
	leases_free(&op->leases);
	op->leases_cached = false;
	while (op->n_undo) {
		struct op_undo *u = &op->undo[--op->n_undo];
		struct nl *nl;

		switch (u->kind) {
		case UNDO_NETNS_DEL:
			netns_del(u->a, &ignored);
			break;
		case UNDO_LINK_DEL:
			if (op_nl(op, u->a, &nl, &ignored) == 0)
				link_del(nl, u->b, &ignored);
			break;
		case UNDO_NFT:
			fw_nft_apply(u->text, &ignored);
			break;
		case UNDO_IPT:
			fw_ipt_apply(u->text, &ignored);
			break;
		case UNDO_FILE_DEL: {
			char tmp[sizeof(u->a) + 16];

			snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", u->a);	/* a write cut short */
			unlink(tmp);
			unlink(u->a);
			if (u->b[0])
				rmdir(u->b);
			break;
		}
		case UNDO_SYSCTL:
			sysctl_set(u->a, u->b, &ignored);
			break;
		case UNDO_STATE:
			if (u->text)
				state_write_text(&op->st, u->a, u->b, u->text, strlen(u->text), &ignored);
			else if (u->rec)	/* journals written before records were kept as text */
				state_write(&op->st, u->a, u->b, u->rec, &ignored);
			else
				state_remove(&op->st, u->a, u->b, &ignored);
			break;
		}
		op_undo_free(u);
	}
}

void op_end(struct op *op)
{
	char path[PATH_MAX + 64];

	while (op->n_undo)
		op_undo_free(&op->undo[--op->n_undo]);
	leases_free(&op->leases);
	op->leases_cached = false;
	/* Finished (or rolled back): nothing is left to undo after a crash from here on. */
	if (op->journal_fd >= 0) {
		close(op->journal_fd);
		snprintf(path, sizeof(path), "%s/%s/%d.jsonl", op->st.dir, STATE_JOURNAL, (int)getpid());
		unlink(path);
		op->journal_fd = -1;
	}
	free(op->undo);
	op->undo = NULL;
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
	FILE *f = op->opts->dry_run ? stdout : stderr;
	va_list ap;

	if (!op->opts->dry_run && op->opts->verbose < 1)
		return;
	if (!op->opts->dry_run && op->opts->verbose >= 2) {
		/* -vv: time since the operation began, to see where an operation spends it. */
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(f, "+ [%7.3f ms] ", (double)(now.tv_sec - op->t0.tv_sec) * 1e3 +
			(double)(now.tv_nsec - op->t0.tv_nsec) / 1e6);
	} else if (!op->opts->dry_run) {
		fputs("+ ", f);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* Append one line to the operation's journal (see "Crash consistency" in op.h). */
/* Append @len bytes (whole lines) to the operation's journal, opened at the first step. */
static void op_journal_write(struct op *op, const char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	if (op->journal_fd < 0) {
		snprintf(path, sizeof(path), "%s/%s/%d.jsonl", op->st.dir, STATE_JOURNAL, (int)getpid());
		op->journal_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	}
	if (op->journal_fd < 0)
		return;
	/* One write per line: a crash leaves whole lines only. */
	if (write(op->journal_fd, buf, len) != (ssize_t)len)
		op->journal_broken = true;
}

static void op_journal_line(struct op *op, json_t *line)
{
	char *text;
	size_t len;

	if (!line)
		return;
	text = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!text)
		return;
	len = strlen(text);
	text[len] = '\n';	/* json_dumps' NUL becomes the newline */
	op_journal_write(op, text, len + 1);
	free(text);
}

/*
 * The push of a previous record (@u->text: a state file's bytes, one compact JSON object and a
 * newline) with the record inline as "raw", not as an escaped string: a network's leases run to
 * tens of KiB, and escaping (and UTF-8 checking) them on every attach was measurable. Returns
 * false, writing nothing, for text that is not one line holding an object.
 */
static bool op_journal_record(struct op *op, const struct op_undo *u)
{
	size_t len = strlen(u->text), plen;
	char *head, *line;
	json_t *j;
	bool ok;

	while (len && u->text[len - 1] == '\n')
		len--;
	if (len < 2 || u->text[0] != '{' || u->text[len - 1] != '}' || memchr(u->text, '\n', len))
		return false;
	j = json_pack("{s:s, s:i, s:s, s:s}", "do", "push", "kind", (int)u->kind, "a", u->a, "b", u->b);
	head = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!head)
		return false;
	plen = strlen(head) - 1;	/* without its closing brace */
	if ((ok = (line = malloc(plen + len + 10)) != NULL)) {
		memcpy(line, head, plen);
		memcpy(line + plen, ",\"raw\":", 7);
		memcpy(line + plen + 7, u->text, len);
		memcpy(line + plen + 7 + len, "}\n", 2);
		op_journal_write(op, line, plen + len + 9);
		free(line);
	}
	free(head);
	return ok;
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
 * Record how to undo the step about to be applied, in memory and in the journal, before it is
 * applied (write-ahead). Takes ownership of @rec. Returns the entry, NULL when the stack is full.
 */
static struct op_undo *op_push(struct op *op, enum op_undo_kind kind, const char *a, const char *b,
			       const char *text, json_t *rec)
{
	struct op_undo *u;

	if (op->n_undo == OP_MAX_UNDO) {
		json_decref(rec);
		return NULL;
	}
	u = &op->undo[op->n_undo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	snprintf(u->a, sizeof(u->a), "%s", a ? a : "");
	snprintf(u->b, sizeof(u->b), "%s", b ? b : "");
	u->text = text ? strdup(text) : NULL;
	u->rec = rec;
	if (kind == UNDO_STATE && u->text && op_journal_record(op, u))
		;	/* written with the record inline */
	else
		op_journal_line(op, json_pack("{s:s, s:i, s:s, s:s, s:s?, s:O?}", "do", "push", "kind", (int)kind,
					      "a", u->a, "b", u->b, "text", u->text, "rec", u->rec));
	op_fault_point(op);
	return u;
}

/* The step pushed last failed: forget its undo without running it. */
static void op_pop(struct op *op, struct op_undo *u)
{
	if (!u)
		return;
	op_undo_free(u);
	op->n_undo--;
	op_journal_line(op, json_pack("{s:s}", "do", "pop"));
}

/* The step pushed last was applied. */
static void op_applied(struct op *op)
{
	op_fault_point(op);
}

/*
 * Roll back what interrupted operations left: every journal in the state dir belongs to a
 * process that died holding the lock we now hold. Returns how many were rolled back.
 */
static int op_replay_journals(struct op *op)
{
	char path[PATH_MAX + 64], *line = NULL, **names;
	size_t cap = 0;
	int n, done = 0;

	snprintf(path, sizeof(path), "%s/%s", op->st.dir, STATE_JOURNAL);
	n = dir_names(path, ".jsonl", &names, NULL);

	for (int i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/%s.jsonl", op->st.dir, STATE_JOURNAL, names[i]);
		f = fopen(path, "re");
		/* getline: an undo carrying a large nft text (many backends) is one long line. */
		while (f && getline(&line, &cap, f) > 0) {
			json_t *j = json_loads(line, 0, NULL);
			const char *what = json_string_value(json_object_get(j, "do"));
			json_int_t kind = json_integer_value(json_object_get(j, "kind"));

			if (what && !strcmp(what, "pop") && op->n_undo) {
				op_undo_free(&op->undo[--op->n_undo]);
			} else if (what && !strcmp(what, "push") && kind >= UNDO_NETNS_DEL && kind <= UNDO_IPT &&
				   op->n_undo < OP_MAX_UNDO) {
				struct op_undo *u = &op->undo[op->n_undo++];
				const char *text = json_string_value(json_object_get(j, "text"));
				json_t *rec = json_object_get(j, "rec");

				if (!rec)
					rec = json_object_get(j, "raw");	/* a previous record inline (op_journal_record) */

				memset(u, 0, sizeof(*u));
				u->kind = (enum op_undo_kind)kind;
				snprintf(u->a, sizeof(u->a), "%s", json_string_value(json_object_get(j, "a")) ?: "");
				snprintf(u->b, sizeof(u->b), "%s", json_string_value(json_object_get(j, "b")) ?: "");
				u->text = text ? strdup(text) : NULL;
				u->rec = json_is_object(rec) ? json_incref(rec) : NULL;	/* null: no record before */
			}
			json_decref(j);
		}
		if (f)
			fclose(f);
		if (op->opts->verbose)
			fprintf(stderr, "nsnet: rolling back an interrupted operation (journal %s, %zu steps)\n",
				names[i], op->n_undo);
		op_rollback(op);
		unlink(path);
		done++;
	}
	dir_names_free(names, n > 0 ? n : 0);
	free(line);
	if (done)
		state_sweep_tmp(&op->st);	/* record writes the dead process cut short */
	return done;
}

/* Register @fd (taken over) as namespace @ns of the operation, with its netlink socket. */
static struct op_ns *op_ns_register(struct op *op, const char *ns, int fd, struct nsnet_err *err)
{
	struct op_ns *e;

	if (op->n_ns == OP_MAX_NS) {
		close(fd);
		nsnet_err_set(err, E2BIG, "too many namespaces in one operation");
		return NULL;
	}
	e = &op->ns[op->n_ns];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", ns);
	e->fd = fd;
	if (nl_open(&e->nl, fd, err) < 0) {
		close(fd);
		return NULL;
	}
	op->n_ns++;
	return e;
}

int op_netns_path(struct op *op, const char *ns, const char *path, unsigned long long *dev,
		  unsigned long long *ino, struct nsnet_err *err)
{
	int fd;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns))
			return nsnet_err_set(err, EEXIST, "namespace %s is open already", ns);
	fd = netns_open_path(path, dev, ino, err);
	if (fd < 0)
		return fd;
	return op_ns_register(op, ns, fd, err) ? 0 : (err ? -err->code : -EINVAL);
}

static struct op_ns *op_ns_get(struct op *op, const char *ns, struct nsnet_err *err)
{
	int fd;

	for (size_t i = 0; i < op->n_ns; i++)
		if (!strcmp(op->ns[i].name, ns))
			return &op->ns[i];
	if (op->n_ns == OP_MAX_NS) {
		nsnet_err_set(err, E2BIG, "too many namespaces in one operation");
		return NULL;
	}
	fd = netns_open(ns, err);
	if (fd < 0)
		return NULL;
	return op_ns_register(op, ns, fd, err);
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

/* "ip -n NS " or "ip " */
static const char *op_ip(const char *ns, char *buf, size_t len)
{
	if (ns && *ns)
		snprintf(buf, len, "ip -n %s", ns);
	else
		snprintf(buf, len, "ip");
	return buf;
}

int op_netns_add(struct op *op, const char *ns, struct nsnet_err *err)
{
	struct op_undo *u;
	int r;

	op_echo(op, "ip netns add %s", ns);
	if (op->opts->dry_run)
		return 0;
	u = op_push(op, UNDO_NETNS_DEL, ns, NULL, NULL, NULL);
	r = netns_add(ns, err);
	if (r < 0) {
		op_pop(op, u);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_netns_del(struct op *op, const char *ns, struct nsnet_err *err)
{
	int r;

	op_echo(op, "ip netns del %s", ns);
	if (op->opts->dry_run)
		return 0;
	/* Our cached socket and fd would keep the namespace alive: drop them first. */
	for (size_t i = 0; i < op->n_ns; i++) {
		if (!strcmp(op->ns[i].name, ns)) {
			nl_close(&op->ns[i].nl);
			close(op->ns[i].fd);
			op->ns[i] = op->ns[--op->n_ns];
			break;
		}
	}
	r = netns_del(ns, err);
	return r == -ENOENT ? 0 : r;
}

int op_bridge_add(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	unsigned int h = names_hash(NAMES_FNV_INIT, net->bridge, strlen(net->bridge));
	/* Locally administered, unicast, derived from the name: stable across re-creation. */
	uint8_t mac[6] = { 0x02, 0x6e, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8),
			   (uint8_t)h };
	struct op_undo *u;
	struct nl *nl;
	int r;

	op_echo(op, "ip link add %s mtu %u address %02x:%02x:%02x:%02x:%02x:%02x up type bridge",
		net->bridge, net->mtu, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		return r;
	u = op_push(op, UNDO_LINK_DEL, "", net->bridge, NULL, NULL);
	r = link_add_bridge(nl, net->bridge, net->mtu, mac, err);
	if (r < 0) {
		op_pop(op, u);
		if (r == -EEXIST)
			return nsnet_err_set(err, EEXIST, "bridge %s already exists", net->bridge);
		nsnet_err_prefix(err, "create bridge %s", net->bridge);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_veth_add(struct op *op, const char *host_if, const char *bridge, const char *ns,
		const char *peer_if, const uint8_t *peer_mac, unsigned int mtu, struct nsnet_err *err)
{
	struct link_info br, old;
	struct op_undo *u;
	struct nl *nl;
	int r, fd;

	op_echo(op, "ip link add %s mtu %u master %s up type veth peer name %s address %02x:%02x:%02x:%02x:%02x:%02x mtu %u netns %s",
		host_if, mtu, bridge, peer_if, peer_mac[0], peer_mac[1], peer_mac[2], peer_mac[3], peer_mac[4],
		peer_mac[5], mtu, ns);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		return r;
	if ((fd = op_netns_fd(op, ns, err)) < 0)
		return fd;
	r = link_get(nl, bridge, &br, err);
	if (r < 0) {
		nsnet_err_prefix(err, "bridge %s", bridge);
		return r;
	}
	/*
	 * The host end's name is derived from (namespace, network), so a namespace removed a moment
	 * ago may still hold it while the kernel tears that namespace down. Callers made sure no
	 * record owns the name, so what is there is such a leftover: remove it.
	 */
	if (link_get(nl, host_if, &old, NULL) == 0)
		link_del(nl, host_if, NULL);
	u = op_push(op, UNDO_LINK_DEL, "", host_if, NULL, NULL);
	r = link_add_veth(nl, host_if, br.ifindex, peer_if, peer_mac, fd, mtu, err);
	if (r < 0) {
		op_pop(op, u);
		nsnet_err_prefix(err, "create veth %s (peer %s in %s)", host_if, peer_if, ns);
		return r;
	}
	op_applied(op);
	return 0;
}

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

int op_guard(struct op *op, struct fw_guard_port *port, enum op_guard_mode mode, struct nsnet_err *err)
{
	struct strbuf text = { 0 }, undo = { 0 };
	struct op_undo *u = NULL;
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
				r = op_state_put(op, STATE_IDS, "guard-stale", NULL, err);
		} else {
			r = op_state_put(op, STATE_IDS, "guard-stale", list, err);
		}
		json_decref(list);
		goto out;
	}
	if (mode == GUARD_ADD) {
		fw_guard_text(port, false, &undo);
		u = op_push(op, UNDO_NFT, NULL, NULL, strbuf_str(&undo), NULL);
	}
	r = fw_guard_apply(port, 1, mode == GUARD_ADD, err);
	if (r < 0)
		op_pop(op, u);
	else
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
	return op_state_put(op, STATE_IDS, "guard-stale", NULL, NULL);
}

int op_link_del(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct nl *nl;
	int r;

	op_echo(op, "%s link del %s", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_del(nl, ifname, err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		nsnet_err_prefix(err, "delete link %s", ifname);
	return r;
}

int op_link_configure(struct op *op, const char *ns, const char *ifname, bool hairpin, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct nl *nl;
	int r;

	if (hairpin)
		op_echo(op, "%s link set %s type bridge_slave hairpin on", op_ip(ns, ip, sizeof(ip)), ifname);
	op_echo(op, "%s link set %s addrgenmode none", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_configure(nl, ifname, hairpin, err);
	if (r < 0)
		nsnet_err_prefix(err, "%s: %sno IPv6 link-local address", ifname, hairpin ? "hairpin mode, " : "");
	return r;
}

int op_link_up(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct nl *nl;
	int r;

	op_echo(op, "%s link set %s up", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_set_up(nl, ifname, err);
	if (r < 0)
		nsnet_err_prefix(err, "set %s up", ifname);
	return r;
}

static int op_ifindex(struct op *op, const char *ns, const char *ifname, struct nl **nl,
		      struct nsnet_err *err)
{
	struct link_info li;
	int r;

	if ((r = op_nl(op, ns, nl, err)) < 0)
		return r;
	r = link_get(*nl, ifname, &li, err);
	if (r < 0) {
		nsnet_err_prefix(err, "link %s", ifname);
		return r;
	}
	return li.ifindex;
}

int op_addr_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *a,
		unsigned int len, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nl *nl;
	int r, idx;

	op_echo(op, "%s addr add %s/%u dev %s%s", op_ip(ns, ip, sizeof(ip)), nsnet_addr_str(a, buf),
		len, ifname, a->family == AF_INET6 ? " nodad" : "");
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = addr_add(nl, idx, a, len, err);
	if (r < 0)
		nsnet_err_prefix(err, "add address %s/%u to %s", buf, len, ifname);
	return r;
}

int op_route_default(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *gw,
		     struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nl *nl;
	int r, idx;

	op_echo(op, "%s%s route add default via %s dev %s", op_ip(ns, ip, sizeof(ip)),
		gw->family == AF_INET6 ? " -6" : "", nsnet_addr_str(gw, buf), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = route_add_default(nl, gw, idx, err);
	if (r < 0)
		nsnet_err_prefix(err, "add default route via %s", buf);
	return r;
}

int op_route_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_prefix *dst,
		 const struct nsnet_addr *gw, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], d[NSNET_PREFIX_STRLEN], g[INET6_ADDRSTRLEN] = "";
	struct nl *nl;
	int r, idx;

	if (gw && gw->family)
		nsnet_addr_str(gw, g);
	op_echo(op, "%s%s route add %s%s%s dev %s", op_ip(ns, ip, sizeof(ip)), dst->addr.family == AF_INET6 ? " -6" : "",
		nsnet_prefix_str(dst, d), g[0] ? " via " : "", g, ifname);
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = route_add(nl, dst, gw, idx, err);
	if (r < 0)
		nsnet_err_prefix(err, "add route %s%s%s", d, g[0] ? " via " : "", g);
	return r;
}

int op_conntrack_flush(struct op *op, uint8_t proto, const struct nsnet_addr *vip, uint16_t vip_port,
		       const struct nsnet_addr *backend, uint16_t backend_port, struct nsnet_err *err)
{
	char v[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int r;

	op_echo(op, "conntrack -D -f %s -p %s --orig-dst %s --dport %u --reply-src %s --reply-port-src %u",
		vip->family == AF_INET6 ? "ipv6" : "ipv4", proto == IPPROTO_UDP ? "udp" : "tcp",
		nsnet_addr_str(vip, v), vip_port, nsnet_addr_str(backend, b), backend_port);
	if (op->opts->dry_run)
		return 0;
	if (!op->ct_open) {
		if ((r = nl_open_bus(&op->ct, NETLINK_NETFILTER, -1, err)) < 0)
			return r;
		op->ct_open = true;
	}
	r = conntrack_del_dnat(&op->ct, proto, vip, vip_port, backend, backend_port, err);
	if (r < 0)
		nsnet_err_prefix(err, "conntrack");
	return r < 0 ? r : 0;
}

int op_sysctl(struct op *op, const char *key, const char *value, bool undoable, struct nsnet_err *err)
{
	struct op_undo *u = NULL;
	char cur[64];
	bool known;
	int r;

	known = sysctl_get(key, cur, sizeof(cur), NULL) == 0;
	/* A dry run shows the command even when this host has the value already: it is what a clean host needs. */
	if (!op->opts->dry_run && known && !strcmp(cur, value))
		return 0;
	op_echo(op, "sysctl -w %s=%s", key, value);
	if (op->opts->dry_run)
		return 0;
	if (undoable && known)
		u = op_push(op, UNDO_SYSCTL, key, cur, NULL, NULL);
	r = sysctl_set(key, value, err);
	if (r < 0) {
		op_pop(op, u);
		return r;
	}
	op_applied(op);
	return 0;
}

/* What applies a VIP change: the libnftnl fast path, or the text when it cannot (affinity). */
struct op_vip_change {
	const struct nsnet_vip *old, *new;
	const struct nsnet_port *ports_gone;	/* or these ports' removal */
	const struct nsnet_port *ports_new;	/* or these ports' publication */
	size_t n_ports;
};

static int op_nft_vip_apply(const char *cmds, const struct op_vip_change *c, struct nsnet_err *err)
{
	int r = c->ports_gone  ? fw_nft_ports_del(c->ports_gone, c->n_ports, err)
		: c->ports_new ? fw_nft_ports_add(c->ports_new, c->n_ports, err)
			       : fw_nft_vip_change(c->old, c->new, err);

	return r == -EOPNOTSUPP ? fw_nft_apply(cmds, err) : r;
}

static int op_nft_with(struct op *op, const char *cmds, const char *undo, const struct op_vip_change *fast,
		       struct nsnet_err *err);

int op_nft(struct op *op, const char *cmds, const char *undo, struct nsnet_err *err)
{
	return op_nft_with(op, cmds, undo, NULL, err);
}

int op_fw_ports_del(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err)
{
	struct op_vip_change c = { .ports_gone = p, .n_ports = n };

	if (op->fw != FW_NFT)
		return op_fw(op, cmds, undo, false, err);
	return op_nft_with(op, cmds, undo, &c, err);
}

int op_fw_ports_add(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err)
{
	struct op_vip_change c = { .ports_new = p, .n_ports = n };

	if (op->fw != FW_NFT)
		return op_fw(op, cmds, undo, false, err);
	return op_nft_with(op, cmds, undo, &c, err);
}

int op_fw_vip(struct op *op, const char *cmds, const char *undo, const struct nsnet_vip *old,
	      const struct nsnet_vip *new, struct nsnet_err *err)
{
	struct op_vip_change c = { .old = old, .new = new };

	if (op->fw != FW_NFT)
		return op_fw(op, cmds, undo, false, err);
	return op_nft_with(op, cmds, undo, &c, err);
}

static int op_nft_with(struct op *op, const char *cmds, const char *undo, const struct op_vip_change *fast,
		       struct nsnet_err *err)
{
	const char *p = cmds;
	struct op_undo *u;
	int r;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len)
			op_echo(op, "nft '%.*s'", (int)len, p);
		p += len + (p[len] == '\n');
	}
	if (op->opts->dry_run)
		return 0;
	u = undo ? op_push(op, UNDO_NFT, NULL, NULL, undo, NULL) : NULL;
	r = fast ? op_nft_vip_apply(cmds, fast, err) : fw_nft_apply(cmds, err);
	if (r < 0) {
		op_pop(op, u);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_fw(struct op *op, const char *cmds, const char *undo, bool rebuild, struct nsnet_err *err)
{
	struct fw_ipt_txn txn;
	struct op_undo *u;
	int r;

	if (op->fw == FW_NFT)
		return op_nft(op, cmds, undo, err);
	/* The steps are checked against the live ruleset, so even a dry run shows exactly what would run. */
	if ((r = fw_ipt_plan(cmds, rebuild, &txn, err)) < 0)
		return r;
	for (const char *p = strbuf_str(&txn.cmds); *p;) {
		size_t len = strcspn(p, "\n");

		op_echo(op, "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
	}
	if (op->opts->dry_run || (!txn.restore4.len && !txn.restore6.len)) {
		fw_ipt_txn_free(&txn);
		return 0;
	}
	u = undo ? op_push(op, UNDO_IPT, NULL, NULL, undo, NULL) : NULL;
	r = fw_ipt_commit(&txn, err);
	fw_ipt_txn_free(&txn);
	if (r < 0) {
		/* IPv4 may have been applied before IPv6 failed: the undo is convergent, run it now. */
		if (undo)
			fw_ipt_apply(undo, &(struct nsnet_err){ 0 });
		op_pop(op, u);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_file_write(struct op *op, const char *dir, const char *path, const char *content,
		  struct nsnet_err *err)
{
	char tmp[PATH_MAX];
	bool made_dir = false;
	struct op_undo *u;
	FILE *f;

	if (dir)
		op_echo(op, "mkdir -p %s", dir);
	for (const char *p = content; *p;) {
		size_t len = strcspn(p, "\n");

		op_echo(op, "echo '%.*s' %s %s", (int)len, p, p == content ? ">" : ">>", path);
		p += len + (p[len] == '\n');
	}
	if (op->opts->dry_run)
		return 0;
	/* Undo removes the file, then the directory if it is empty (then it was ours). */
	u = op_push(op, UNDO_FILE_DEL, path, dir, NULL, NULL);
	if (dir) {
		if (mkdir(dir, 0755) == 0)
			made_dir = true;
		else if (errno != EEXIST) {
			op_pop(op, u);
			return nsnet_err_set(err, errno, "create %s: %s", dir, strerror(errno));
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", path);
	f = fopen(tmp, "we");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		if (made_dir)
			rmdir(dir);
		op_pop(op, u);
		return nsnet_err_set(err, e, "write %s: %s", path, strerror(e));
	}
	op_applied(op);
	return 0;
}

int op_file_del(struct op *op, const char *dir, const char *path, struct nsnet_err *err)
{
	if (access(path, F_OK) < 0)
		return 0;
	op_echo(op, "rm -f %s", path);
	if (dir)
		op_echo(op, "rmdir %s", dir);
	if (op->opts->dry_run)
		return 0;
	if (unlink(path) < 0 && errno != ENOENT)
		return nsnet_err_set(err, errno, "remove %s: %s", path, strerror(errno));
	if (dir)
		rmdir(dir);	/* fine to fail: someone else put files there */
	return 0;
}

int op_state_put(struct op *op, const char *kind, const char *name, json_t *rec, struct nsnet_err *err)
{
	struct op_undo *u;
	char *old = NULL;
	int r;

	if (!strcmp(kind, STATE_LEASES) && op->leases_cached && !strcmp(name, op->leases_net)) {
		leases_free(&op->leases);
		op->leases_cached = false;
	}
	if (op->opts->dry_run)
		return 0;
	/* The old record's bytes, not parsed: putting them back is all an undo does (no record: remove). */
	r = state_read_text(&op->st, kind, name, &old, NULL);
	if (r < 0)
		old = NULL;
	u = op_push(op, UNDO_STATE, kind, name, old, NULL);
	free(old);
	r = rec ? state_write(&op->st, kind, name, rec, err) : state_remove(&op->st, kind, name, err);
	if (r < 0) {
		op_pop(op, u);
		return r;
	}
	op_applied(op);
	return 0;
}
