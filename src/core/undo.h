/* SPDX-License-Identifier: MIT */
/* The undo stack of an operation and its journal (internal to core/op.c, journal.c, step_*.c). */
#ifndef NSNET_CORE_UNDO_H
#define NSNET_CORE_UNDO_H

#include "core/op.h"

/*
 * Kinds of undo. The numbers are written to the journal ("kind"), which outlives a version of
 * nsnet across a crash: never renumber. The journal keeps the two strings of an entry as "a" and
 * "b" (the names below say what they hold per kind).
 */
enum op_undo_kind {
	UNDO_NETNS_DEL = 0,	/* netns.name: remove the namespace; netns.id "DEV:INO" (or ""): only if it is that one */
	UNDO_LINK_DEL = 1,	/* link.ns ("" = host), link.name: remove the link */
	UNDO_FW = 2,		/* text: firewall text, applied by backend fw (journal "fw"; absent: nft) */
	UNDO_FILE_DEL = 3,	/* file.path: remove it, then file.dir if empty ("" = none) */
	UNDO_STATE = 4,		/* state.kind, state.name: put text back as the record (NULL: remove it) */
	UNDO_SYSCTL = 5,	/* sysctl.key: set back to sysctl.value */
	UNDO_IPT_V1 = 6,	/* journals before backends were named: iptables steps (read as UNDO_FW) */
	UNDO_GUARD = 7,		/* text: nft lines on table bridge nsnet (anti-spoofing, firewall/guard.h) */
	UNDO_QDISC = 8,		/* link.ns ("" = host), link.name: put its root qdisc back to text (core/limit.c) */
	UNDO_DNS_STOP = 9,	/* a: network, b: "PID:START" or "": stop its resolver, remove its folder (core/dns.c) */
	UNDO_DNS_HOST = 10,	/* a: network, b: namespace: remove its hosts file of the network's resolver */
	UNDO_ETCD_DEL = 11,	/* a: etcd endpoints, b: key under /nsnet/overlay/, text: its value: delete it if still that (core/overlay.c) */
	UNDO_LINK_RENAME = 12,	/* link.ns ("" = host), link.name (a parked link): rename it back to text */
	UNDO_LINK_RESTORE = 13,	/* link.ns, link.name: put back text's IPv6 addresses, neighbours, routes (core/op.c) */
};
#define UNDO_KIND_LAST UNDO_LINK_RESTORE

struct op_undo {
	enum op_undo_kind kind;
	union {
		struct { char *name, *id; } netns;
		struct { char *ns, *name; } link;
		struct { char *path, *dir; } file;
		struct { char *kind, *name; } state;
		struct { char *key, *value; } sysctl;
		char *arg[2];	/* the journal's "a" and "b", whatever the kind */
	};
	const struct fw_backend *fw;	/* UNDO_FW */
	char *text;			/* UNDO_FW, UNDO_GUARD, UNDO_STATE */
};

/*
 * Record how to undo the step about to be applied, in memory and in the journal, before it is
 * applied (write-ahead). @a, @b: the kind's two strings (NULL = ""); @fw: UNDO_FW's backend.
 * Returns 0, or -ENOMEM / -EIO (the journal cannot be written) with @err set: then the step must
 * not run.
 */
int op_push(struct op *op, enum op_undo_kind kind, const char *a, const char *b, const char *text,
	    const struct fw_backend *fw, struct nsnet_err *err);
/* The step pushed last failed: forget its undo without running it. */
void op_pop(struct op *op);
/* The step pushed last was applied (a fault point of test builds). */
void op_applied(struct op *op);
/* Run one undo (best effort). */
void op_undo_run(struct op *op, const struct op_undo *u);
void op_undo_free(struct op_undo *u);

/* Remove @path in @dir only if nsnet wrote it, then @dir if empty (core/step_kernel.c). 0 or -errno. */
int op_file_remove_ours(const char *dir, const char *path);
/* Write @text back to @path in @dir (with the mark) if the file is ours or absent. 0 or -errno. */
int op_file_restore_ours(const char *dir, const char *path, const char *text);
/* Is @text something an undo may write back to a file: printable lines, at most 4 KiB? */
bool op_file_text_ok(const char *text);

/* Journal (core/journal.c). */
/* Append @u's push / a pop to the journal, opened at the first step. Returns 0 or -errno. */
int journal_push(struct op *op, const struct op_undo *u, struct nsnet_err *err);
int journal_pop(struct op *op);
/* Set the last pushed entry's "b" to @b ({"do":"set"}: UNDO_NETNS_DEL's identity). Returns 0 or -errno. */
int journal_set(struct op *op, const char *b);
/* Close and remove this process's journal (the operation ended). */
void journal_end(struct op *op);
/*
 * Roll back what interrupted operations left: every journal in the state dir belongs to a
 * process that died holding the lock we now hold. Journals that fail validation are moved to
 * journal/rejected/ and not replayed. Returns how many were rolled back; *@rejected counts the
 * others, @why says why the first was rejected.
 */
int journal_replay_all(struct op *op, int *rejected, char *why, size_t why_len);
/*
 * Parse and validate journal text @text (NUL-terminated; lines of JSON) into the undo entries it
 * leaves pushed, oldest first (*@v malloc'd, free each with op_undo_free). @bridges: the bridges
 * of recorded networks (NULL-terminated, may be NULL), host links nsnet may remove besides its
 * own name patterns. Returns 0, or -EBADMSG with the reason in @why (line number and what), or
 * -ENOMEM. Pure: touches nothing.
 */
int journal_parse(const char *text, const char *const *bridges, struct op_undo **v, size_t *n,
		  char *why, size_t why_len);

/* Bandwidth limits (core/limit.c): run an UNDO_QDISC; is @text one that limit.c writes? */
void limit_undo_run(struct op *op, const struct op_undo *u);
bool limit_undo_text_ok(const char *text);

/* Overlay networks (core/overlay.c): run an UNDO_ETCD_DEL; is it one that overlay.c writes? */
void overlay_undo_run(struct op *op, const struct op_undo *u);
bool overlay_undo_ok(const struct op_undo *u);

/* Park mode (core/op.c, park mode). */
int op_park_netns(struct op *op, const char *ns, struct nsnet_err *err);
int op_park_file(struct op *op, const char *dir, const char *path, struct nsnet_err *err);
/*
 * Host end @ifname goes with a namespace park mode removes at the end: marked going there, before
 * the namespace (as `ns rm` marks it at once), and with @down also set down (namespace.c says when).
 */
int op_park_going(struct op *op, const char *ifname, bool down, struct nsnet_err *err);
void op_undo_rename(struct op *op, const struct op_undo *u);
/*
 * UNDO_LINK_RESTORE's text: lines "a ADDR LEN" (an IPv6 address), "n ADDR MAC" (a permanent
 * neighbour entry: a routed network's gateway) and "r DST/LEN GW" (a route through a gateway),
 * at most 4 KiB. Is @text one? Run it: put them back on the link.
 */
bool op_link_restore_ok(const char *text);
void op_undo_restore(struct op *op, const struct op_undo *u);
void op_parked_forget(struct op *op);
/* Is @name a parked link's ("nsnet-p" and 8 hex digits)? */
bool op_park_name_is(const char *name);

/*
 * The netns socket cache (core/op.c): register namespace @ns, just made (by the namespace pool,
 * or by netns_add() with a socket opened inside), with its fd and netlink socket @nl (both taken
 * over, closed on failure or when @ns is registered already), @lo_up: its lo is up already.
 * 0 or -errno.
 * Was @ns registered so (its lo needs no setting up)?
 */
int op_ns_adopt(struct op *op, const char *ns, int fd, struct nl *nl, bool lo_up, struct nsnet_err *err);
bool op_ns_lo_up(const struct op *op, const char *ns);

/* Guard's stale-list (core/step_fw.c). */
#endif
