// SPDX-License-Identifier: MIT
// libnftnl batches: build nf_tables messages and send them as one transaction (theory in nftnl.h).
#include "firewall/nftnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>

/*
 * The messages go into one zeroed buffer (libnftnl leaves attribute padding unwritten; zeroed, no
 * uninitialised byte reaches the kernel). 256 KiB holds the largest change nsnet makes: a VIP set
 * with 64 backends on each side, 64 published ports of a CNI ADD, or 64 stale anti-spoofing ports.
 */
#define NFT_BATCH_BUF (256 * 1024)

/* Linux 6.3's message type; the build's headers (linux-libc-dev 6.1) may predate it. */
#define NSNET_NFT_MSG_DESTROYSETELEM 30

struct nft_batch {
	char *buf;
	struct mnl_nlmsg_batch *batch;
	uint8_t family;
	char table[64];
	uint32_t seq, first;
	int msgs;
	bool oom, ended, deletes;
};

struct nft_batch *nft_batch_new(uint8_t family, const char *table)
{
	return nft_batch_new_size(family, table, NFT_BATCH_BUF);
}

struct nft_batch *nft_batch_new_size(uint8_t family, const char *table, size_t bytes)
{
	struct nft_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (bytes < NFT_BATCH_BUF)
		bytes = NFT_BATCH_BUF;
	/* libmnl lets the message that crosses the limit complete past it: twice the room. */
	b->buf = calloc(2, bytes);	/* large: fresh pages from mmap, touched only as far as written */
	b->batch = b->buf ? mnl_nlmsg_batch_start(b->buf, bytes) : NULL;
	if (!b->batch) {
		free(b->buf);
		free(b);
		return NULL;
	}
	b->family = family;
	snprintf(b->table, sizeof(b->table), "%s", table);
	b->seq = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->batch), b->seq++);
	mnl_nlmsg_batch_next(b->batch);
	b->first = b->seq;
	return b;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	mnl_nlmsg_batch_stop(b->batch);
	free(b->buf);
	free(b);
}

/* The header of the next message; advances the batch afterwards through nft_batch_next(). */
static struct nlmsghdr *nft_batch_hdr(struct nft_batch *b, uint16_t type, uint16_t flags)
{
	b->msgs++;
	if (type == NFT_MSG_DELCHAIN || type == NFT_MSG_DELRULE || type == NFT_MSG_DELSETELEM ||
	    type == NSNET_NFT_MSG_DESTROYSETELEM)
		b->deletes = true;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->batch), type, b->family, flags | NLM_F_ACK, b->seq++);
}

/* The message just built is complete; false from libmnl means the buffer is full. */
static void nft_batch_next(struct nft_batch *b)
{
	if (!mnl_nlmsg_batch_next(b->batch))
		b->oom = true;
}

static void nft_batch_chain_msg(struct nft_batch *b, uint16_t type, uint16_t flags, const char *chain)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		b->oom = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, b->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	nftnl_chain_nlmsg_build_payload(nft_batch_hdr(b, type, flags), c);
	nftnl_chain_free(c);
	nft_batch_next(b);
}

void nft_batch_chain_add(struct nft_batch *b, const char *chain)
{
	nft_batch_chain_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, chain);
}

void nft_batch_chain_del(struct nft_batch *b, const char *chain)
{
	nft_batch_chain_msg(b, NFT_MSG_DELCHAIN, 0, chain);
}

void nft_batch_chain_flush(struct nft_batch *b, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r) {
		b->oom = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nft_batch_hdr(b, NFT_MSG_DELRULE, 0), r);
	nftnl_rule_free(r);
	nft_batch_next(b);
}

/*
 * A rule of chain @chain with @n expressions of kinds @types, allocated into @e; NULL (and the
 * batch out of memory) if any could not be. nft_batch_rule_end() sends it.
 */
static struct nftnl_rule *nft_batch_rule_new(struct nft_batch *b, const char *chain, const char *const *types, size_t n,
					     struct nftnl_expr **e)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	bool ok = r != NULL;

	for (size_t i = 0; i < n; i++)
		ok &= (e[i] = nftnl_expr_alloc(types[i])) != NULL;
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			nftnl_expr_free(e[i]);
		nftnl_rule_free(r);
		b->oom = true;
		return NULL;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

static void nft_batch_rule_end(struct nft_batch *b, struct nftnl_rule *r, struct nftnl_expr **e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nftnl_rule_add_expr(r, e[i]);	/* the rule owns them now */
	nftnl_rule_nlmsg_build_payload(nft_batch_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	nftnl_rule_free(r);
	nft_batch_next(b);
}

/* "meta KEY" into register 1 (@meta) and "cmp eq @value" of its one byte (@cmp). */
static void nft_expr_meta_is(struct nftnl_expr *meta, struct nftnl_expr *cmp, uint32_t key, uint8_t value)
{
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(cmp, NFTNL_EXPR_CMP_DATA, &value, sizeof(value));
}

/* "dnat FAMILY to" the address in register @addr_reg and the port in @port_reg. */
static void nft_expr_dnat(struct nftnl_expr *nat, uint32_t nfproto, uint32_t addr_reg, uint32_t port_reg)
{
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY, nfproto);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, addr_reg);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_PROTO_MIN, port_reg);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
}

void nft_batch_rule_dnat(struct nft_batch *b, const char *chain, uint8_t l4proto, uint32_t nfproto, const void *addr, size_t alen,
		  uint16_t port_be)
{
	static const char *const types[5] = { "meta", "cmp", "immediate", "immediate", "nat" };
	struct nftnl_expr *e[5];
	struct nftnl_rule *r = nft_batch_rule_new(b, chain, types, 5, e);

	if (!r)
		return;
	/* What nft makes of "meta l4proto P dnat ip to A:PORT" (nft --debug=netlink shows the same). */
	nft_expr_meta_is(e[0], e[1], NFT_META_L4PROTO, l4proto);
	nftnl_expr_set_u32(e[2], NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e[2], NFTNL_EXPR_IMM_DATA, addr, (uint32_t)alen);
	nftnl_expr_set_u32(e[3], NFTNL_EXPR_IMM_DREG, NFT_REG_2);
	nftnl_expr_set(e[3], NFTNL_EXPR_IMM_DATA, &port_be, sizeof(port_be));
	nft_expr_dnat(e[4], nfproto, NFT_REG_1, NFT_REG_2);
	nft_batch_rule_end(b, r, e, 5);
}

/* Register @reg <- @len bytes at @offset of header @base. */
static void nft_expr_payload(struct nftnl_expr *p, uint32_t base, uint32_t offset, uint32_t len, uint32_t reg)
{
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

void nft_batch_rule_pick(struct nft_batch *b, const char *chain, uint32_t nfproto, uint8_t l4proto, uint32_t mod,
			 const char *set, bool vmap)
{
	static const char *const types[] = { "meta", "cmp", "meta", "cmp", "payload", "payload", "numgen", "lookup", "nat" };
	enum { N = sizeof(types) / sizeof(types[0]) };
	bool v6 = nfproto == NFPROTO_IPV6;
	/* Where nft puts them: the address, then the port and the index in the next free 32-bit registers. */
	uint32_t port_reg = v6 ? NFT_REG_2 : NFT_REG32_01, ng_reg = v6 ? NFT_REG32_05 : NFT_REG32_02;
	size_t n = vmap ? N - 1 : N;	/* a verdict map decides itself: no nat */
	struct nftnl_expr *e[N];
	struct nftnl_rule *r = nft_batch_rule_new(b, chain, types, n, e);

	if (!r)
		return;
	/* What nft --debug=netlink shows for the text form (nft_change.c): its two dependencies first. */
	nft_expr_meta_is(e[0], e[1], NFT_META_NFPROTO, (uint8_t)nfproto);
	nft_expr_meta_is(e[2], e[3], NFT_META_L4PROTO, l4proto);
	nft_expr_payload(e[4], NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, NFT_REG_1);
	nft_expr_payload(e[5], NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, port_reg);
	nftnl_expr_set_u32(e[6], NFTNL_EXPR_NG_DREG, ng_reg);
	nftnl_expr_set_u32(e[6], NFTNL_EXPR_NG_MODULUS, mod);
	nftnl_expr_set_u32(e[6], NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
	nftnl_expr_set_u32(e[7], NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e[7], NFTNL_EXPR_LOOKUP_DREG, vmap ? NFT_REG_VERDICT : NFT_REG_1);
	nftnl_expr_set_str(e[7], NFTNL_EXPR_LOOKUP_SET, set);
	if (!vmap)
		nft_expr_dnat(e[8], nfproto, NFT_REG_1, port_reg);
	nft_batch_rule_end(b, r, e, n);
}

bool nft_kernel_expires_in_place(void)
{
	static int known = -1;
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (known < 0)
		known = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
			(major > 6 || (major == 6 && minor >= 12));
	return known == 1;
}

void nft_batch_elem(struct nft_batch *b, enum nft_elem_op op, const char *set, const void *key, size_t klen,
		    const void *data, size_t dlen, int verdict, const char *chain)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	bool with_data = op == NFT_ELEM_ADD || op == NFT_ELEM_EXPIRE;
	static const uint16_t type[] = {
		[NFT_ELEM_ADD] = NFT_MSG_NEWSETELEM, [NFT_ELEM_DEL] = NFT_MSG_DELSETELEM,
		[NFT_ELEM_EXPIRE] = NFT_MSG_NEWSETELEM, [NFT_ELEM_DESTROY] = NSNET_NFT_MSG_DESTROYSETELEM,
	};

	if (!s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		b->oom = true;
		return;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)klen);
	if (with_data && data)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, (uint32_t)dlen);
	if (with_data && chain) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)verdict);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
	}
	if (op == NFT_ELEM_EXPIRE)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, 1);	/* ms; the kernel rounds up to a tick */
	nftnl_set_elem_add(s, e);
	/* No NLM_F_EXCL: an existing element with the same data is updated (EXPIRE), not refused. */
	nftnl_set_elems_nlmsg_build_payload(nft_batch_hdr(b, type[op], with_data ? NLM_F_CREATE : 0), s);
	nftnl_set_free(s);
	nft_batch_next(b);
}

void nft_batch_elems(struct nft_batch *b, const char *set, const struct nft_elem_bytes *e, size_t n)
{
	for (size_t at = 0; at < n && !b->oom; at += NFT_ELEMS_PER_MSG) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s) {
			b->oom = true;
			return;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		for (size_t i = at; i < n && i < at + NFT_ELEMS_PER_MSG; i++) {
			struct nftnl_set_elem *x = nftnl_set_elem_alloc();

			if (!x) {
				b->oom = true;
				break;
			}
			nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e[i].key, e[i].klen);
			if (e[i].dlen)
				nftnl_set_elem_set(x, NFTNL_SET_ELEM_DATA, e[i].data, e[i].dlen);
			if (e[i].chain) {
				nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT, (uint32_t)e[i].verdict);
				nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, e[i].chain);
			}
			nftnl_set_elem_add(s, x);
		}
		if (!b->oom)
			nftnl_set_elems_nlmsg_build_payload(nft_batch_hdr(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE), s);
		nftnl_set_free(s);
		if (!b->oom)
			nft_batch_next(b);
	}
}

/*
 * One netfilter socket for every batch of the process, left open until it exits. The kernel frees
 * what a transaction deleted (chains, rules, set elements) after an RCU grace period, and the last
 * close of the socket waits for that (1-20 ms on the test machines, longer under load); closed at
 * exit, the wait overlaps with nothing else of the command but is not paid twice. A CNI DEL hands
 * the socket to the child that deletes its veth (nft_batch_fd()), whose exit waits instead.
 * Handing it to a child at every command's exit does not help: the next transaction on the
 * same map waits for the freeing instead (measured: `vip rm` 14.6 -> 1.5 ms, the next `vip add`
 * 1.5 -> 14.6 ms).
 */
static struct mnl_socket *nft_batch_sock;
static bool nft_batch_freeing;	/* a committed batch deleted something */

static void nft_batch_sock_drop(void)
{
	if (nft_batch_sock)
		mnl_socket_close(nft_batch_sock);
	nft_batch_sock = NULL;
}

static int nft_batch_sock_open(struct nsnet_err *err)
{
	int r;

	if (nft_batch_sock)
		return 0;
	nft_batch_sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nft_batch_sock || mnl_socket_bind(nft_batch_sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = nsnet_err_set(err, errno, "nf_tables netlink: %s", strerror(errno));
		nft_batch_sock_drop();
		return r;
	}
	return 0;
}

/*
 * Read the acks of @want messages sent on the batch socket from sequence @first on: 0 once all
 * are in, or the first error's -errno (@err: "@what: its text"). Answers to others (older
 * sequences, other ports) and data messages are skipped.
 */
static int nft_sock_acks(uint32_t first, int want, const char *what, struct nsnet_err *err)
{
	uint32_t portid = mnl_socket_get_portid(nft_batch_sock);
	int acks = 0;

	while (acks < want) {
		char rbuf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t got = mnl_socket_recvfrom(nft_batch_sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)rbuf;
		int len = (int)got;

		if (got < 0)
			return nsnet_err_set(err, errno, "nf_tables netlink receive: %s", strerror(errno));
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_pid != portid || m->nlmsg_seq < first)
				continue;
			if (e->error != 0)
				return nsnet_err_set(err, -e->error, "%s: %s", what, strerror(-e->error));
			acks++;
		}
	}
	return 0;
}

int nft_chain_exists(uint8_t family, const char *table, const char *chain, struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nsnet_err e = { 0 };
	struct nftnl_chain *c;
	struct nlmsghdr *h;
	uint32_t seq = (uint32_t)time(NULL);
	int r;

	if ((r = nft_batch_sock_open(err)) < 0)
		return r;
	if (!(c = nftnl_chain_alloc()))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	/* The attributes' padding goes to the kernel too: zeroed, never stack garbage (valgrind). */
	memset(buf, 0, sizeof(buf));
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, family, NLM_F_ACK, seq);
	nftnl_chain_nlmsg_build_payload(h, c);
	nftnl_chain_free(c);
	if (mnl_socket_sendto(nft_batch_sock, h, h->nlmsg_len) < 0) {
		r = nsnet_err_set(err, errno, "nf_tables netlink send: %s", strerror(errno));
		nft_batch_sock_drop();
		return r;
	}
	/* The chain (NFT_MSG_NEWCHAIN) and then an ack, or an error alone. */
	if ((r = nft_sock_acks(seq, 1, "", &e)) == 0)
		return 1;
	if (r == -ENOENT)
		return 0;
	nft_batch_sock_drop();	/* its answer may still come: the next request starts afresh */
	return nsnet_err_set(err, -r, "nftables: chain %s: %s", chain, strerror(-r));
}

int nft_batch_fd(void)
{
	if (!nft_batch_sock || !nft_batch_freeing)
		return -1;
	return mnl_socket_get_fd(nft_batch_sock);
}

const void *nft_batch_data(struct nft_batch *b, size_t *len)
{
	if (!b->ended) {
		nftnl_batch_end(mnl_nlmsg_batch_current(b->batch), b->seq++);
		nft_batch_next(b);
		b->ended = true;
	}
	*len = b->oom ? 0 : mnl_nlmsg_batch_size(b->batch);
	return b->oom ? NULL : mnl_nlmsg_batch_head(b->batch);
}

int nft_batch_commit(struct nft_batch *b, const char *what, struct nsnet_err *err)
{
	int r = 0;
	size_t size;
	const void *data = nft_batch_data(b, &size);

	if (!data)
		return nsnet_err_set(err, E2BIG, "%s: more than one batch holds, or out of memory", what);
	if ((r = nft_batch_sock_open(err)) < 0)
		return r;
	/* A batch larger than the socket's default send buffer (a bulk load) needs a larger one. */
	if (size > 160 * 1024) {
		int sz = (int)(size + 4096);

		if (setsockopt(mnl_socket_get_fd(nft_batch_sock), SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(mnl_socket_get_fd(nft_batch_sock), SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	/*
	 * The kernel answers each message with an ack before we read any: hundreds of them (apply's
	 * anti-spoofing elements of every port) overflow a default receive buffer (ENOBUFS). Each
	 * costs about a small skb's true size.
	 */
	if (b->msgs > 128) {
		int sz = b->msgs * 2048 + 65536;

		if (setsockopt(mnl_socket_get_fd(nft_batch_sock), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(mnl_socket_get_fd(nft_batch_sock), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (mnl_socket_sendto(nft_batch_sock, data, size) < 0) {
		r = nsnet_err_set(err, errno, "nf_tables netlink send: %s", strerror(errno));
		nft_batch_sock_drop();
		return r;
	}
	/* One ack per message; a failed batch answers with the first error and aborts the rest. */
	r = nft_sock_acks(b->first, b->msgs, what, err);
	/* After a failure, answers to the rest of the batch may still come: the next batch starts afresh. */
	if (r < 0) {
		nft_batch_sock_drop();
		return r;
	}
	if (b->deletes)
		nft_batch_freeing = true;
	return r;
}
