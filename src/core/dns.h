/* SPDX-License-Identifier: MIT */
/* The resolver of a network: one dnsmasq per network, its files, supervision and steps (core/dns.c). */
#ifndef NSNET_CORE_DNS_H
#define NSNET_CORE_DNS_H

#include "core/daemon.h"
#include "core/op.h"
#include "model/model.h"
#include "util/strbuf.h"

#define DNS_DNSMASQ "/usr/sbin/dnsmasq"
#define DNS_DIR "dns"			/* under the state dir: dns/NET/ */

/*
 * Theory of operation. A network with a resolver (net->dns) has the folder STATE/dns/NET/:
 * dnsmasq.conf (written whole at start), hosts/ (one file per attached namespace, each written
 * whole: temporary file in NET/, then rename), pid ("PID:START" of the running dnsmasq) and log
 * (its stderr). dnsmasq reads hosts/ at start and picks up every added, changed or removed file
 * by inotify, so adding a name costs one small file whatever the network's size. Each hosts file
 * (and hosts/@start, rewritten at each start) carries a line for a name of its own under
 * nsnet.invalid; a step that writes or removes a file queries the resolver for that name until
 * the answer shows the change, so when the command returns the name resolves (or is gone).
 * Every operation on a network first makes sure its dnsmasq runs (dns_ensure: a dead one is
 * started again from the files), and gc and check compare the hosts files with the records.
 */

/* Start the resolver of @net (network create): files, port check, dnsmasq, readiness. Undone by stopping it. */
int dns_start(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
/* Is port 53 of every gateway of @net free (checked before anything changes)? 0, or -EADDRINUSE naming the holder. */
int dns_port_check(const struct nsnet_network *net, struct nsnet_err *err);
/*
 * Batch mode (struct op's batch): dns_start and dns_host_put leave their waits to the end of the
 * operation; dns_wait_flush() does them in order (0, or -errno as the step's own wait would have
 * failed), dns_wait_free() forgets them (rollback: the undo stops the resolvers).
 */
int dns_wait_flush(struct op *op, struct nsnet_err *err);
void dns_wait_free(struct op *op);
/*
 * Batch mode: dns_start() prepares the resolver's files and leaves dnsmasq's start to the end of
 * the operation; dns_start_pending() starts those (each a step, undone by stopping it), without
 * waiting (dns_wait_flush() starts them first too). 0 or -errno.
 */
int dns_start_pending(struct op *op, struct nsnet_err *err);
/*
 * Batch mode: wait for the resolvers dns_start_pending() has a thread start, and record them. 0,
 * or -errno of the first that did not start. @err NULL: the operation is ending (op_rollback,
 * op_end): each one started is only recorded, for its undo.
 */
int dns_spawn_join(struct op *op, struct nsnet_err *err);
/* Park mode: wait for the resolvers dns_stop() signalled (op_end, op_rollback, a start). */
void dns_stops_wait(struct op *op);
/* Stop it and remove its folder (network rm; best effort, missing is fine). */
int dns_stop(struct op *op, const char *net, struct nsnet_err *err);
/* Make sure the resolver of @net runs (restarted from its files when dead). No-op without DNS. */
int dns_ensure(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
/*
 * The confirming query of a name step: sent as soon as the hosts file is in place, its answer read
 * once the operation's other steps are done, so that dnsmasq reads the file and answers while
 * nsnet goes on instead of nsnet waiting for it. Start with { .fd = -1 }.
 */
struct dns_pending {
	int fd;				/* the query's socket, -1: none (then asked again when confirming) */
	uint16_t id;
	char own[64];			/* the file's own name; "": nothing to confirm */
	struct nsnet_addr server;
	char net[NSNET_NAME_MAX + 1], owner[NSNET_NAME_MAX + 1];
};

/*
 * Write the names of namespace @owner on @net: each of @addrs answers @owner (unless @cni) and
 * each of @aliases, each bare and under the network's domain. Undone by removing the file. With
 * @pend, the query that confirms them is only sent: dns_host_confirm(@pend) must follow before
 * the command returns (or dns_pending_drop() on failure); without, it is confirmed at once.
 */
int dns_host_put(struct op *op, const struct nsnet_network *net, const char *owner, bool cni,
		 const struct nsnet_attachment *att, const struct nsnet_addr *addrs, size_t n_addrs,
		 struct dns_pending *pend, struct nsnet_err *err);
/* Wait until the resolver answers the names dns_host_put() wrote (bounded), then drop @pend. 0 or -errno. */
int dns_host_confirm(struct dns_pending *pend, struct nsnet_err *err);
void dns_pending_drop(struct dns_pending *pend);
/* Remove @owner's names from @net (detach; missing is fine). */
int dns_host_del(struct op *op, const struct nsnet_network *net, const char *owner, struct nsnet_err *err);

/* The hosts file text of @owner (as dns_host_put writes it, without its own name line) into @out. */
void dns_host_render(const struct nsnet_network *net, const char *owner, bool cni,
		     const struct nsnet_attachment *att, const struct nsnet_addr *addrs, size_t n_addrs,
		     struct strbuf *out);

/* Write @owner's hosts file of @net whole: its own name line (a fresh one into @own) and @body. No undo, no wait. */
int dns_host_write(struct op *op, const struct nsnet_network *net, const char *owner, const char *body, char own[64],
		   struct nsnet_err *err);
/* Path of @owner's hosts file of @net; the own name of a hosts file's text (0 or -ENOENT); a whole file. */
void dns_host_path(const struct state *st, const char *net, const char *owner, char *out, size_t len);
int dns_own_of(const char *text, char *name);
int dns_slurp(const char *path, struct strbuf *out);

/*
 * gc (@fix) and check: for each network of @nets with a resolver, a dead resolver (restarted),
 * hosts files that differ from the records @nss (rewritten, then a reload), a resolver that does
 * not serve its files (reloaded); folders of networks without one (stopped, removed). Adds one
 * finding each to @fs (core/dns_check.c). Returns how many, or -errno.
 */
struct nsnet_findings;
int dns_audit(struct op *op, const struct nsnet_network *nets, int n_nets, const struct nsnet_namespace *nss,
	      int n_ns, bool fix, struct nsnet_findings *fs, struct nsnet_err *err);

/*
 * The same repair as gc's, alone, in an operation of its own: after a rolled-back apply, whose
 * removals (park mode) stopped resolvers that the rollback's records bring back. 0 or -errno.
 */
struct nsnet_opts;
int dns_repair_all(const struct nsnet_opts *o, struct nsnet_err *err);

/* The recorded dnsmasq of @net: 0 and @id (alive or not), or -ENOENT. */
int dns_pid(const struct state *st, const char *net, struct daemon_id *id);
/* Read @owner's hosts file of @net into @out without its own name line. 0 or -errno. */
int dns_host_read(const struct state *st, const char *net, const char *owner, struct strbuf *out);
/* Names of the hosts files of @net (besides @start); free with state_names_free. Count or -errno. */
int dns_host_names(const struct state *st, const char *net, char ***names);
/* Does the running resolver of @net answer the own names of all its files? 0, or -ESTALE naming the first file that it does not. */
int dns_serving(const struct state *st, const struct nsnet_network *net, char *bad, size_t len);
/* Send SIGHUP and wait until every file's own name answers. 0 or -errno. */
int dns_reload(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);

/* Where @net's resolver stands, for ls: its PID (0: none recorded) and whether it runs. */
void dns_status(const struct state *st, const char *net, int *pid, bool *running);

/* Undo kinds (core/op.c): stop the resolver @id ("PID:START" or "") of @net and remove its folder. */
void dns_undo_stop(struct op *op, const char *net, const char *id);
/* Remove @owner's hosts file of @net. */
void dns_undo_host(struct op *op, const char *net, const char *owner);

/*
 * DNS query for @name (@type 1 A, 28 AAAA) to @server port 53, waiting at most @timeout_ms.
 * Returns the number of answers (0: NODATA), -ENOENT (NXDOMAIN), -ETIMEDOUT or -errno.
 */
int dns_query(const struct nsnet_addr *server, const char *name, unsigned int type, int timeout_ms);

#endif
