/* SPDX-License-Identifier: MIT */
/* The firewall interface: rule sets for networks, rendered as text and applied as one transaction. */
#ifndef NSNET_FIREWALL_FW_H
#define NSNET_FIREWALL_FW_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/strbuf.h"

#define NSNET_NFT_TABLE "nsnet"

struct nsnet_vip;
struct nsnet_port;

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
 * base chains' few rules are re-asserted (flushed and re-added) each time, so a run converges
 * (networks one operation creates in a row, as apply does, leave it to the first of them).
 * Policies stay `accept`: nsnet never changes what other tables decide.
 */

/* Lines that create the table, its sets, maps and base chains if missing, and re-assert base rules. */
void fw_nft_base(struct strbuf *out);

/* Lines (one nft command each) that add @net's rules, after fw_nft_base()'s if @base. */
void fw_nft_network_add(const struct nsnet_network *net, bool base, struct strbuf *out);
/* Lines that remove @net's rules; @last: no other network remains, so remove the whole table. */
void fw_nft_network_del(const struct nsnet_network *net, bool last, struct strbuf *out);

/*
 * Apply nft command lines as one transaction through libnftables. Returns 0 or -errno with the
 * error text libnftables gave.
 */
int fw_nft_apply(const char *cmds, struct nsnet_err *err);
/*
 * Is every command of nft text @text about table inet nsnet or bridge nsnet (@bridge_only: bridge
 * nsnet only)? One command per line or separated by ';'; for validating journal text.
 */
bool fw_nft_text_ours(const char *text, bool bridge_only);

/*
 * Services (firewall/nft_services.c; names and layouts in nft_schema.h). Theory of operation:
 *   svc-pre (nat prerouting) and svc-out (nat output) look up (daddr . l4proto . dport) in one
 *   verdict map per family (svc4/svc6) and jump to the VIP's pick chain (or, with affinity, its
 *   own chain vip-ID) or to the published port's chain; ports
 *   published on every local address are looked up by (l4proto . dport) in pubany4/pubany6 when
 *   `fib daddr type local` (loopback excluded), and in svc-out (the host itself) also for
 *   127.0.0.1, which the bridge's route_localnet lets out (publish.c).
 *   pick4t-N (one per family, protocol and backend count N <= 64, shared by the VIPs with N
 *   backends, made by the first change that needs it: nft_services.c, "The pick chains"):
 *   `dnat to daddr . tcp dport . numgen random mod N map @bk4t` -- one shared map per
 *   family and protocol holds every VIP's backends keyed by (VIP, port, index), so per-packet cost
 *   and the size of a change do not depend on how many VIPs exist, and a VIP is map elements
 *   only: no chain of its own, which the kernel would re-check at every later change that adds a
 *   jump (docs/services.md). With affinity, a VIP has chain vip-ID and each backend i has a
 *   chain sep-ID-i (refresh the client in the timeout set aff-ID-i, DNAT) reached first by
 *   membership of that set, else by the random index through the shared verdict map sep4t/...
 *   A VIP without backends is an element of empty4/empty6, which the filter hooks (forward,
 *   svc-filter-out) reject at once: TCP reset, ICMP port unreachable otherwise.
 *   pub-ID: dnat to the namespace's address and port.
 */
void fw_nft_svc_base(struct strbuf *out);
/* Reject rules for backend-less VIPs, appended to chain @chain. */
void fw_nft_svc_reject_rules(const char *chain, struct strbuf *out);
/*
 * Rules of one VIP / published port. They expect the table and base chains to exist (the caller
 * adds fw_nft_base() first when nothing of nsnet exists yet): re-asserting the base each time
 * would make nft fetch and rewrite more than the one service.
 */
void fw_nft_vip_add(const struct nsnet_vip *v, struct strbuf *out);
/*
 * Lines making @v's pick chain when neither the kernel has it nor text rendered before in this
 * process makes it (@out, before fw_nft_vip_add()'s), and lines deleting it again (@undo, after
 * fw_nft_vip_del()'s; NULL: none). Returns 0 or -errno (the kernel could not be asked).
 */
int fw_nft_vip_shared(const struct nsnet_vip *v, struct strbuf *out, struct strbuf *undo, struct nsnet_err *err);
/* Text removing the table was rendered: forget which pick chains exist (@gone: none does now). */
void fw_nft_svc_forget(bool gone);
void fw_nft_vip_del(const struct nsnet_vip *v, struct strbuf *out);
/* @v removed with nothing in its place: its elements expire (nft_change.h, NFT_VERB_EXPIRE). */
void fw_nft_vip_rm(const struct nsnet_vip *v, struct strbuf *out);
void fw_nft_port_add(const struct nsnet_port *p, struct strbuf *out);
/*
 * Apply fw_nft_vip_del(@old) then fw_nft_vip_add(@new) (either may be NULL; fw_nft_vip_rm(@old)
 * when @new is NULL) as one libnftnl batch,
 * without libnftables' ruleset cache: the fast path of vip add/set/rm. Returns 0, -EOPNOTSUPP
 * for what it does not build (VIPs with affinity: apply the text instead), or -errno.
 */
int fw_nft_vip_change(const struct nsnet_vip *old, const struct nsnet_vip *new, struct nsnet_err *err);
int fw_nft_vips_load(struct nsnet_vip *const *v, size_t n, struct nsnet_err *err);
/* The libnftnl form of fw_nft_port_del() for @n ports, one batch (a CNI DEL, a namespace going). */
int fw_nft_ports_del(const struct nsnet_port *p, size_t n, struct nsnet_err *err);
/* The libnftnl form of fw_nft_port_add() for @n ports, one batch (publish, CNI ADD with ports). */
int fw_nft_ports_add(const struct nsnet_port *p, size_t n, struct nsnet_err *err);
void fw_nft_port_del(const struct nsnet_port *p, struct strbuf *out);

/*
 * The elements of the verdict maps svc4 and svc6, as "ADDR . PROTO . PORT : jump CHAIN", sorted
 * (strcmp). Returns count (free with dir_names_free) or -errno.
 */
int fw_nft_svc_elements(char ***elems, struct nsnet_err *err);
int fw_nft_affinity_keep(struct nsnet_vip *const *was, struct nsnet_vip *const *now, size_t n, struct strbuf *out,
			 struct nsnet_err *err);
/* The element fw_nft_vip_add() puts into svc4/svc6 for @v (which has backends), in that form. */
void fw_nft_vip_element(const struct nsnet_vip *v, char *buf, size_t len);

/* Names of the chains of table inet nsnet (none when it does not exist). Returns count or -errno. */
int fw_nft_chain_names(char ***names, struct nsnet_err *err);

/*
 * Base chains of other tables on the forward hook with policy drop (e.g. Docker's FORWARD through
 * iptables-nft): they drop nsnet's forwarded traffic too. One "family table chain" line each in
 * @out. Returns how many, or -errno.
 */
int fw_nft_foreign_drops(struct strbuf *out, struct nsnet_err *err);

/* An overlay network's VXLAN filter (fw_backend.vxlan_peers): the set's text and its listing. */
void fw_nft_vxlan_peers(const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n, struct strbuf *out);
int fw_nft_vxlan_peers_get(const struct nsnet_network *net, struct nsnet_addr *peers, size_t max,
			   struct nsnet_err *err);

/* Does table bridge nsnet (anti-spoofing, firewall/guard.h) exist? (1 yes, 0 no, -errno) */
int fw_nft_guard_table_exists(void);

/* Does table inet nsnet exist? (1 yes, 0 no, -errno) */
int fw_nft_table_exists(struct nsnet_err *err);

/*
 * The iptables backend (firewall/ipt.c, ipt_restore.c). Theory of operation: the same model with
 * nsnet's own chains, each reached from a built-in chain by one jump:
 *   filter FORWARD -> NSNET-FORWARD: -j NSNET-REJECT (backend-less VIPs), established accept,
 *     then per network `-i BR -j NSNET-IN-BR` and `-o BR -j NSNET-OUT-BR` (chains named by the
 *     bridge: iptables chain names hold 28 bytes). NSNET-IN-BR: to its own bridge accept, DNAT'ed
 *     accept, -j NSNET-ISOLATION (one DROP per nsnet bridge), then accept (drop if internal).
 *     NSNET-OUT-BR: DNAT'ed accept, else drop. filter OUTPUT -> NSNET-REJECT.
 *   nat PREROUTING and OUTPUT -> NSNET-SERVICES: -j NSNET-VIPS, one rule per VIP (and port
 *     published on one host address) matching (daddr, proto, dport) -> NSNET-SVC-ID; then local
 *     addresses but loopback -> NSNET-PUBANY (ports published on every address) -> NSNET-PUB-ID;
 *     from the host itself (`-o lo`, OUTPUT only) 127.0.0.1 -> NSNET-PUBANY too.
 *     NSNET-SVC-ID: kube-proxy's shape: with affinity, `recent --rcheck` per backend first; then
 *     backend i by `statistic --probability 1/(n-i)` -> NSNET-SEP-ID-I (DNAT, `recent --set`).
 *   nat POSTROUTING -> NSNET-POSTROUTING: per subnet masquerade leaving the bridge, masquerade
 *     DNAT'ed traffic from the subnet back into it (hairpin), loopback sources into a bridge.
 *   raw PREROUTING -> NSNET-GUARD: loopback addresses arriving on a bridge are dropped.
 * Per packet this is O(number of VIPs) in NSNET-SERVICES, as in kube-proxy's iptables mode; the nft
 * backend's maps are what keeps it flat. Anti-spoofing stays in `bridge nsnet` (guard.h) with
 * either backend: iptables has no bridge-port equivalent short of ebtables.
 *
 * Renderers write steps, one per line: "FAM TABLE OP CHAIN [SPEC]", FAM 4 (iptables) or 6
 * (ip6tables), OP N (ensure chain), F (flush it if present), X (flush and delete it if present),
 * A (append unless present), I (insert first unless present), D (delete if present). SPEC is
 * written the way iptables-save prints it. fw_ipt_plan() keeps the steps that change something.
 */
void fw_ipt_base(struct strbuf *out);
void fw_ipt_teardown(struct strbuf *out);
void fw_ipt_network_add(const struct nsnet_network *net, bool base, struct strbuf *out);
void fw_ipt_network_del(const struct nsnet_network *net, bool last, struct strbuf *out);
void fw_ipt_vip_add(const struct nsnet_vip *v, struct strbuf *out);
void fw_ipt_vip_del(const struct nsnet_vip *v, struct strbuf *out);
void fw_ipt_port_add(const struct nsnet_port *p, struct strbuf *out);
void fw_ipt_port_del(const struct nsnet_port *p, struct strbuf *out);
/* Names of the chains of a network (@in: NSNET-IN-BR, else NSNET-OUT-BR), a VIP, a published port. */
void fw_ipt_network_chain(const struct nsnet_network *net, bool in, char *buf, size_t len);
void fw_ipt_vip_chain(const struct nsnet_vip *v, char *buf, size_t len);
void fw_ipt_port_chain(const struct nsnet_port *p, char *buf, size_t len);

/* One change, ready to commit: iptables-restore input per family and the equivalent commands. */
struct fw_ipt_txn {
	struct strbuf restore4, restore6;
	struct strbuf cmds;	/* "iptables -w -t nat -A ...", one per line */
};
/*
 * Check @steps against the current rulesets (iptables-save) and keep what changes something.
 * @rebuild (gc): first flush every NSNET-* chain, and at the end delete those @steps do not
 * ensure. Returns 0 with @txn filled (free with fw_ipt_txn_free), or -errno.
 */
int fw_ipt_plan(const char *steps, bool rebuild, struct fw_ipt_txn *txn, struct nsnet_err *err);
/* Apply @txn: one `iptables-restore --noflush -w` per family (IPv4 first). Returns 0 or -errno. */
int fw_ipt_commit(const struct fw_ipt_txn *txn, struct nsnet_err *err);
void fw_ipt_txn_free(struct fw_ipt_txn *txn);
/* Plan and commit @steps (undo, rollback). */
int fw_ipt_apply(const char *steps, struct nsnet_err *err);
/* Names of the NSNET-* chains of both families. Returns count (free with dir_names_free) or -errno. */
int fw_ipt_chain_names(char ***names, struct nsnet_err *err);
/* The rules of @chain (family @fam, @table) appended to @out, as iptables-save prints them after "-A CHAIN ". 1 (the chain exists), 0 or -errno. */
int fw_ipt_chain_rules(int fam, const char *table, const char *chain, struct strbuf *out, struct nsnet_err *err);
/* An overlay network's VXLAN filter chain, NSNET-VX-BR. */
void fw_ipt_vxlan_chain(const struct nsnet_network *net, char *buf, size_t len);
void fw_ipt_vxlan_peers(const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n, struct strbuf *out);
int fw_ipt_vxlan_peers_get(const struct nsnet_network *net, struct nsnet_addr *peers, size_t max,
			   struct nsnet_err *err);

/* A change planned by a backend: what --dry-run and -v echo, and what commit() applies. */
struct fw_txn {
	struct strbuf echo;	/* the commands a person would type for it, one per line */
	bool empty;		/* nothing to change (iptables: every step is in place already) */
	void *priv;		/* the backend's own form */
};

/*
 * A firewall backend: one per ruleset family nsnet can drive, chosen once per operation by
 * op_begin() (the state dir's recorded choice, see core/op.h), the way crun picks its cgroup
 * manager. The core renders text with the renderers, applies it with plan()/commit() and undoes it
 * with apply(); it never asks which backend it has. Members marked optional are NULL where the
 * backend lacks the capability, and callers test the pointer.
 */
struct fw_backend {
	const char *name;	/* "nft", "iptables": recorded in ids/backend, printed */

	/* Renderers: text of the backend's own form (nft lines, or iptables steps) appended to @out. */
	void (*base)(struct strbuf *out);
	/*
	 * @base: with base()'s text first, so the network's text stands alone; false when the
	 * caller knows the base is in place (asserted by the same operation just before).
	 */
	void (*network_add)(const struct nsnet_network *net, bool base, struct strbuf *out);
	/* @last: no other network, VIP or port remains, so everything of nsnet goes. */
	void (*network_del)(const struct nsnet_network *net, bool last, struct strbuf *out);
	void (*vip_add)(const struct nsnet_vip *v, struct strbuf *out);
	void (*vip_del)(const struct nsnet_vip *v, struct strbuf *out);
	/*
	 * Optional (nft): text making what vip_add(@v) needs beyond its own objects and the ruleset
	 * lacks (the shared pick chain of its backend count), to come before vip_add()'s text in the
	 * same transaction, and text removing it again (@undo, after vip_del()'s; NULL: none).
	 * It asks the live ruleset once per chain and process; 0 or -errno.
	 */
	int (*vip_shared)(const struct nsnet_vip *v, struct strbuf *out, struct strbuf *undo, struct nsnet_err *err);
	/*
	 * @v removed with nothing in its place (`vip rm`): nft lets its elements expire at the next
	 * clock tick rather than deleting them (no wait for the kernel's freeing); iptables: vip_del.
	 * vip_del() stays for a VIP that another replaces in the same transaction.
	 */
	void (*vip_rm)(const struct nsnet_vip *v, struct strbuf *out);
	void (*port_add)(const struct nsnet_port *p, struct strbuf *out);
	void (*port_del)(const struct nsnet_port *p, struct strbuf *out);
	/*
	 * Make @out remove everything of nsnet's firewall (the last object is going): nft replaces
	 * @out with deleting the table, which holds it all; iptables appends the removal of the base
	 * chains and their jumps after @out's own steps.
	 */
	void (*teardown)(struct strbuf *out);

	/*
	 * An overlay network's VXLAN filter (docs/overlay.md, Security): network_add() makes it
	 * with no peer accepted; vxlan_peers() renders text making the accepted underlay addresses
	 * exactly @peers (IPv4), one atomic change; vxlan_peers_get() lists them (at most @max):
	 * count, -ENOENT when the filter is missing or incomplete, or -errno.
	 */
	void (*vxlan_peers)(const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n,
			    struct strbuf *out);
	int (*vxlan_peers_get)(const struct nsnet_network *net, struct nsnet_addr *peers, size_t max,
			       struct nsnet_err *err);

	/* Queries of the live ruleset. */
	/* Does anything of nsnet's exist in this backend's ruleset? (1 yes, 0 no, -errno) */
	int (*exists)(struct nsnet_err *err);
	/* Names of nsnet's chains. Returns count (free with dir_names_free) or -errno. */
	int (*chain_names)(char ***names, struct nsnet_err *err);
	/* The chains a network must have; returns how many (<= 4). */
	int (*network_chains)(const struct nsnet_network *net, char names[4][NSNET_NAME_MAX + 16]);
	/* The chains a VIP with backends needs (nft: its pick chain, and with affinity its own); how many (<= 2). */
	int (*vip_chains)(const struct nsnet_vip *v, char names[2][NSNET_NAME_MAX + 16]);
	void (*port_chain)(const struct nsnet_port *p, char *buf, size_t len);

	/*
	 * Applying. plan() turns @text into a transaction (@rebuild, gc: the text is the whole
	 * ruleset; iptables flushes its chains first and drops those the text does not ensure; nft
	 * text says so itself, see rebuild_begin). It reads the live ruleset at most, so a dry run
	 * plans too; @echo: fill txn->echo (dry run, -v; the backend may fill it anyway). commit()
	 * applies it as one transaction; apply() is plan + commit (undo, replay).
	 */
	int (*plan)(const char *text, bool rebuild, bool echo, struct fw_txn *txn, struct nsnet_err *err);
	int (*commit)(const struct fw_txn *txn, struct nsnet_err *err);
	void (*txn_free)(struct fw_txn *txn);
	int (*apply)(const char *text, struct nsnet_err *err);
	/* A failed commit may leave part applied (iptables: IPv4 before IPv6): run the undo at once. */
	bool commit_partial;
	/* Is every line of @text about nsnet's own tables and chains? (journal validation) */
	bool (*text_ours)(const char *text);

	/* Optional: lines that start a full rebuild from nothing (nft: the table recreated empty). */
	void (*rebuild_begin)(struct strbuf *out);
	/*
	 * Optional: anti-spoofing text (nft lines for table bridge nsnet, firewall/guard.h) joins this
	 * backend's text so both commit as one transaction (nft). NULL: the guard text is its own nft
	 * transaction, applied after the backend's (iptables).
	 */
	void (*guard_join)(struct strbuf *text, const char *guard);
	/*
	 * Optional fast paths (nft: libnftnl batches without libnftables' ruleset cache), used for
	 * text that is exactly vip_del(@old) + vip_add(@new) (either may be NULL; vip_rm(@old) when
	 * @new is NULL), port_add() or
	 * port_del() of @n ports. They return 0, -EOPNOTSUPP for what they do not build (apply the
	 * text instead), or -errno.
	 */
	int (*vip_change)(const struct nsnet_vip *old, const struct nsnet_vip *new, struct nsnet_err *err);
	int (*ports_add)(const struct nsnet_port *p, size_t n, struct nsnet_err *err);
	int (*ports_del)(const struct nsnet_port *p, size_t n, struct nsnet_err *err);
	/*
	 * Optional (nft): the elements of the service verdict maps, sorted (strcmp), count or -errno;
	 * and the element vip_add() puts there for @v, in that form.
	 */
	int (*svc_elements)(char ***elems, struct nsnet_err *err);
	void (*vip_element)(const struct nsnet_vip *v, char *buf, size_t len);
	/*
	 * Optional (nft): the full load's fast path. After the rebuild's text (which then leaves out
	 * vip_add() of every VIP without affinity), add those VIPs' elements in one batch.
	 */
	int (*vips_load)(struct nsnet_vip *const *v, size_t n, struct nsnet_err *err);
	/*
	 * Optional (nft): for text that makes VIPs with affinity anew (gc's rebuild, `vip set`, a
	 * backend's namespace going), to follow it in the same transaction: the clients the live
	 * affinity sets of @was[k] remember, added again with the time each has left to the sets of
	 * @now[k]'s backends at the same address and port. Count or -errno. iptables has none: each
	 * backend's `recent` list is named after its address and port, and outlives a restore that
	 * names it again.
	 */
	int (*affinity_keep)(struct nsnet_vip *const *was, struct nsnet_vip *const *now, size_t n, struct strbuf *out,
			     struct nsnet_err *err);

	/* For doctor: "family table chain" of built-in chains whose first rule is this backend's jump (NULL-terminated). */
	const char *const *jumps_first_from;
	/* Needs the iptables tools (iptables-save, iptables-restore). */
	bool needs_xtables;
};

extern const struct fw_backend fw_backend_nft, fw_backend_ipt;
/* Every backend, NULL-terminated; the first is the default. */
extern const struct fw_backend *const fw_backends[];

/* The backend named @name ("nft", also "nftables"; "iptables"), NULL if none. */
const struct fw_backend *fw_backend_find(const char *name);
/* Is @chain ("family table chain") one of @be's jumps_first_from? */
bool fw_backend_jumps_from(const struct fw_backend *be, const char *chain, size_t len);

/*
 * A descriptor of this process whose last close waits for the kernel (the netfilter socket its
 * transactions went through: closing it waits for the freeing of what they deleted, an RCU grace
 * period), or -1. The caller may hand it to a child that outlives the process.
 */
int fw_release_fd(void);

#endif
