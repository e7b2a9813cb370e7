/* SPDX-License-Identifier: MIT */
/* One nf_tables transaction built with libnftnl and sent as one libmnl batch (no ruleset cache). */
#ifndef NSNET_FIREWALL_NFTNL_H
#define NSNET_FIREWALL_NFTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Theory of operation. libnftables first fetches the part of the ruleset a command names (for an
 * element with a `jump`, every chain of the table: ~20 ms at 10,000 VIP chains) and then sends
 * the batch. The hot paths that know exactly what they change (anti-spoofing elements, and the
 * services: a VIP, published ports, whose messages nft_change.c encodes from the same description
 * as their nft text) build the messages themselves: one socket, one batch between BEGIN and END,
 * one ack per message; the kernel applies all of it or nothing. Keys and data are raw bytes laid out as the kernel
 * keeps them: each field of a concatenation padded to 4 bytes, addresses and ports in network
 * order, integers such as an interface index or a numgen value in host order.
 */
struct nft_batch;

/* Start a batch for table @table of family @family (NFPROTO_*). NULL when out of memory. */
struct nft_batch *nft_batch_new(uint8_t family, const char *table);
void nft_batch_free(struct nft_batch *b);

/* add chain / flush chain (delete its rules) / delete chain (must be empty by then). */
void nft_batch_chain_add(struct nft_batch *b, const char *chain);
void nft_batch_chain_flush(struct nft_batch *b, const char *chain);
void nft_batch_chain_del(struct nft_batch *b, const char *chain);
/*
 * add rule CHAIN meta l4proto @l4proto dnat (@nfproto NFPROTO_IPV4/6) to @addr (@alen bytes):@port_be
 * (network order).
 */
void nft_batch_rule_dnat(struct nft_batch *b, const char *chain, uint8_t l4proto, uint32_t nfproto, const void *addr, size_t alen,
		  uint16_t port_be);
/*
 * A shared pick chain's rule (firewall/nft_services.c): add rule CHAIN @ip daddr . @l4proto dport
 * . numgen random mod @mod, looked up in set @set: a map of (address . port) to DNAT to, or with
 * @vmap a verdict map. @nfproto NFPROTO_IPV4/6.
 */
void nft_batch_rule_pick(struct nft_batch *b, const char *chain, uint32_t nfproto, uint8_t l4proto, uint32_t mod,
			 const char *set, bool vmap);
enum nft_elem_op {
	NFT_ELEM_ADD,
	NFT_ELEM_DEL,
	/*
	 * add with a timeout of 1 ms, the same data as the element has: an element of a set with
	 * "flags timeout" gets the timeout (one clock tick), or is made with it if absent. Unlike a
	 * deletion, nothing is left for the kernel to free after an RCU grace period, which the
	 * socket's close would wait for. Linux 6.10 or later (an element's timeout set afterwards).
	 */
	NFT_ELEM_EXPIRE,
	/* delete if present (NFT_MSG_DESTROYSETELEM, Linux 6.3): no error when absent or expired */
	NFT_ELEM_DESTROY,
};

/*
 * Does this kernel update the timeout of an existing element that is added again (Linux 6.12)?
 * Earlier kernels accept such an add and change nothing, so NFT_ELEM_EXPIRE would leave the
 * element in place: callers delete instead there.
 */
bool nft_kernel_expires_in_place(void);

/*
 * Element KEY of set @set, added, deleted, expired or destroyed (@op); when added or expired,
 * with data @data (@dlen bytes) for a map, or a verdict (@verdict NFT_JUMP/NFT_GOTO to @chain)
 * for a verdict map; neither for a plain set.
 */
void nft_batch_elem(struct nft_batch *b, enum nft_elem_op op, const char *set, const void *key, size_t klen,
		    const void *data, size_t dlen, int verdict, const char *chain);

/*
 * Close the batch (no message may be added afterwards) and return its bytes, BEGIN to END, for a
 * reader such as a unit test; NULL when it did not fit or memory ran out.
 */
const void *nft_batch_data(struct nft_batch *b, size_t *len);

/*
 * A bulk load (the gc rebuild's VIP elements): a batch of room for about @bytes of messages, and
 * @n elements added to set @set, NFT_ELEMS_PER_MSG per message (a message's element list is one
 * netlink attribute, at most 64 KiB). Each element as nft_batch_elem() takes it, in bytes.
 */
#define NFT_ELEMS_PER_MSG 256
struct nft_elem_bytes {
	uint8_t key[64], data[64];
	uint32_t klen, dlen;		/* dlen 0: no data */
	int verdict;			/* with chain: NFT_JUMP or NFT_GOTO */
	const char *chain;
};
struct nft_batch *nft_batch_new_size(uint8_t family, const char *table, size_t bytes);
void nft_batch_elems(struct nft_batch *b, const char *set, const struct nft_elem_bytes *e, size_t n);

/*
 * Send the batch (closing it as nft_batch_data() does) and wait for every ack. Returns 0, or -errno of the first failed message
 * (-ENOENT for a missing object); @what names the change in the message. The netfilter socket
 * stays open for the next batch and closes when the process exits (why: nftnl.c).
 */
int nft_batch_commit(struct nft_batch *b, const char *what, struct nsnet_err *err);

/*
 * Does chain @chain of table @table (family @family) exist? One NFT_MSG_GETCHAIN on the batches'
 * socket. Returns 1, 0 (no such chain or table), or -errno.
 */
int nft_chain_exists(uint8_t family, const char *table, const char *chain, struct nsnet_err *err);

/*
 * The netfilter socket the batches of this process went through, when one of them deleted
 * something (its last close waits for the kernel to free that, an RCU grace period), else -1.
 * The caller may hand it to a child that outlives the process (nftnl.c).
 */
int nft_batch_fd(void);

#endif
