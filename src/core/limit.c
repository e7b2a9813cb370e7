// SPDX-License-Identifier: MIT
// Bandwidth limits (nsnet limit, ns add/attach --rate-in/--rate-out): tbf qdiscs on the veth, undo, check.
#include "core/limit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/records.h"
#include "core/undo.h"
#include "kernel/link.h"
#include "kernel/netns.h"
#include "kernel/tc.h"

/*
 * Theory of operation. An attachment is a veth pair: whatever enters the namespace leaves the
 * host end, whatever leaves the namespace leaves its inner end. A qdisc shapes what a link sends,
 * so "in" is a token bucket filter (tbf) as the root qdisc of the host end, "out" one as the root
 * qdisc of the inner end, inside the namespace. Shaping what a link receives would need an ifb
 * device to redirect it to (what the CNI bandwidth plugin does) or a policer, which drops instead
 * of queueing and so gives TCP a sawtooth well below the rate; neither is needed this way. The
 * price: a process with CAP_NET_ADMIN inside the namespace can remove its own "out" limit
 * (`nsnet check` reports it). docs/bandwidth.md has the rest.
 *
 * Each qdisc change is a step with an undo (UNDO_QDISC) that puts the previous state back: the
 * tbf it replaced, or none. Its text is "tbf RATE BURST" (bits per second, bytes; what
 * rate_burst() gives, as applied) or "none". A named namespace is reached by name on replay;
 * a CNI container's through the path its record keeps, when it still leads to that namespace.
 */

#define LIMIT_UNDO_MAX 64

/* The tbf of @bps bits per second with burst @burst (0: default). */
static struct tc_tbf limit_tbf(uint64_t bps, uint64_t burst)
{
	struct tc_tbf t = { .rate = bps / 8, .burst = (uint32_t)rate_burst(bps, burst),
			    .limit = (uint32_t)rate_queue(bps, burst) };

	return t;
}

static void limit_undo_text(uint64_t bps, uint64_t burst, char *out)
{
	if (bps)
		snprintf(out, LIMIT_UNDO_MAX, "tbf %" PRIu64 " %" PRIu64, bps, rate_burst(bps, burst));
	else
		snprintf(out, LIMIT_UNDO_MAX, "none");
}

/* Parse an undo text: 0 with *@bps 0 for "none", 0 with both set for a tbf, -1 if malformed. */
static int limit_undo_parse(const char *text, uint64_t *bps, uint64_t *burst)
{
	unsigned long long r, b;
	char tail;

	*bps = *burst = 0;
	if (!strcmp(text, "none"))
		return 0;
	if (sscanf(text, "tbf %llu %llu%c", &r, &b, &tail) != 2 || r < NSNET_RATE_MIN || r > NSNET_RATE_MAX ||
	    b < NSNET_BURST_MIN || b > NSNET_BURST_MAX || strncmp(text, "tbf ", 4) || strspn(text + 4, "0123456789 ") != strlen(text + 4))
		return -1;
	*bps = r;
	*burst = b;
	return 0;
}

bool limit_undo_text_ok(const char *text)
{
	uint64_t bps, burst;

	return limit_undo_parse(text, &bps, &burst) == 0;
}

/* Set (@bps) or remove (0) the tbf on link @ifname of socket @nl. */
static int limit_qdisc_apply(struct nl *nl, const char *ifname, uint64_t bps, uint64_t burst, struct nsnet_err *err)
{
	struct link_info li;
	struct tc_tbf t;
	int r;

	if ((r = link_get(nl, ifname, &li, err)) < 0) {
		nsnet_err_prefix(err, "link %s", ifname);
		return r;
	}
	if (!bps) {
		r = tc_root_del(nl, li.ifindex, err);
		return r == -ENOENT ? 0 : r;
	}
	t = limit_tbf(bps, burst);
	return tc_tbf_set(nl, li.ifindex, &t, err);
}

void limit_undo_run(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored;
	uint64_t bps, burst;
	bool opened = false;
	struct nl *nl;

	if (!u->text || limit_undo_parse(u->text, &bps, &burst) < 0)
		return;
	if (u->link.ns[0] && !netns_exists(u->link.ns)) {
		/* A CNI container: no name in /run/netns; its record has the path, valid while it leads there. */
		struct nsnet_namespace ns;
		unsigned long long dev, ino;
		bool open = false;

		for (size_t i = 0; i < op->n_ns; i++)
			open |= !strcmp(op->ns[i].name, u->link.ns);
		if (!open) {
			if (rec_namespace_load(op, u->link.ns, &ns, NULL) < 0 || !ns.cid[0] ||
			    op_netns_path(op, u->link.ns, ns.netns_path, &dev, &ino, NULL) < 0)
				return;
			opened = true;
			if (dev != ns.netns_dev || ino != ns.netns_ino)
				bps = UINT64_MAX;	/* another namespace now: touch nothing, close it again */
		}
	}
	if (bps != UINT64_MAX && op_nl(op, u->link.ns, &nl, &ignored) == 0)
		limit_qdisc_apply(nl, u->link.name, bps, burst, &ignored);
	if (!opened)
		return;
	/* Opened for this undo (a replay): closed again, so the operation may open the path itself. */
	for (size_t i = 0; i < op->n_ns; i++) {
		if (!strcmp(op->ns[i].name, u->link.ns)) {
			nl_close(&op->ns[i].nl);
			close(op->ns[i].fd);
			op->ns[i] = op->ns[--op->n_ns];
			break;
		}
	}
}

int op_qdisc(struct op *op, const char *ns, const char *ifname, uint64_t bps, uint64_t burst, uint64_t old_bps,
	     uint64_t old_burst, struct nsnet_err *err)
{
	char tc[NSNET_NAME_MAX + 16], undo[LIMIT_UNDO_MAX];
	char rate[NSNET_RATE_STRLEN], b[NSNET_RATE_STRLEN], q[NSNET_RATE_STRLEN];
	struct nl *nl;
	int r;

	snprintf(tc, sizeof(tc), ns && *ns ? "tc -n %s" : "tc", ns);
	if (bps)
		op_echo(op, "%s qdisc replace dev %s root tbf rate %s burst %s limit %s", tc, ifname, rate_str(bps, rate),
			size_str(rate_burst(bps, burst), b), size_str(rate_queue(bps, burst), q));
	else
		op_echo(op, "%s qdisc del dev %s root", tc, ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	limit_undo_text(old_bps, old_burst, undo);
	if ((r = op_push(op, UNDO_QDISC, ns, ifname, undo, NULL, err)) < 0)
		return r;
	r = limit_qdisc_apply(nl, ifname, bps, burst, err);
	if (r < 0) {
		op_pop(op);
		nsnet_err_prefix(err, "%s bandwidth limit on %s", bps ? "set" : "remove", ifname);
		return r;
	}
	op_applied(op);
	return 0;
}

int limit_attach_apply(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err)
{
	const struct nsnet_limit *l = &att->limit;
	int r = 0;

	if (l->rate_in)
		r = op_qdisc(op, NULL, att->host_ifname, l->rate_in, l->burst_in, 0, 0, err);
	if (r == 0 && l->rate_out)
		r = op_qdisc(op, ns, att->ifname, l->rate_out, l->burst_out, 0, 0, err);
	return r;
}

/* The limits @req makes of @old. -EINVAL for a burst with no rate to go with. */
static int limit_next(const char *ns, const char *net, const struct nsnet_limit *old, const struct limit_req *req,
		      struct nsnet_limit *out, struct nsnet_err *err)
{
	char b[NSNET_RATE_STRLEN];

	*out = *old;
	if (req->clear)
		memset(out, 0, sizeof(*out));
	if (req->rate_in)
		out->rate_in = req->rate_in;
	if (req->rate_out)
		out->rate_out = req->rate_out;
	if (!req->burst)
		return 0;
	if (!req->rate_in && !req->rate_out) {
		if (!limit_any(out))
			return nsnet_err_set(err, EINVAL, "--burst %s: namespace %s has no rate on network %s to apply it to",
					     size_str(req->burst, b), ns, net);
		if (out->rate_in)
			out->burst_in = req->burst;
		if (out->rate_out)
			out->burst_out = req->burst;
		return 0;
	}
	if (req->rate_in)
		out->burst_in = req->burst;
	if (req->rate_out)
		out->burst_out = req->burst;
	return 0;
}

/* Does the tbf applied for direction in (@in) or out differ between @a and @b? */
static bool limit_differs(const struct nsnet_limit *a, const struct nsnet_limit *b, bool in)
{
	uint64_t ra = in ? a->rate_in : a->rate_out, rb = in ? b->rate_in : b->rate_out;

	return ra != rb || rate_burst(ra, in ? a->burst_in : a->burst_out) != rate_burst(rb, in ? b->burst_in : b->burst_out);
}

/* Open CNI container @ns's namespace for this operation, refusing one its path no longer leads to. */
static int limit_open_sandbox(struct op *op, const struct nsnet_namespace *ns, struct nsnet_err *err)
{
	unsigned long long dev, ino;
	int r = op_netns_path(op, ns->name, ns->netns_path, &dev, &ino, err);

	if (r == 0 && (dev != ns->netns_dev || ino != ns->netns_ino))
		r = -ENOENT;
	if (r == -ENOENT || r == -ENOTNAM)
		return nsnet_err_set(err, ENOENT, "CNI container %s: its namespace %s is gone", ns->cid, ns->netns_path);
	return r;
}

/* Attachment @net of namespace @name from @ns's record (loaded into @ns), its namespace reachable. */
static int limit_att_load(struct op *op, const char *name, const char *net, struct nsnet_namespace *ns,
			  struct nsnet_attachment **att, struct nsnet_err *err)
{
	int r;

	if ((r = names_check("namespace", name, err)) < 0 || (r = names_check("network", net, err)) < 0)
		return r;
	*att = NULL;
	r = rec_namespace_load(op, name, ns, err);
	if (r == 0)
		*att = namespace_attachment(ns, net);
	if (r == -ENOENT || (r == 0 && !*att))
		return nsnet_err_set(err, ENOENT, "namespace %s is not attached to network %s", name, net);
	if (r < 0 || op->opts->dry_run)
		return r;
	if (ns->cid[0])
		return limit_open_sandbox(op, ns, err);
	if (!netns_exists(name))
		return nsnet_err_set(err, ENOENT, "namespace %s does not exist", name);
	return 0;
}

/*
 * The qdiscs of @att (of namespace @ns, record @rec) made @next: a step per direction whose tbf
 * changes, and also per direction @force[in/out] names that has or had a limit (running the same
 * command again puts back a qdisc someone removed). Then the record.
 */
static int limit_move(struct op *op, const char *ns, struct nsnet_namespace *rec, struct nsnet_attachment *att,
		      const struct nsnet_limit *next, const bool force[2], struct nsnet_err *err)
{
	int r = 0;

	if ((force[0] || limit_differs(next, &att->limit, true)) && (next->rate_in || att->limit.rate_in))
		r = op_qdisc(op, NULL, att->host_ifname, next->rate_in, next->burst_in, att->limit.rate_in,
			     att->limit.burst_in, err);
	if (r == 0 && (force[1] || limit_differs(next, &att->limit, false)) && (next->rate_out || att->limit.rate_out))
		r = op_qdisc(op, ns, att->ifname, next->rate_out, next->burst_out, att->limit.rate_out,
			     att->limit.burst_out, err);
	if (r < 0 || limit_eq(next, &att->limit))
		return r;
	att->limit = *next;
	return rec_namespace_put(op, rec, err);
}

int limit_set_apply(struct op *op, const char *name, const char *net, const struct limit_req *req,
		    struct nsnet_err *err)
{
	struct nsnet_attachment *att;
	struct nsnet_namespace ns;
	struct nsnet_limit next;
	int r;

	if ((r = limit_att_load(op, name, net, &ns, &att, err)) < 0)
		return r;
	if ((r = limit_next(name, net, &att->limit, req, &next, err)) < 0)
		return r;
	bool all = req->clear || (req->burst && !req->rate_in && !req->rate_out);
	const bool force[2] = { req->rate_in || all, req->rate_out || all };

	return limit_move(op, name, &ns, att, &next, force, err);
}

int limit_put_apply(struct op *op, const char *name, const char *net, const struct nsnet_limit *want,
		    struct nsnet_err *err)
{
	struct nsnet_attachment *att;
	struct nsnet_namespace ns;
	const bool force[2] = { false, false };
	int r;

	if ((r = limit_att_load(op, name, net, &ns, &att, err)) < 0)
		return r;
	return limit_move(op, name, &ns, att, want, force, err);
}

int core_limit(const struct nsnet_opts *o, const char *ns, const char *net, const struct limit_req *req,
	       struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : limit_set_apply(&op, ns, net, req, err), true);
}

/* Compare the root qdisc of @ifindex on @nl with a tbf of @bps/@burst; a finding when it differs. */
static int limit_check_one(struct nl *nl, int ifindex, const char *ns, const char *ifname, const char *dir,
			   uint64_t bps, uint64_t burst, struct nsnet_findings *fs)
{
	struct tc_tbf want = limit_tbf(bps, burst);
	char obj[NSNET_NAME_MAX + 16], r1[NSNET_RATE_STRLEN], r2[NSNET_RATE_STRLEN];
	struct tc_root got;

	snprintf(obj, sizeof(obj), "namespace/%s", ns);
	if (tc_root_get(nl, ifindex, &got, NULL) < 0 || strcmp(got.kind, "tbf")) {
		findings_add(fs, "qdisc-missing", NULL, obj, NULL, "namespace %s: %s has no tbf qdisc for its %s limit of %s",
			     ns, ifname, dir, rate_str(bps, r1));
		return 1;
	}
	if (got.tbf.rate != want.rate || got.tbf.limit != want.limit) {
		findings_add(fs, "qdisc-differs", NULL, obj, NULL, "namespace %s: the tbf on %s shapes %s to %s, not %s",
			     ns, ifname, dir, rate_str(got.tbf.rate * 8, r2), rate_str(bps, r1));
		return 1;
	}
	return 0;
}

int limit_check(struct nl *host, const struct nsnet_namespace *ns, const struct nsnet_attachment *a, int host_ifindex,
		struct nsnet_findings *fs)
{
	const struct nsnet_limit *l = &a->limit;
	struct link_info li;
	struct nl nl;
	int n = 0, fd;

	if (l->rate_in && host_ifindex)
		n += limit_check_one(host, host_ifindex, ns->name, a->host_ifname, "in", l->rate_in, l->burst_in, fs);
	if (!l->rate_out)
		return n;
	/* A socket of its own, closed again: check looks at every namespace, more than an op keeps open. */
	if (ns->cid[0]) {
		unsigned long long dev, ino;

		fd = netns_open_path(ns->netns_path, &dev, &ino, NULL);
		if (fd >= 0 && (dev != ns->netns_dev || ino != ns->netns_ino)) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = netns_open(ns->name, NULL);
	}
	if (fd < 0)
		return n;
	if (nl_open(&nl, fd, NULL) == 0) {
		if (link_get(&nl, a->ifname, &li, NULL) == 0)
			n += limit_check_one(&nl, li.ifindex, ns->name, a->ifname, "out", l->rate_out, l->burst_out, fs);
		nl_close(&nl);
	}
	close(fd);
	return n;
}
