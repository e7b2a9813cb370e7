// SPDX-License-Identifier: MIT
// Anti-spoofing on the host ends of veths: table bridge nsnet, elements added with libnftnl batches.
#include "firewall/guard.h"
#include "firewall/nftnl.h"

#include <errno.h>
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

/* One element message for set @set with key (port index . @data) in the batch. */
static void guard_elem(struct nft_batch *b, bool add, const char *set, int ifindex, const void *data, size_t len,
		       size_t padded)
{
	uint8_t key[4 + 16] = { 0 };
	uint32_t idx = (uint32_t)ifindex;	/* iface_index: host byte order */

	/* Concatenations are laid out in 32-bit registers: the index takes 4 bytes, a MAC 8. */
	memcpy(key, &idx, 4);
	memcpy(key + 4, data, len);
	nft_batch_elem(b, add ? NFT_ELEM_ADD : NFT_ELEM_DEL, set, key, 4 + padded, NULL, 0, 0, NULL);
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
	struct nft_batch *b = nft_batch_new(NFPROTO_BRIDGE, NSNET_NFT_TABLE);
	char what[IFNAMSIZ + 64];
	int r;

	if (!b)
		return nsnet_err_set(err, ENOMEM, "anti-spoofing elements: out of memory");
	for (size_t k = 0; k < n; k++) {
		const struct fw_guard_port *p = &ports[k];

		if (with_port) {
			guard_elem(b, add, "ports", p->ifindex, "", 0, 0);
			guard_elem(b, add, "mac", p->ifindex, p->mac, 6, 8);
		}
		for (size_t i = 0; i < p->n_addrs; i++)
			guard_elem(b, add, p->addrs[i].family == AF_INET ? "addr4" : "addr6", p->ifindex,
				   p->addrs[i].b, nsnet_addr_len(p->addrs[i].family), nsnet_addr_len(p->addrs[i].family));
	}
	snprintf(what, sizeof(what), "anti-spoofing elements of %s", n ? ports[0].ifname : "no port");
	/* -ENOENT (already gone) is fine for removal, but the batch was aborted: the caller retries. */
	r = nft_batch_commit(b, what, err);
	nft_batch_free(b);
	return r;
}
