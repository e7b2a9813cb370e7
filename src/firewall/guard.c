// SPDX-License-Identifier: MIT
// Anti-spoofing on the host ends of veths: table bridge nsnet, elements added with libnftnl batches.
#include "firewall/guard.h"

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define B "bridge " NSNET_NFT_TABLE

void fw_guard_table(struct strbuf *o)
{
	strbuf_printf(o, "add table " B "\n");
	strbuf_printf(o, "add set " B " ports { type iface_index ; }\n");
	strbuf_printf(o, "add set " B " mac { type iface_index . ether_addr ; }\n");
	strbuf_printf(o, "add set " B " addr4 { type iface_index . ipv4_addr ; }\n");
	strbuf_printf(o, "add set " B " addr6 { type iface_index . ipv6_addr ; }\n");
	strbuf_printf(o, "add chain " B " guard { type filter hook prerouting priority -200 ; policy accept ; }\n");
	strbuf_printf(o, "flush chain " B " guard\n");
	strbuf_printf(o, "add rule " B " guard iif != @ports accept\n");
	strbuf_printf(o, "add rule " B " guard iif . ether saddr != @mac drop\n");
	strbuf_printf(o, "add rule " B " guard ether type arp iif . arp saddr ip != @addr4 drop\n");
	strbuf_printf(o, "add rule " B " guard ether type ip iif . ip saddr != @addr4 drop\n");
	/* Link-local and the unspecified address (duplicate address detection) are the port's own. */
	strbuf_printf(o, "add rule " B " guard ether type ip6 ip6 saddr { ::, fe80::/10 } accept\n");
	strbuf_printf(o, "add rule " B " guard ether type ip6 iif . ip6 saddr != @addr6 drop\n");
}

void fw_guard_text(const struct fw_guard_port *p, bool add, struct strbuf *o)
{
	const char *verb = add ? "add" : "delete";
	char a[INET6_ADDRSTRLEN];

	strbuf_printf(o, "%s element " B " ports { \"%s\" }\n", verb, p->ifname);
	strbuf_printf(o, "%s element " B " mac { \"%s\" . %02x:%02x:%02x:%02x:%02x:%02x }\n", verb, p->ifname,
		      p->mac[0], p->mac[1], p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	for (size_t i = 0; i < p->n_addrs; i++)
		strbuf_printf(o, "%s element " B " %s { \"%s\" . %s }\n", verb,
			      p->addrs[i].family == AF_INET ? "addr4" : "addr6", p->ifname, nsnet_addr_str(&p->addrs[i], a));
}

/* One element message for set @set with key (ifname . @data) in the batch. */
static int guard_elem(struct mnl_nlmsg_batch *b, uint32_t seq, bool add, const char *set, int ifindex,
		      const void *data, size_t len, size_t padded)
{
	uint8_t key[4 + 16] = { 0 };
	uint32_t idx = (uint32_t)ifindex;	/* iface_index: host byte order */
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nlmsghdr *nlh;

	if (!s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		return -ENOMEM;
	}
	/* Concatenations are laid out in 32-bit registers: the index takes 4 bytes, a MAC 8. */
	memcpy(key, &idx, 4);
	memcpy(key + 4, data, len);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NSNET_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 4 + padded);
	nftnl_set_elem_add(s, e);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
				    NFPROTO_BRIDGE, (add ? NLM_F_CREATE : 0) | NLM_F_ACK, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	mnl_nlmsg_batch_next(b);
	return 0;
}

static int guard_batch(const struct fw_guard_port *p, size_t n, bool add, bool with_port,
		       struct nsnet_err *err);

int fw_guard_apply(const struct fw_guard_port *p, size_t n, bool add, struct nsnet_err *err)
{
	int r = guard_batch(p, n, add, true, err);

	/*
	 * A batch is all or nothing: when removing, one element already gone aborts the rest. Then
	 * remove them one by one, each missing one being fine.
	 */
	if (r == -ENOENT && !add) {
		for (size_t k = 0; k < n; k++) {
			struct fw_guard_port one = p[k];

			one.n_addrs = 0;
			for (size_t i = 0; i <= p[k].n_addrs; i++) {
				if (i > 0) {
					one.n_addrs = 1;
					one.addrs = &p[k].addrs[i - 1];
				}
				r = guard_batch(&one, 1, false, i == 0, err);
				if (r < 0 && r != -ENOENT)
					return r;
			}
		}
		r = 0;
	}
	return r;
}

/* Add or delete the elements of @n ports in one batch (ports and mac if @with_port, then addresses). */
static int guard_batch(const struct fw_guard_port *ports, size_t n, bool add, bool with_port,
		       struct nsnet_err *err)
{
	static char buf[256 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	uint32_t seq = (uint32_t)time(NULL), first, portid;
	struct mnl_nlmsg_batch *b = NULL;
	int r = 0, msgs = 0, acks = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = nsnet_err_set(err, errno, "nf_tables netlink: %s", strerror(errno));
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	memset(buf, 0, sizeof(buf));
	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	first = seq;
	for (size_t k = 0; r == 0 && k < n; k++) {
		const struct fw_guard_port *p = &ports[k];

		if (with_port) {
			r = guard_elem(b, seq++, add, "ports", p->ifindex, "", 0, 0);
			msgs++;
			if (r == 0) {
				r = guard_elem(b, seq++, add, "mac", p->ifindex, p->mac, 6, 8);
				msgs++;
			}
		}
		for (size_t i = 0; r == 0 && i < p->n_addrs; i++, msgs++)
			r = guard_elem(b, seq++, add, p->addrs[i].family == AF_INET ? "addr4" : "addr6", p->ifindex,
				       p->addrs[i].b, nsnet_addr_len(p->addrs[i].family), nsnet_addr_len(p->addrs[i].family));
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	if (r < 0) {
		r = nsnet_err_set(err, -r, "anti-spoofing elements: out of memory");
		goto out;
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
		r = nsnet_err_set(err, errno, "nf_tables netlink send: %s", strerror(errno));
		goto out;
	}
	/* One ack per element message; a failed batch answers with the first error and aborts. */
	while (acks < msgs && r == 0) {
		char rbuf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t got = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)rbuf;
		int len = (int)got;

		if (got < 0) {
			r = nsnet_err_set(err, errno, "nf_tables netlink receive: %s", strerror(errno));
			break;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_pid != portid || m->nlmsg_seq < first)
				continue;
			if (e->error == 0) {
				acks++;
			} else if (!add && e->error == -ENOENT) {
				r = -ENOENT;	/* already gone: fine for removal, but the batch was aborted */
				break;
			} else {
				r = nsnet_err_set(err, -e->error, "anti-spoofing elements of %s: %s", ports[0].ifname,
						  strerror(-e->error));
				break;
			}
		}
	}
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	if (nl)
		mnl_socket_close(nl);
	return r;
}
