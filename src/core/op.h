/* SPDX-License-Identifier: MIT */
/* One mutating operation: echo each step as the equivalent command, apply it, record how to undo it. */
#ifndef NSNET_CORE_OP_H
#define NSNET_CORE_OP_H

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
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
 *   1. hands the command a person would type for it (`ip ...`, `sysctl ...`, `nft '...'`) to the
 *      caller's echo sink in dry-run mode or with -v (the library itself never prints);
 *   2. in dry-run mode stops there; otherwise applies it (netlink, libnftables, files);
 *   3. on success pushes its undo onto the op's undo stack.
 * op_rollback() runs the undo stack in reverse; op_done() forgets it. So an operation is
 * all-or-nothing, and --dry-run shows exactly the steps a real run takes, in order.
 * Netlink sockets are opened once per namespace per operation and reused.
 *
 * Crash consistency. Each undo is written to the journal STATE_JOURNAL/<pid>.jsonl *before* its
 * step is applied (write-ahead: undoing a step that never happened is harmless, since the plan
 * checked the object did not exist), and the journal is removed when the operation ends. A step
 * whose undo cannot be recorded (out of memory, the journal cannot be written) fails before it
 * runs, and the operation rolls back. A process killed anywhere leaves its journal; the next
 * mutating operation (which holds the lock, so the writer is dead) or `nsnet gc` validates it and
 * replays it in reverse: the interrupted operation leaves nothing behind. Removals of records are
 * journaled too (their undo puts the record back); removals of kernel objects are not:
 * interrupted, they are completed by gc.
 *
 * Layout: op.c (this lifecycle, the undo stack, the netns socket cache), journal.c (journal
 * write, validation, replay), step_kernel.c (namespaces, links, addresses, routes, sysctl,
 * conntrack, files, records), step_fw.c (firewall text through the op's backend, anti-spoofing),
 * netns_pool.c (batch mode: namespaces made ahead on a thread of their own).
 */

struct nsnet_opts {
	const char *state_dir;
	const char *backend;	/* "nft" / "iptables" asked for (--backend, NSNET_BACKEND); NULL: as recorded */
	bool dry_run;
	int verbose;
	/*
	 * Where the library's output goes; the library never prints. Each sink may be NULL (dropped)
	 * and gets @ctx = sink_ctx. echo: one step's command (op_echo), only in dry-run mode or with
	 * verbose >= 1, with the milliseconds since the operation began (for -vv timings). note: a
	 * one-line notice, without trailing newline or "nsnet: " prefix (op_note), only when verbose
	 * >= @level (0: always, e.g. a rejected journal; 1: -v).
	 */
	void (*echo)(void *ctx, const char *line, double ms);
	void (*note)(void *ctx, int level, const char *msg);
	void *sink_ctx;
};

#define OP_MAX_NS 12

struct op_undo;		/* core/undo.h */
struct op_parked;	/* core/op.c, park mode */
struct op_guard_wait;	/* core/step_fw.c, batch mode */
struct dns_wait;	/* core/dns.c, batch mode */
struct dns_spawns;	/* core/dns.c, batch mode */
struct daemon_id;	/* core/daemon.h */
struct netns_pool;	/* core/netns_pool.c, batch mode */
struct op_fw_async;	/* core/step_fw.c, batch mode */
struct rec_cache;	/* core/records.h */

/*
 * The netns socket cache: at most OP_MAX_NS open at once. Past that, the least recently used
 * named namespace's socket is closed and reopened when needed again (an apply touches hundreds);
 * one given by path (CNI, op_netns_path) stays, as it cannot be reopened by name.
 */
struct op_ns {
	char name[NSNET_NAME_MAX + 1];
	int fd;
	struct nl nl;
	bool pinned;			/* opened by path */
	bool lo_up;			/* made by the namespace pool, lo up already */
	unsigned long used;		/* when last asked for (LRU) */
};

/* "nsnet:" + the 16 hex digits of record ids/owner: the alias every link nsnet makes carries. */
#define OP_MARK_PREFIX "nsnet:"
#define OP_MARK_MAX 24
#define OP_MAX_BROKEN 16

struct op {
	const struct nsnet_opts *opts;
	struct timespec t0;	/* start, for -vv timings */
	struct state st;
	const struct fw_backend *fw;	/* the firewall backend of this state dir (see op_begin) */
	struct nl host;
	bool host_open;
	struct nl ct;		/* ctnetlink, opened on first use */
	bool ct_open;
	size_t n_ns;
	struct op_ns ns[OP_MAX_NS];
	size_t n_undo, cap_undo;
	struct op_undo *undo;	/* the undo stack, grown as needed */
	int journal_fd;		/* STATE_JOURNAL/<pid>.jsonl, opened at the first step */
	bool journal_broken;	/* a journal write failed: every later step fails */
	int replayed;		/* interrupted operations rolled back by op_begin() */
	int rejected;		/* journals op_begin() refused to replay (moved to journal/rejected/) */
	char rejected_why[512];	/* why the first was refused */
	unsigned int fault_at, steps;	/* NSNET_FAULT (test builds) */
	struct rec_cache *cache;	/* records parsed once per operation (core/records.c) */
	char mark[OP_MARK_MAX];	/* this state dir's link mark, "" until op_owner_mark() read it */
	/*
	 * The links op_veth_add() made, by (namespace, name), with the indexes the kernel echoed: the
	 * steps on them that follow need no RTM_GETLINK. Forgotten whenever a step deletes or renames
	 * a link (op_links_forget()).
	 */
	struct op_link_known {
		char ns[NSNET_NAME_MAX + 1];
		char name[IFNAMSIZ];
		int ifindex;
		uint8_t mac[6];		/* the MAC the echo gave (all zero: unknown) */
	} known[2];
	/*
	 * Set by ls, check and gc: rec_*s_load() skip a record that cannot be parsed and list it
	 * here ("KIND/NAME"; n_broken may exceed OP_MAX_BROKEN) instead of failing.
	 */
	bool skip_broken;
	/*
	 * Set by apply and plan around their drift check (check_op): what they never act on is not
	 * looked for (the other backend's rules: with nft, an iptables-save and an ip6tables-save run).
	 */
	bool drift_only;
	int n_broken;
	char broken[OP_MAX_BROKEN][NAME_MAX + 16];
	/*
	 * Park mode (set by apply and down around their removals; never in dry-run mode): removals
	 * that cannot be undone wait until the operation ends without error. op_link_del() renames
	 * the link to a parked name (undo: the old name back), op_netns_del() and op_file_del() only
	 * note what to remove, a GUARD_DEL pushes the elements back as its undo. op_end() then
	 * removes what was parked, after the journal is gone; op_rollback() forgets it.
	 */
	bool park;
	/*
	 * Park mode: a network removal emptied the records of networks, so the anti-spoofing table
	 * (table bridge nsnet) goes, but only at the end (op_guard_drop_end()), if no network was
	 * made since: a rollback cannot bring its elements back.
	 */
	bool guard_drop;
	/*
	 * The backend's base ruleset (fw->base()) is in place, asserted by this operation's last
	 * firewall commit (a network creation's): the next network creation leaves it out of its
	 * text (apply creates many). Every firewall commit clears it first (step_fw.c).
	 */
	bool fw_base_ok;
	size_t n_parked, cap_parked;
	struct op_parked *parked;
	/*
	 * Batch mode (set by apply; never in dry-run mode): two kinds of work that no later step of
	 * the operation needs are gathered and done once, by op_flush(): the anti-spoofing elements
	 * of new ports (one nft commit for all, step_fw.c) and the waits for the resolvers (every
	 * resolver started and every hosts file written, asked in turn once all are under way:
	 * core/dns.c). Every other firewall commit, and every guard removal, flushes the elements
	 * first; a resolver's stop or a name's removal flushes the waits first.
	 */
	bool batch;
	size_t n_guard_wait, cap_guard_wait;
	struct op_guard_wait *guard_wait;
	size_t n_dns_wait, cap_dns_wait;
	struct dns_wait *dns_wait;
	struct dns_spawns *dns_spawns;	/* batch mode: resolvers a thread starts (dns_start_pending) */
	/* Park mode: resolvers signalled to stop, waited for together (dns_stops_wait) */
	size_t n_dns_stopping, cap_dns_stopping;
	struct daemon_id *dns_stopping;
	struct netns_pool *pool;	/* batch mode: namespaces made ahead (op_netns_pool_start) */
	char *net_fw, *net_fw_undo;	/* batch mode: the networks' rules gathered (op_fw_network) */
	struct op_fw_async *fw_async;	/* batch mode: their commit under way (op_net_fw_begin) */
};

/*
 * Start an operation: open the state dir (@write: locked exclusively and created; in dry-run mode
 * it is only read) and settle the firewall backend: the one recorded in the state dir (record
 * ids/backend), else the one asked for, else nft. Asking for another backend than the recorded one
 * is refused while networks, VIPs or ports exist; with none, a writing operation records the new
 * choice. A writing operation first rolls back journals that interrupted operations left; a
 * journal that fails validation (core/journal.c) is moved to journal/rejected/, never replayed,
 * counted in op->rejected and reported through op_note() (level 0). Returns 0 or -errno.
 */
int op_begin(struct op *op, const struct nsnet_opts *opts, bool write, struct nsnet_err *err);
/*
 * Delete host links @v[0..@n) (each already cut off and marked going, or down) from a process
 * of its own, not waited for (core/op.c). Those it cannot hand over are deleted at once.
 */
struct link_info;
void op_links_del_later(const struct link_info *v, size_t n);
/* Undo every recorded step, newest first (errors ignored: best effort), then end. */
void op_rollback(struct op *op);
/* End the operation: forget the undo stack, close sockets and the state dir. */
void op_end(struct op *op);

/*
 * Batch mode: do what it gathered (struct op's batch) -- the anti-spoofing elements in one commit
 * (one undoable step), then the resolvers' waits. 0 or -errno (the operation then rolls back).
 */
int op_flush(struct op *op, struct nsnet_err *err);
/*
 * Batch mode: the anti-spoofing part of op_flush() alone (before any other firewall commit),
 * after the networks' rules gathered by op_fw_network().
 */
int op_guard_flush(struct op *op, struct nsnet_err *err);
/*
 * Append one zeroed element of @size to the array whose pointer is at @arrayp (a T **) holding
 * *@n of *@cap (doubled when full, from @first): the operation's gathered lists (parked objects,
 * batch mode's waits). The new element, or NULL with @err set (ENOMEM).
 */
void *op_array_add(void *arrayp, size_t *n, size_t *cap, size_t size, size_t first, struct nsnet_err *err);
/*
 * Batch mode's helper threads (the namespace pool, the networks' rules, the resolvers' starts):
 * start @fn(@arg) on a thread with every signal blocked (signals stay the operation thread's).
 * false when no thread could be made: the caller does the work in line.
 */
bool op_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/*
 * Batch mode: make @n network namespaces ahead, on a thread of their own, for op_netns_add() to
 * name in turn (core/netns_pool.c). Best effort: without them op_netns_add() makes its own.
 * op_netns_pool_take() hands over the next one (its fd and a netlink socket inside it, lo up;
 * false: none left or the thread failed); op_netns_pool_stop() closes what was not taken.
 */
void op_netns_pool_start(struct op *op, size_t n);
bool op_netns_pool_take(struct op *op, int *fd, struct nl *nl);
void op_netns_pool_stop(struct op *op);

/* Hand a step's command to opts->echo (in dry-run mode or with -v only). */
void op_echo(struct op *op, const char *fmt, ...) NSNET_PRINTF(2, 3);
/* Hand a notice to @o->note if @o->verbose >= @level (see struct nsnet_opts). */
void op_note(const struct nsnet_opts *o, int level, const char *fmt, ...) NSNET_PRINTF(3, 4);

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

/*
 * This state dir's ownership mark into @out: OP_MARK_PREFIX and the random id of record
 * ids/owner, made on first use when @create (a writing operation), validated when read.
 * Returns 0, -ENOENT (no id yet and not @create) or -errno.
 */
int op_owner_mark(struct op *op, bool create, char out[OP_MARK_MAX], struct nsnet_err *err);

/* Whose is link @li, by its mark (@mine: op_owner_mark()'s, "" when there is none)? */
struct link_info;
enum op_link_owner {
	LINK_UNMARKED,	/* no nsnet mark: not nsnet's, whatever its name */
	LINK_OURS,	/* this state dir's */
	LINK_OTHER,	/* another state dir's */
	LINK_GOING,	/* this state dir's, being deleted: its mark + OP_MARK_GOING (ns rm, CNI DEL) */
};
/*
 * Appended to the mark of a host end whose deletion nsnet left to the kernel (the namespace of
 * its peer went, `ns rm`) or to a child process (CNI DEL), in the request that sets it down or
 * before the namespace goes: check knows it is on its way out, gc deletes it if it is still there.
 */
#define OP_MARK_GOING " going"
enum op_link_owner op_link_owner(const struct link_info *li, const char *mine);

/* Steps. All return 0 or -errno; in dry-run mode they only echo (op_echo). */
/* Fills the new namespace's nsfs identity (@dev, @ino; 0 in dry-run mode or if unknown). */
int op_netns_add(struct op *op, const char *ns, unsigned long long *dev, unsigned long long *ino,
		 struct nsnet_err *err);
int op_netns_del(struct op *op, const char *ns, struct nsnet_err *err);
/* @net's own link, named net->bridge, of @kind ("bridge"; "dummy": a routed network's gateway). */
int op_bridge_add(struct op *op, const struct nsnet_network *net, const char *kind, struct nsnet_err *err);
/*
 * @bridge NULL: the host end is a port of nothing, in interface group @group (routed networks).
 * @host_mac: the host end's MAC (NULL: the kernel's random one). The host end gets no IPv6
 * address of its own (addrgenmode none) and, a bridge port with @hairpin, hairpin mode: in the
 * request that marks it nsnet's. @host_absent: the caller just saw no link of that name (no
 * leftover to look for). Its index into *@host_ifindex (may be NULL; 0 when the kernel did not
 * say).
 */
int op_veth_add(struct op *op, const char *host_if, const uint8_t *host_mac, const char *bridge, unsigned int group,
		const char *ns, const char *peer_if, const uint8_t *peer_mac, unsigned int mtu, bool hairpin,
		bool host_absent, int *host_ifindex, struct nsnet_err *err);
/* Forget the indexes of op->known (a link was deleted or renamed). */
void op_links_forget(struct op *op);
/* The MAC of link @ifname of @ns ("" or NULL: host) as op_veth_add() learnt it from the kernel's echo: 0, or -ENOENT. */
int op_link_known_mac(const struct op *op, const char *ns, const char *ifname, uint8_t mac[6]);
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
/*
 * Park mode's last step (apply, down): drop the anti-spoofing table that a network removal left
 * for the end (op->guard_drop), with its stale-element record, if no network is recorded now.
 */
int op_guard_drop_end(struct op *op, struct nsnet_err *err);
int op_link_del(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err);
/*
 * Park mode: rename link @ifname of @ns (NULL: host) out of the way (live, as one undoable step)
 * and remove it when the operation ends well. Without park mode, op_link_del(). Missing: 0.
 */
int op_link_park(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err);
/*
 * The same for a host link that carries routes and neighbour entries of its own (a routed
 * network's host end): parked down, so they leave the way free for its successor (same
 * addresses), and put back by the undo with the link up. Without park mode, op_link_del().
 */
int op_host_link_park(struct op *op, const char *ifname, struct nsnet_err *err);
/* Remove what park mode parked (op_end() calls it; errors ignored: gc completes removals). */
void op_parked_remove(struct op *op);
/*
 * Does a host link this operation parked (a network's bridge it removes or replaces) hold
 * @addr? Its addresses go with it at the end: a network made in its place may take them.
 */
bool op_parked_holds(struct op *op, const struct nsnet_addr *addr);
int op_link_up(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err);
/*
 * `ip link set IF addrgenmode none` in @ns (NULL: the host), and with @hairpin `ip link set IF type
 * bridge_slave hairpin on`, as one request; nothing to undo, the link goes whole.
 */
int op_link_configure(struct op *op, const char *ns, const char *ifname, bool hairpin, struct nsnet_err *err);
/*
 * `ip link set IF master BRIDGE up` on the host, then op_link_configure() (hairpin): a host end
 * put back on its bridge made again (gc). Nothing to undo: the bridge's own undo frees it.
 */
int op_link_master(struct op *op, const char *ifname, const char *bridge, bool hairpin, struct nsnet_err *err);
int op_addr_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *a,
		unsigned int len, struct nsnet_err *err);
int op_route_default(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *gw,
		     struct nsnet_err *err);
/*
 * `ip neigh add IP lladdr MAC dev IFNAME nud permanent` in @ns (NULL: the host): a neighbour
 * entry that needs no address resolution; nothing to undo, it goes with the link.
 */
int op_neigh_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *ip, const uint8_t mac[6],
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
/*
 * Apply nft lines @cmds on the anti-spoofing table (bridge nsnet, firewall/guard.h), which is nft
 * whatever the backend, as one transaction; @undo (may be NULL) are the lines that revert it.
 */
int op_nft(struct op *op, const char *cmds, const char *undo, struct nsnet_err *err);
/*
 * Apply firewall text of the op's backend (op->fw->network_add() and friends) as one
 * transaction, echoed as the commands it amounts to (`nft '...'`, `iptables ...`). @rebuild (gc):
 * the text is the whole ruleset (see struct fw_backend's plan()).
 */
int op_fw(struct op *op, const char *cmds, const char *undo, bool rebuild, struct nsnet_err *err);
/*
 * op_fw() together with anti-spoofing text @guard (undone by @guard_undo; either may be NULL or
 * ""): the backend decides whether both go in one transaction (fw_backend.guard_join) or the
 * guard text follows as its own. Without an undo (removals) this is best effort: the guard text
 * is applied even when the backend's failed; the first error is returned.
 */
int op_fw_guarded(struct op *op, const char *cmds, const char *undo, const char *guard, const char *guard_undo,
		  bool rebuild, struct nsnet_err *err);
/*
 * A network's rules: op_fw_guarded() (not @rebuild), except in batch mode with a backend whose
 * texts join (guard_join: nft), where they are gathered, and the rules of all the networks an
 * operation makes go in as one step, before its next firewall commit or at op_flush(): one
 * transaction instead of one per network. op_net_fw_forget() drops what was not applied.
 */
int op_fw_network(struct op *op, const char *cmds, const char *undo, const char *guard, const char *guard_undo,
		  struct nsnet_err *err);
void op_net_fw_forget(struct op *op);
/*
 * Batch mode: start that one step now, its commit on a thread of its own, while the operation
 * goes on with steps that need no firewall (apply: after the networks, before the namespaces).
 * The step is planned, echoed and journaled here, as any other; the next firewall commit,
 * op_flush(), op_rollback() and op_end() wait for the thread first, and its failure fails the
 * operation there (the undo it left on the stack is voided: nothing of the transaction went in).
 * Without gathered rules, or when no thread can be made, it does nothing (or commits at once).
 */
int op_net_fw_begin(struct op *op, struct nsnet_err *err);
/*
 * Wait for op_net_fw_begin()'s thread: its result, 0 when there is none. @err NULL: the operation
 * is ending (op_rollback, op_end), the result only settles the undo stack.
 */
int op_net_fw_join(struct op *op, struct nsnet_err *err);
/*
 * op_fw() for @cmds that are exactly vip_del(@old) + vip_add(@new) (either may be NULL;
 * vip_rm(@old) when @new is NULL): a backend
 * with the vip_change capability applies them its own fast way (nft: one libnftnl batch), the
 * text still being what --dry-run prints and the undo what the journal keeps.
 */
struct nsnet_vip;
int op_fw_vip(struct op *op, const char *cmds, const char *undo, const struct nsnet_vip *old,
	      const struct nsnet_vip *new, struct nsnet_err *err);
/* The same for @cmds that are exactly port_del() of the @n ports @p (capability ports_del). */
struct nsnet_port;
int op_fw_ports_del(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err);
/* ... and exactly port_add() of the @n ports @p (capability ports_add). */
int op_fw_ports_add(struct op *op, const char *cmds, const char *undo, const struct nsnet_port *p, size_t n,
		    struct nsnet_err *err);
/*
 * Write @content to @path in directory @dir (made 0755 if missing), marked as nsnet's, never
 * through a symlink; refuses (-EEXIST) a file there that nsnet did not write.
 */
int op_file_write(struct op *op, const char *dir, const char *path, const char *content,
		  struct nsnet_err *err);
/* Remove @path if nsnet wrote it (else keep it), then @dir if empty; missing ones are fine. */
int op_file_del(struct op *op, const char *dir, const char *path, struct nsnet_err *err);
/* Is there a file at @path (in @dir) that nsnet did not write? -EEXIST (@err set) if so, else 0. */
int op_file_foreign(const char *dir, const char *path, struct nsnet_err *err);
/* Replace state record @kind/@name by @rec; undone by restoring it. @rec NULL: -EINVAL. */
int op_state_put(struct op *op, const char *kind, const char *name, json_t *rec, struct nsnet_err *err);
/* Remove state record @kind/@name (missing is fine); undone by restoring it. */
int op_state_del(struct op *op, const char *kind, const char *name, struct nsnet_err *err);

#endif
