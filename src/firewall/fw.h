/* SPDX-License-Identifier: MIT */
/* The firewall interface: rule sets for networks, rendered as text and applied as one transaction. */
#ifndef NSNET_FIREWALL_FW_H
#define NSNET_FIREWALL_FW_H

#include <stdbool.h>

#include "model/model.h"
#include "util/strbuf.h"

#define NSNET_NFT_TABLE "nsnet"

/*
 * Theory of operation (nft backend). Everything lives in table `inet nsnet`:
 *   forward (filter hook): ct established,related accept; then `iifname vmap @fwd_in` and
 *     `oifname vmap @fwd_out` dispatch by bridge to the network's own chains.
 *   in-NET:  traffic from the network's bridge: to the same bridge accept; to another nsnet bridge
 *            (set @bridges) drop (isolation); then accept (or drop for --internal).
 *   out-NET: new traffic into the network from elsewhere: accept only if DNAT'ed (published), else drop.
 *   postrouting (nat hook): `iifname vmap @nat_in` -> nat-NET: masquerade the subnet's traffic
 *            leaving by any other interface (omitted with --no-nat / --internal).
 * Adding or removing a network is one transaction touching only its chains and map elements; the
 * base chains' few rules are re-asserted (flushed and re-added) each time, so a run converges.
 * Policies stay `accept`: nsnet never changes what other tables decide.
 */

/* Lines that create the table, its sets, maps and base chains if missing, and re-assert base rules. */
void fw_nft_base(struct strbuf *out);

/* Lines (one nft command each) that add @net's rules, creating the table if needed. */
void fw_nft_network_add(const struct nsnet_network *net, struct strbuf *out);
/* Lines that remove @net's rules; @last: no other network remains, so remove the whole table. */
void fw_nft_network_del(const struct nsnet_network *net, bool last, struct strbuf *out);

/*
 * Apply nft command lines as one transaction through libnftables. Returns 0 or -errno with the
 * error text libnftables gave.
 */
int fw_nft_apply(const char *cmds, struct nsnet_err *err);

/*
 * Services (firewall/svc.c). Theory of operation:
 *   svc-pre (nat prerouting) and svc-out (nat output) look up (daddr . l4proto . dport) in one
 *   verdict map per family (svc4/svc6) and jump to the VIP's or published port's chain; ports
 *   published on every local address are looked up by (l4proto . dport) in pubany4/pubany6 when
 *   `fib daddr type local` (loopback excluded).
 *   vip-ID: `dnat to daddr . tcp dport . numgen random mod N map @bk4t` -- one shared map per
 *   family and protocol holds every VIP's backends keyed by (VIP, port, index), so per-packet cost and the
 *   size of a change do not depend on how many VIPs exist. With affinity, each backend i has a
 *   chain sep-ID-i (refresh the client in the timeout set aff-ID-i, DNAT) reached first by
 *   membership of that set, else by the random index through the shared verdict map sep4t/...
 *   A VIP without backends is an element of empty4/empty6, which the filter hooks (forward,
 *   svc-filter-out) reject at once: TCP reset, ICMP port unreachable otherwise.
 *   pub-ID: dnat to the namespace's address and port.
 */
void fw_nft_svc_base(struct strbuf *out);
/* Reject rules for backend-less VIPs, appended to chain @chain. */
void fw_nft_svc_reject_rules(const char *chain, struct strbuf *out);
struct nsnet_vip;
struct nsnet_port;
/*
 * Rules of one VIP / published port. They expect the table and base chains to exist (the caller
 * adds fw_nft_base() first when nothing of nsnet exists yet): re-asserting the base each time
 * would make nft fetch and rewrite more than the one service.
 */
void fw_nft_vip_add(const struct nsnet_vip *v, struct strbuf *out);
void fw_nft_vip_del(const struct nsnet_vip *v, struct strbuf *out);
void fw_nft_port_add(const struct nsnet_port *p, struct strbuf *out);
void fw_nft_port_del(const struct nsnet_port *p, struct strbuf *out);

/* Names of the chains of table inet nsnet (none when it does not exist). Returns count or -errno. */
int fw_nft_chain_names(char ***names, struct nsnet_err *err);

/*
 * Base chains of other tables on the forward hook with policy drop (e.g. Docker's FORWARD through
 * iptables-nft): they drop nsnet's forwarded traffic too. One "family table chain" line each in
 * @out. Returns how many, or -errno.
 */
int fw_nft_foreign_drops(struct strbuf *out, struct nsnet_err *err);

/* Does table bridge nsnet (anti-spoofing, firewall/guard.h) exist? (1 yes, 0 no, -errno) */
int fw_nft_guard_table_exists(void);

/* Does table inet nsnet exist? (1 yes, 0 no, -errno) */
int fw_nft_table_exists(struct nsnet_err *err);

#endif
