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

/* Lines (one nft command each) that add @net's rules, creating the table if needed. */
void fw_nft_network_add(const struct nsnet_network *net, struct strbuf *out);
/* Lines that remove @net's rules; @last: no other network remains, so remove the whole table. */
void fw_nft_network_del(const struct nsnet_network *net, bool last, struct strbuf *out);

/*
 * Apply nft command lines as one transaction through libnftables. Returns 0 or -errno with the
 * error text libnftables gave.
 */
int fw_nft_apply(const char *cmds, struct nsnet_err *err);

/* Does table inet nsnet exist? (1 yes, 0 no, -errno) */
int fw_nft_table_exists(struct nsnet_err *err);

#endif
