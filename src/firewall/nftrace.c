// SPDX-License-Identifier: MIT
// nftables tracing in one namespace: owner tables marking the probe, NFNLGRP_NFTRACE events (theory in nftrace.h).
#include "firewall/nftrace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct nftrace {
	struct mnl_socket *sock;
	uint32_t portid;
};

/* nsnet-trace-PID */
static const char *nftrace_table(void)
{
	static char name[32];

	if (!name[0])
		snprintf(name, sizeof(name), "%s-%ld", NFTRACE_TABLE, (long)getpid());
	return name;
}

bool nftrace_table_is(const char *table)
{
	return !strncmp(table, NFTRACE_TABLE "-", sizeof(NFTRACE_TABLE));
}

/* Where the marking chains hook, and at which priority (theory in nftrace.h). */
#define NFTRACE_PRIO_EARLY (-500)
#define NFTRACE_PRIO_CT (-150)

/* A rule's expressions are built into this list, then moved into the rule. */
struct nftrace_rule {
	struct nftnl_rule *r;
	bool oom;
};

static void rule_add_expr(struct nftrace_rule *nr, struct nftnl_expr *e)
{
	if (!e) {
		nr->oom = true;
		return;
	}
	nftnl_rule_add_expr(nr->r, e);
}

static struct nftnl_expr *expr_meta_load(uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return e;
}

static struct nftnl_expr *expr_cmp_eq(const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return e;
}

/* Two bytes of the transport header at @offset into register 1. */
static struct nftnl_expr *expr_th16(uint32_t offset)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return e;
}

/* The connection's original source port (ICMP: echo id) into register 1. */
static struct nftnl_expr *expr_ct_proto_src(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_PROTO_SRC);
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, 0 /* IP_CT_DIR_ORIGINAL */);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	return e;
}

/* meta nftrace set 1 */
static void rule_set_nftrace(struct nftrace_rule *nr)
{
	struct nftnl_expr *imm = nftnl_expr_alloc("immediate"), *set = nftnl_expr_alloc("meta");
	uint8_t one = 1;

	if (imm) {
		nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(imm, NFTNL_EXPR_IMM_DATA, &one, sizeof(one));
	}
	if (set) {
		nftnl_expr_set_u32(set, NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
		nftnl_expr_set_u32(set, NFTNL_EXPR_META_SREG, NFT_REG_1);
	}
	rule_add_expr(nr, imm);
	rule_add_expr(nr, set);
}

struct nftrace_batch {
	struct mnl_nlmsg_batch *b;
	char *buf;
	uint32_t seq;
	int msgs;
	bool oom;
};

static struct nlmsghdr *batch_hdr(struct nftrace_batch *bt, uint16_t type, uint16_t family, uint16_t flags)
{
	bt->msgs++;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, family, flags | NLM_F_ACK, bt->seq++);
}

static void batch_next(struct nftrace_batch *bt)
{
	if (!mnl_nlmsg_batch_next(bt->b))
		bt->oom = true;
}

static void batch_table(struct nftrace_batch *bt, uint16_t family)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t) {
		bt->oom = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, nftrace_table());
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nftnl_table_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWTABLE, family, NLM_F_CREATE | NLM_F_EXCL), t);
	nftnl_table_free(t);
	batch_next(bt);
}

static void batch_chain(struct nftrace_batch *bt, uint16_t family, const char *name, uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		bt->oom = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, nftrace_table());
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWCHAIN, family, NLM_F_CREATE), c);
	nftnl_chain_free(c);
	batch_next(bt);
}

/*
 * One marking rule in @chain: the probe's protocol, then @what: 0 source port, 2 destination port
 * (offsets in the TCP/UDP header), 4 ICMP echo id, -1 the connection's original source port.
 */
static void batch_rule(struct nftrace_batch *bt, uint16_t family, const char *chain, uint8_t l4proto,
		       uint16_t port, int what)
{
	struct nftrace_rule nr = { .r = nftnl_rule_alloc() };
	uint16_t be = htons(port);

	if (!nr.r) {
		bt->oom = true;
		return;
	}
	nftnl_rule_set_str(nr.r, NFTNL_RULE_TABLE, nftrace_table());
	nftnl_rule_set_str(nr.r, NFTNL_RULE_CHAIN, chain);
	rule_add_expr(&nr, expr_meta_load(NFT_META_L4PROTO));
	rule_add_expr(&nr, expr_cmp_eq(&l4proto, sizeof(l4proto)));
	rule_add_expr(&nr, what < 0 ? expr_ct_proto_src() : expr_th16((uint32_t)what));
	rule_add_expr(&nr, expr_cmp_eq(&be, sizeof(be)));
	rule_set_nftrace(&nr);
	if (nr.oom)
		bt->oom = true;
	else
		nftnl_rule_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND), nr.r);
	nftnl_rule_free(nr.r);
	batch_next(bt);
}

static void batch_marks(struct nftrace_batch *bt, uint16_t family, const char *chain, uint8_t l4proto, uint16_t port)
{
	bool icmp = l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6;

	batch_rule(bt, family, chain, l4proto, port, icmp ? 4 : 0);
	if (!icmp)
		batch_rule(bt, family, chain, l4proto, port, 2);
}

/* Send the batch and wait for every message's ack. */
static int batch_send(struct nftrace *t, struct nftrace_batch *bt, struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int acks = 0;

	if (mnl_socket_sendto(t->sock, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0)
		return nsnet_err_set(err, errno, "trace table: netlink send: %s", strerror(errno));
	while (acks < bt->msgs) {
		ssize_t n = mnl_socket_recvfrom(t->sock, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0)
			return nsnet_err_set(err, errno, "trace table: netlink receive: %s", strerror(errno));
		len = (int)n;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct nlmsgerr *e;

			if (m->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(m);
			if (e->error)
				return nsnet_err_set(err, -e->error, "trace table %s: %s", nftrace_table(),
						     strerror(-e->error));
			acks++;
		}
	}
	return 0;
}

/* The socket, opened inside the namespace behind @netns_fd (a socket stays in the namespace it was made in). */
static int nftrace_socket(struct nftrace *t, int netns_fd, struct nsnet_err *err)
{
	int self = -1, r = 0, one = 1, group = NFNLGRP_NFTRACE, rcvbuf = 1 << 20;

	if (netns_fd >= 0) {
		if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
			return nsnet_err_set(err, errno, "open /proc/self/ns/net: %s", strerror(errno));
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			r = nsnet_err_set(err, errno, "enter namespace: %s", strerror(errno));
			close(self);
			return r;
		}
	}
	t->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!t->sock)
		r = nsnet_err_set(err, errno, "netfilter socket: %s", strerror(errno));
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && r == 0)
			r = nsnet_err_set(err, errno, "return to own namespace: %s", strerror(errno));
		close(self);
	}
	if (r < 0)
		return r;
	mnl_socket_setsockopt(t->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(t->sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(t->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return nsnet_err_set(err, errno, "netfilter socket bind: %s", strerror(errno));
	if (mnl_socket_setsockopt(t->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return nsnet_err_set(err, errno, "join NFNLGRP_NFTRACE: %s", strerror(errno));
	t->portid = mnl_socket_get_portid(t->sock);
	return 0;
}

int nftrace_open(struct nftrace **out, int netns_fd, bool bridge, uint8_t l4proto, uint16_t port,
		 struct nsnet_err *err)
{
	struct nftrace *t = calloc(1, sizeof(*t));
	struct nftrace_batch bt = { 0 };
	int r;

	*out = NULL;
	if (!t)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	if ((r = nftrace_socket(t, netns_fd, err)) < 0)
		goto fail;
	bt.buf = calloc(2, MNL_SOCKET_BUFFER_SIZE);
	bt.b = bt.buf ? mnl_nlmsg_batch_start(bt.buf, MNL_SOCKET_BUFFER_SIZE) : NULL;
	if (!bt.b) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	bt.seq = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt.b), bt.seq++);
	mnl_nlmsg_batch_next(bt.b);
	batch_table(&bt, NFPROTO_INET);
	batch_chain(&bt, NFPROTO_INET, "pre", NF_INET_PRE_ROUTING, NFTRACE_PRIO_EARLY);
	batch_chain(&bt, NFPROTO_INET, "out", NF_INET_LOCAL_OUT, NFTRACE_PRIO_EARLY);
	batch_chain(&bt, NFPROTO_INET, "ct-pre", NF_INET_PRE_ROUTING, NFTRACE_PRIO_CT);
	batch_chain(&bt, NFPROTO_INET, "ct-out", NF_INET_LOCAL_OUT, NFTRACE_PRIO_CT);
	batch_marks(&bt, NFPROTO_INET, "pre", l4proto, port);
	batch_marks(&bt, NFPROTO_INET, "out", l4proto, port);
	batch_rule(&bt, NFPROTO_INET, "ct-pre", l4proto, port, -1);
	batch_rule(&bt, NFPROTO_INET, "ct-out", l4proto, port, -1);
	if (bridge) {
		batch_table(&bt, NFPROTO_BRIDGE);
		batch_chain(&bt, NFPROTO_BRIDGE, "pre", NF_INET_PRE_ROUTING /* = NF_BR_PRE_ROUTING */, NFTRACE_PRIO_EARLY);
		batch_marks(&bt, NFPROTO_BRIDGE, "pre", l4proto, port);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(bt.b), bt.seq++);
	mnl_nlmsg_batch_next(bt.b);
	if (bt.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = batch_send(t, &bt, err)) < 0)
		goto fail;
	mnl_nlmsg_batch_stop(bt.b);
	free(bt.buf);
	*out = t;
	return 0;
fail:
	if (bt.b)
		mnl_nlmsg_batch_stop(bt.b);
	free(bt.buf);
	nftrace_close(t);
	return r;
}

int nftrace_fd(const struct nftrace *t)
{
	return mnl_socket_get_fd(t->sock);
}

static void trace_str(const struct nftnl_trace *nt, uint16_t attr, char *buf, size_t len)
{
	const char *s = nftnl_trace_is_set(nt, attr) ? nftnl_trace_get_str(nt, attr) : NULL;

	snprintf(buf, len, "%s", s ? s : "");
}

static void trace_data(const struct nftnl_trace *nt, uint16_t attr, uint8_t *buf, size_t cap, size_t *len)
{
	uint32_t n = 0;
	const void *d = nftnl_trace_is_set(nt, attr) ? nftnl_trace_get_data(nt, attr, &n) : NULL;

	*len = 0;
	if (!d)
		return;
	*len = n < cap ? n : cap;
	memcpy(buf, d, *len);
}

static void trace_decode(const struct nftnl_trace *nt, struct nftrace_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	trace_str(nt, NFTNL_TRACE_TABLE, ev->table, sizeof(ev->table));
	trace_str(nt, NFTNL_TRACE_CHAIN, ev->chain, sizeof(ev->chain));
	trace_str(nt, NFTNL_TRACE_JUMP_TARGET, ev->jump, sizeof(ev->jump));
	ev->family = nftnl_trace_is_set(nt, NFTNL_TRACE_FAMILY) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_FAMILY) : 0;
	ev->type = nftnl_trace_is_set(nt, NFTNL_TRACE_TYPE) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_TYPE) : 0;
	ev->handle = nftnl_trace_is_set(nt, NFTNL_TRACE_RULE_HANDLE) ? nftnl_trace_get_u64(nt, NFTNL_TRACE_RULE_HANDLE) : 0;
	ev->has_verdict = nftnl_trace_is_set(nt, NFTNL_TRACE_VERDICT);
	ev->verdict = ev->has_verdict ? (int32_t)nftnl_trace_get_u32(nt, NFTNL_TRACE_VERDICT) : 0;
	if (ev->type == NFT_TRACETYPE_POLICY && nftnl_trace_is_set(nt, NFTNL_TRACE_POLICY)) {
		ev->verdict = (int32_t)nftnl_trace_get_u32(nt, NFTNL_TRACE_POLICY);
		ev->has_verdict = true;
	}
	ev->id = nftnl_trace_is_set(nt, NFTNL_TRACE_ID) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_ID) : 0;
	ev->iif = nftnl_trace_is_set(nt, NFTNL_TRACE_IIF) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_IIF) : 0;
	ev->oif = nftnl_trace_is_set(nt, NFTNL_TRACE_OIF) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_OIF) : 0;
	ev->nfproto = nftnl_trace_is_set(nt, NFTNL_TRACE_NFPROTO) ? nftnl_trace_get_u32(nt, NFTNL_TRACE_NFPROTO) : 0;
	trace_data(nt, NFTNL_TRACE_NETWORK_HEADER, ev->nh, sizeof(ev->nh), &ev->nh_len);
	trace_data(nt, NFTNL_TRACE_TRANSPORT_HEADER, ev->th, sizeof(ev->th), &ev->th_len);
}

int nftrace_read(struct nftrace *t, void (*cb)(void *ctx, const struct nftrace_event *ev), void *ctx,
		 struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int count = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(t->sock, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == ENOBUFS)
				continue;	/* events were lost; the rest still tells something */
			return nsnet_err_set(err, errno, "trace events: %s", strerror(errno));
		}
		len = (int)n;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			struct nftnl_trace *nt;
			struct nftrace_event ev;

			if (NFNL_SUBSYS_ID(m->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
			    NFNL_MSG_TYPE(m->nlmsg_type) != NFT_MSG_TRACE)
				continue;
			if (!(nt = nftnl_trace_alloc()))
				return nsnet_err_set(err, ENOMEM, "out of memory");
			if (nftnl_trace_nlmsg_parse(m, nt) == 0) {
				trace_decode(nt, &ev);
				cb(ctx, &ev);
				count++;
			}
			nftnl_trace_free(nt);
		}
	}
}

void nftrace_close(struct nftrace *t)
{
	if (!t)
		return;
	if (t->sock)
		mnl_socket_close(t->sock);
	free(t);
}

const char *nftrace_verdict_name(int32_t verdict)
{
	switch (verdict) {
	case NF_ACCEPT: return "accept";
	case NF_DROP: return "drop";
	case NF_QUEUE: return "queue";
	case NF_STOLEN: return "stolen";
	case NFT_CONTINUE: return "continue";
	case NFT_BREAK: return "break";
	case NFT_JUMP: return "jump";
	case NFT_GOTO: return "goto";
	case NFT_RETURN: return "return";
	default: return "other";
	}
}
