/* SPDX-License-Identifier: MIT */
/* Anti-spoofing: a namespace may send only from its own MAC and addresses (table bridge nsnet). */
#ifndef NSNET_FIREWALL_GUARD_H
#define NSNET_FIREWALL_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "firewall/fw.h"

/*
 * Theory of operation. Frames from a namespace enter the host through the host end of its veth,
 * a bridge port; only a bridge-family table sees them all (bridged to a neighbour or routed), so
 * this lives in `bridge nsnet` beside `inet nsnet`. Its prerouting chain drops, for ports in set
 * @ports, frames whose (port . source MAC) is not in @mac, and IPv4/ARP/IPv6 packets whose
 * (port . source address) is not in @addr4/@addr6 (IPv6 link-local and :: excepted). Attaching adds
 * the port's elements in one libnftnl batch (no ruleset cache to fetch: ~0.1 ms). Deleting
 * elements makes the kernel's commit wait (~15 ms), so removing a namespace does not delete its
 * port's elements at once: the port's index dies with it and is never reused soon, so they match
 * nothing; they are listed as stale (state record ids/guard-stale) and deleted in one batch once
 * 64 have gathered, or by gc. Detaching (which waits far longer for the veth anyway) deletes them
 * at once.
 */
struct fw_guard_port {
	const char *ifname;		/* host end of the veth (for the text form) */
	int ifindex;			/* its index: the key, so a dead port's elements never match a new one */
	uint8_t mac[6];			/* the namespace end's MAC */
	size_t n_addrs;
	const struct nsnet_addr *addrs;
};

/* The guard's text is nft whatever the op's backend: planned, committed and undone by this one. */
extern const struct fw_backend *const fw_guard_backend;
/* Is every command of @text about table bridge nsnet? (journal validation of the guard's undo) */
bool fw_guard_text_ours(const char *text);

/* Lines creating the table, its sets and rules (idempotent; with the first network). */
void fw_guard_table(struct strbuf *out);
/* The nft lines equivalent to fw_guard_apply() (for --dry-run and undo). */
void fw_guard_text(const struct fw_guard_port *p, bool add, struct strbuf *out);
/*
 * Add or delete the elements of @n ports in one nf_tables batch. Deleting skips elements that are
 * gone. Returns 0 or -errno.
 */
int fw_guard_apply(const struct fw_guard_port *p, size_t n, bool add, struct nsnet_err *err);

#endif
