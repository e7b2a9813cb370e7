/* SPDX-License-Identifier: MIT */
/* The state dir: JSON records by kind and name, atomic writes, one flock for mutations. */
#ifndef NSNET_STATE_STORE_H
#define NSNET_STATE_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "util/err.h"

#define NSNET_STATE_DIR_DEFAULT "/run/nsnet"

/* Record kinds: one sub-directory each. */
#define STATE_NETWORKS "networks"
#define STATE_NAMESPACES "namespaces"
#define STATE_LEASES "leases"
#define STATE_VIPS "vips"
#define STATE_PORTS "ports"
#define STATE_POOLS "pools"	/* address pools of nsnet as a CNI IPAM plugin (core/pool.c) */
#define STATE_IDS "ids"		/* counters handing out ids (vip.json, port.json) */
#define STATE_JOURNAL "journal"	/* undo journals of operations in progress (core/op.h) */
#define STATE_ENDS "ends"		/* the index of attachment ends (core/ends.c) */
#define STATE_QUARANTINE "quarantine"	/* unreadable records gc moved aside (KIND-NAME-TIME.json) */

/* Seconds state_open() waits for the lock: the command line's default, the CNI plugin's, the most. */
#define STATE_WAIT_CLI 30
#define STATE_WAIT_CNI 10
#define STATE_WAIT_MAX 86400

struct state_cache;

struct state {
	char dir[PATH_MAX];
	int lock_fd;
	bool writable;
	/*
	 * The records read or written while the lock is held, as their bytes (or their absence):
	 * nobody else changes them until state_close(), and an operation reads most of them more
	 * than once (its undo keeps a record's previous bytes). NULL: nothing cached yet.
	 */
	struct state_cache *cache;
};

/*
 * Open the state dir, first checking that it can be trusted (state_dir_trust()). @write: create it
 * (0700) and its kind folders if missing, and take the exclusive lock, held until state_close():
 * one mutation at a time per state dir. Otherwise take a shared lock when the dir exists (a
 * missing dir reads as empty). The lock is waited for as state_lock_wait_set() says.
 * Returns 0 or -errno ("state dir /x: Permission denied").
 */
int state_open(struct state *st, const char *dir, bool write, struct nsnet_err *err);
void state_close(struct state *st);
/*
 * How long state_open() waits for the lock another process holds before it fails with
 * -ETIMEDOUT naming the state dir and the seconds (default STATE_WAIT_CLI). 0: try once.
 */
void state_lock_wait_set(unsigned int seconds);
/* Parse a --wait / NSNET_WAIT value: 0..STATE_WAIT_MAX seconds. Returns 0 or -EINVAL. */
int state_wait_parse(const char *s, unsigned int *out, struct nsnet_err *err);
/*
 * Can @dir be trusted as a state dir: every component of its path, as written and as resolved,
 * owned by root (or the user running nsnet) and, directories, not writable by group or others
 * (OpenSSH's StrictModes)? Returns 0, -ENOENT when a component does not exist yet (those that do
 * passed), -EPERM/-ENOTDIR naming the component and why, or -errno.
 */
int state_dir_trust(const char *dir, struct nsnet_err *err);

/* Read record @kind/@name. Returns 0 with *out (caller json_decref's), -ENOENT, or -errno. */
int state_read(struct state *st, const char *kind, const char *name, json_t **out,
	       struct nsnet_err *err);
/* Replace record @kind/@name atomically (write a temporary file, rename). Returns 0 or -errno. */
int state_write(struct state *st, const char *kind, const char *name, const json_t *rec,
		struct nsnet_err *err);
/*
 * The bytes of record @kind/@name as they are on disk (NUL-terminated, caller frees), unparsed:
 * what an undo needs to put a record back. Returns 0, -ENOENT, or -errno.
 */
int state_read_text(struct state *st, const char *kind, const char *name, char **text, struct nsnet_err *err);
/* Replace record @kind/@name atomically with @len bytes of @text. Returns 0 or -errno. */
int state_write_text(struct state *st, const char *kind, const char *name, const char *text, size_t len,
		     struct nsnet_err *err);
/* Does record @kind/@name exist? (A stat, no read.) */
bool state_has(struct state *st, const char *kind, const char *name);
/* Forget every cached record (after changing the state dir other than through this file). */
void state_cache_drop(struct state *st);
/* Remove record @kind/@name; a missing record is fine. Returns 0 or -errno. */
int state_remove(struct state *st, const char *kind, const char *name, struct nsnet_err *err);
/*
 * Nested kinds: a kind may be "KIND/SUB" (leases/NET, one folder per network), made with its first
 * record. state_subkinds() lists the SUB folders of @kind (sorted, count or -errno; free with
 * state_names_free); state_kind_rmdir() removes folder @kind if empty (0 or -errno, -ENOTEMPTY).
 */
int state_subkinds(struct state *st, const char *kind, char ***names, struct nsnet_err *err);
int state_kind_rmdir(struct state *st, const char *kind);
/* Names of the records of @kind, sorted. Returns count (>= 0) or -errno; free with state_names_free. */
int state_names(struct state *st, const char *kind, char ***names, struct nsnet_err *err);
void state_names_free(char **names, int n);
/*
 * Remove temporary files of writes that were interrupted before their rename (NAME.json.tmp).
 * Returns how many were removed.
 */
int state_sweep_tmp(struct state *st);
/* How many records of @kind exist, counting no further than @limit (cheap for "any?"). */
int state_count(struct state *st, const char *kind, int limit, struct nsnet_err *err);

/* The largest id state_id_next() hands out (record readers accept up to 1000000). */
#define STATE_ID_MAX 1000000

/*
 * The next id for a record of @kind (STATE_VIPS, STATE_PORTS) whose counter is ids/@counter.json
 * ({"next": N}): N when it is a valid id (one small read per add); a counter that is missing,
 * unreadable ({"next": "x"}) or out of range gives the largest id in use + 1 (a scan of @kind). The caller writes
 * {"next": *id + 1} back (journaled, with the record). Returns 0 or -errno (-ENOSPC when ids ran out).
 */
int state_id_next(struct state *st, const char *counter, const char *kind, unsigned int *id, struct nsnet_err *err);

#endif
