/* SPDX-License-Identifier: MIT */
/* One mutating operation: echo each step as the equivalent command, apply it, record how to undo it. */
#ifndef NSNET_CORE_OP_H
#define NSNET_CORE_OP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "firewall/fw.h"
#include "kernel/nl.h"
#include "model/model.h"
#include "state/store.h"
#include "util/err.h"

/*
 * Theory of operation. A core operation first validates everything it can into a complete plan
 * (names, addresses, IPAM) without touching anything, then performs its steps through the op_*
 * functions below. Each step:
 *   1. prints the command a person would type for it (`ip ...`, `sysctl ...`, `nft '...'`) to
 *      stdout in dry-run mode, or to stderr with -v;
 *   2. in dry-run mode stops there; otherwise applies it (netlink, libnftables, files);
 *   3. on success pushes its undo onto the op's undo stack.
 * op_rollback() runs the undo stack in reverse; op_done() forgets it. So an operation is
 * all-or-nothing, and --dry-run shows exactly the steps a real run takes, in order.
 * Netlink sockets are opened once per namespace per operation and reused.
 *
 * Crash consistency. Each undo is written to the journal STATE_JOURNAL/<pid>.jsonl *before* its
 * step is applied (write-ahead: undoing a step that never happened is harmless, since the plan
 * checked the object did not exist), and the journal is removed when the operation ends. A
 * process killed anywhere leaves its journal; the next mutating operation (which holds the lock,
 * so the writer is dead) or `nsnet gc` replays it in reverse: the interrupted operation leaves
 * nothing behind. Removals are not journaled: interrupted, they are completed by gc.
 */

struct nsnet_opts {
	const char *state_dir;
	const char *backend;	/* "nft" / "iptables" asked for (--backend, NSNET_BACKEND); NULL: as recorded */
	bool dry_run;
	int verbose;
};

#define OP_MAX_NS 12
#define OP_MAX_UNDO 64

enum op_undo_kind {
	UNDO_NETNS_DEL,		/* a: namespace */
	UNDO_LINK_DEL,		/* a: namespace ("" = host), b: link */
	UNDO_NFT,		/* text: nft commands */
	UNDO_FILE_DEL,		/* a: path; b: directory to rmdir if empty ("" = none) */
	UNDO_STATE,		/* a: kind, b: name, text: previous record as on disk (NULL = none) */
	UNDO_SYSCTL,		/* a: key, b: previous value */
	UNDO_IPT,		/* text: iptables backend steps (firewall/fw.h) */
};

struct op_undo {
	enum op_undo_kind kind;
	char a[4096];
	char b[NSNET_NAME_MAX + 1 + 4096];
	char *text;
	json_t *rec;
};

struct op_ns {
	char name[NSNET_NAME_MAX + 1];
	int fd;
	struct nl nl;
};

struct op {
	const struct nsnet_opts *opts;
	struct timespec t0;	/* start, for -vv timings */
	struct state st;
	enum fw_backend fw;	/* the firewall backend of this state dir (see op_begin) */
	struct nl host;
	bool host_open;
	struct nl ct;		/* ctnetlink, opened on first use */
	bool ct_open;
	size_t n_ns;
	struct op_ns ns[OP_MAX_NS];
	size_t n_undo;
	struct op_undo *undo;	/* OP_MAX_UNDO entries, heap: they are large */
	int journal_fd;		/* STATE_JOURNAL/<pid>.jsonl, opened at the first step */
	bool journal_broken;
	int replayed;		/* interrupted operations rolled back by op_begin() */
	unsigned int fault_at, steps;	/* NSNET_FAULT (test builds) */
	/*
	 * One network's leases, parsed once per operation (core/records.c): an attach plans with them,
	 * a publish looks its address up in them again. Dropped whenever that record is written.
	 */
	char leases_net[NSNET_NAME_MAX + 1];
	struct nsnet_leases leases;
	bool leases_cached;
};

/*
 * Start an operation: open the state dir (@write: locked exclusively and created; in dry-run mode
 * it is only read) and settle the firewall backend: the one recorded in the state dir (record
 * ids/backend), else the one asked for, else nft. Asking for another backend than the recorded one
 * is refused while networks, VIPs or ports exist; with none, a writing operation records the new
 * choice. Returns 0 or -errno.
 */
int op_begin(struct op *op, const struct nsnet_opts *opts, bool write, struct nsnet_err *err);
/* Undo every recorded step, newest first (errors ignored: best effort), then end. */
void op_rollback(struct op *op);
/* End the operation: forget the undo stack, close sockets and the state dir. */
void op_end(struct op *op);

/* Print a step's command (dry-run: stdout; -v: stderr with "+ "). */
void op_echo(struct op *op, const char *fmt, ...) NSNET_PRINTF(2, 3);

/* The netlink socket of namespace @ns (NULL or "" = host), opened on first use. */
int op_nl(struct op *op, const char *ns, struct nl **out, struct nsnet_err *err);
/* The fd of /run/netns/@ns, opened on first use. */
int op_netns_fd(struct op *op, const char *ns, struct nsnet_err *err);

/*
 * Make namespace @ns of this operation the one behind @path (a CNI runtime's CNI_NETNS) instead of
 * /run/netns/@ns: later op_nl()/op_netns_fd()/steps naming @ns act there. Fills its identity.
 * Returns 0, -ENOENT (no such path), -ENOTNAM (not a network namespace) or -errno.
 */
int op_netns_path(struct op *op, const char *ns, const char *path, unsigned long long *dev,
		  unsigned long long *ino, struct nsnet_err *err);

/* Steps. All return 0 or -errno; in dry-run mode they only print. */
int op_netns_add(struct op *op, const char *ns, struct nsnet_err *err);
int op_netns_del(struct op *op, const char *ns, struct nsnet_err *err);
int op_bridge_add(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
int op_veth_add(struct op *op, const char *host_if, const char *bridge, const char *ns,
		const char *peer_if, const uint8_t *peer_mac, unsigned int mtu, struct nsnet_err *err);
struct fw_guard_port;
enum op_guard_mode {
	GUARD_ADD,	/* add the port's anti-spoofing elements (undone on rollback) */
	GUARD_DEL,	/* delete them now (missing ones are fine) */
	GUARD_FORGET,	/* the port dies with its namespace: list them as stale, delete in bulk later */
};
/* port->ifindex 0: looked up by name. */
int op_guard(struct op *op, struct fw_guard_port *port, enum op_guard_mode mode, struct nsnet_err *err);
/* Forget the stale list (gc rebuilt the table without those elements). */
int op_guard_purge_stale(struct op *op);
int op_link_del(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err);
int op_link_up(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err);
/*
 * `ip link set IF addrgenmode none` in @ns (NULL: the host), and with @hairpin `ip link set IF type
 * bridge_slave hairpin on`, as one request; nothing to undo, the link goes whole.
 */
int op_link_configure(struct op *op, const char *ns, const char *ifname, bool hairpin, struct nsnet_err *err);
int op_addr_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *a,
		unsigned int len, struct nsnet_err *err);
int op_route_default(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *gw,
		     struct nsnet_err *err);
/* Route to @dst via @gw (NULL or family 0: on the link) out of @ifname in @ns (goes with the link). */
int op_route_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_prefix *dst,
		 const struct nsnet_addr *gw, struct nsnet_err *err);
/*
 * Forget the flows DNAT'ed from @vip:@vip_port to @backend:@backend_port (UDP backends removed
 * from a VIP), so clients move to the remaining backends at once.
 */
int op_conntrack_flush(struct op *op, uint8_t proto, const struct nsnet_addr *vip, uint16_t vip_port,
		       const struct nsnet_addr *backend, uint16_t backend_port, struct nsnet_err *err);
/*
 * Set sysctl @key to @value unless it already has it. @undoable: a rollback restores the old
 * value (settings of nsnet's own links); global settings such as ip_forward are never reverted.
 */
int op_sysctl(struct op *op, const char *key, const char *value, bool undoable, struct nsnet_err *err);
/* Apply nft lines @cmds as one transaction; @undo (may be NULL) are the lines that revert it. */
int op_nft(struct op *op, const char *cmds, const char *undo, struct nsnet_err *err);
/*
 * Apply firewall text of the op's backend (fw_network_add() and friends) as one transaction: nft
 * lines through op_nft(), iptables steps through one iptables-restore per family, echoed as the
 * `iptables` commands they amount to. @rebuild (gc, iptables): flush nsnet's chains first and drop
 * those @cmds do not ensure.
 */
int op_fw(struct op *op, const char *cmds, const char *undo, bool rebuild, struct nsnet_err *err);
/*
 * op_fw() for @cmds that are exactly fw_vip_del(@old) + fw_vip_add(@new) (either may be NULL):
 * with nft they are applied as one libnftnl batch (fw_nft_vip_change), the text still being what
 * --dry-run prints and the undo what the journal keeps.
 */
struct nsnet_vip;
int op_fw_vip(struct op *op, const char *cmds, const char *undo, const struct nsnet_vip *old,
	      const struct nsnet_vip *new, struct nsnet_err *err);
/* The same for @cmds that are exactly fw_port_del() of the @n ports @p (fw_nft_ports_del). */
struct nsnet_port;
int op_fw_ports_del(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err);
/* ... and exactly fw_port_add() of the @n ports @p (fw_nft_ports_add). */
int op_fw_ports_add(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err);
/* Write @content to @path, creating directory @dir (0755) first if given. */
int op_file_write(struct op *op, const char *dir, const char *path, const char *content,
		  struct nsnet_err *err);
/* Remove @path and then @dir if empty; missing ones are fine. */
int op_file_del(struct op *op, const char *dir, const char *path, struct nsnet_err *err);
/* Replace (rec != NULL) or remove (rec == NULL) state record @kind/@name; undone by restoring it. */
int op_state_put(struct op *op, const char *kind, const char *name, json_t *rec, struct nsnet_err *err);

#endif
