/* SPDX-License-Identifier: MIT */
/* nftables tracing in one namespace: a temporary owner table that marks one probe, and its trace events. */
#ifndef NSNET_FIREWALL_NFTRACE_H
#define NSNET_FIREWALL_NFTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Theory of operation. `nsnet trace` sends one probe and wants every nft verdict on its path. The
 * kernel reports a packet's way through nf_tables (NFT_MSG_TRACE on group NFNLGRP_NFTRACE of the
 * namespace it is in) once `meta nftrace` is set on it; the flag is cleared when the packet
 * crosses into another namespace, so each namespace on the path gets its own marking table,
 * `inet nsnet-trace-PID` (plus `bridge nsnet-trace-PID` where bridges are), created on a netfilter
 * socket opened inside that namespace with NFT_TABLE_F_OWNER: the table belongs to that socket,
 * and the kernel deletes it when the socket closes, also when nsnet is killed. The same socket
 * joins NFNLGRP_NFTRACE and reads the events.
 *   pre / out (prerouting, output; priority -500, before conntrack and NAT): set nftrace on the
 *     probe's protocol with the probe's source port (or ICMP echo id) as source or destination
 *     port, i.e. the probe and its replies.
 *   ct-pre / ct-out (priority -150: after conntrack, before DNAT): set it on packets whose
 *     connection's original tuple has that source port: ICMP errors about the probe, and the
 *     probe's packets in a namespace where an earlier hop translated its addresses.
 *   bridge pre (bridge prerouting, -500): the same match for frames entering a bridge port.
 */
#define NFTRACE_TABLE "nsnet-trace"	/* + "-PID": two traces at once do not collide */

/* Is @table one of the trace tables (this or another nsnet's)? */
bool nftrace_table_is(const char *table);

struct nftrace;

/* One trace event, decoded (nftnl_trace). Strings are "" when the kernel sent none. */
struct nftrace_event {
	char table[64];
	char chain[64];
	char jump[64];		/* jump/goto target */
	uint32_t family;	/* NFPROTO_* of the table */
	uint32_t type;		/* NFT_TRACETYPE_RULE, _RETURN, _POLICY */
	uint64_t handle;	/* rule handle (0: none) */
	int32_t verdict;	/* NF_ACCEPT, NF_DROP, NFT_JUMP, NFT_GOTO, NFT_CONTINUE, NFT_RETURN... */
	bool has_verdict;
	uint32_t id;		/* the same for every event about one packet */
	uint32_t iif, oif;	/* ifindex, 0 when absent */
	uint32_t nfproto;	/* NFPROTO_IPV4 / IPV6 of the packet */
	uint8_t nh[40];		/* network header (as much as fits) */
	size_t nh_len;
	uint8_t th[20];		/* transport header */
	size_t th_len;
};

/*
 * Open a trace session in the namespace behind @netns_fd (-1: the caller's): the netfilter
 * socket, group NFNLGRP_NFTRACE, and the owner table(s) marking protocol @l4proto with port (or
 * ICMP id) @port; @bridge: also table bridge nsnet-trace. Returns 0 with *@t, or -errno.
 */
int nftrace_open(struct nftrace **t, int netns_fd, bool bridge, uint8_t l4proto, uint16_t port,
		 struct nsnet_err *err);
/* The socket's fd, to poll for events. */
int nftrace_fd(const struct nftrace *t);
/*
 * Read the events waiting on @t without blocking, calling @cb for each trace event. Returns the
 * number read, or -errno.
 */
int nftrace_read(struct nftrace *t, void (*cb)(void *ctx, const struct nftrace_event *ev), void *ctx,
		 struct nsnet_err *err);
/* Close the socket: the kernel deletes the owner tables with it. NULL is fine. */
void nftrace_close(struct nftrace *t);

/* The name of a verdict as nft prints it ("accept", "drop", "jump", "continue", ...). */
const char *nftrace_verdict_name(int32_t verdict);

#endif
