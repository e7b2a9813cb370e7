/* SPDX-License-Identifier: MIT */
/* Loading and storing model records through an operation (internal to core/). */
#ifndef NSNET_CORE_RECORDS_H
#define NSNET_CORE_RECORDS_H

#include "core/op.h"
#include "model/model.h"

/* Load network @name. Returns 0, -ENOENT ("network X does not exist" in @err), or -errno. */
int rec_network_load(struct op *op, const char *name, struct nsnet_network *net, struct nsnet_err *err);
/* Load every network; *nets is malloc'd. Returns the count or -errno. */
int rec_networks_load(struct op *op, struct nsnet_network **nets, struct nsnet_err *err);
/* Load namespace record @name. Returns 0, -ENOENT (no message), or -errno. */
int rec_namespace_load(struct op *op, const char *name, struct nsnet_namespace *ns, struct nsnet_err *err);
/*
 * Does the namespace of record @ns still exist: /run/netns/NAME for a named one, the recorded
 * namespace behind its path for a CNI sandbox?
 */
bool rec_namespace_alive(const struct nsnet_namespace *ns);
/*
 * Is /run/netns/NAME of named record @ns a namespace other than the one nsnet made (replaced
 * behind its back)? False for CNI sandboxes, records without identity and absent namespaces.
 */
bool rec_namespace_replaced(const struct nsnet_namespace *ns);
/* Load every namespace record; *v is malloc'd. Returns the count or -errno. */
int rec_namespaces_load(struct op *op, struct nsnet_namespace **v, struct nsnet_err *err);
/* Load the leases of network @net (none recorded: empty set). Returns 0 or -errno. */
int rec_leases_load(struct op *op, const char *net, struct nsnet_leases *l, struct nsnet_err *err);

/*
 * The op's cache of parsed records (op->cache, made on first use): forget what is cached of record
 * @kind/@name (the op layer calls this when it writes, removes or restores a record); free it all
 * (op_end).
 */
void rec_cache_forget(struct op *op, const char *kind, const char *name);
void rec_cache_free(struct op *op);

/* Store through op_state_put (undone on rollback). */
int rec_network_put(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
int rec_namespace_put(struct op *op, const struct nsnet_namespace *ns, struct nsnet_err *err);

/*
 * Leases, one record per address (core/leases.c explains the layout). rec_leases_read(): the set
 * as on disk, unparsed records listed in op->broken when op->skip_broken (else -EBADMSG);
 * rec_leases_load() is the same through the op's cache. rec_leases_put(): make the records
 * exactly @l (linear: for gc; converts an old single record; drops the hint). rec_leases_any():
 * does @net hold any lease? rec_lease_nets(): the networks with leases on disk (sorted within
 * each layout). rec_leases_migrate(): convert @net's old single record if there is one.
 */
int rec_leases_read(struct op *op, const char *net, struct nsnet_leases *l, struct nsnet_err *err);
int rec_leases_put(struct op *op, const char *net, const struct nsnet_leases *l, struct nsnet_err *err);
bool rec_leases_any(struct op *op, const char *net);
int rec_lease_nets(struct op *op, char ***names, struct nsnet_err *err);
int rec_leases_migrate(struct op *op, const char *net, struct nsnet_err *err);
/*
 * One attachment's share, independent of how many leases @net has: rec_lease_pick() picks the
 * lowest free address of subnet @k (not the gateway; -ENOSPC when full); rec_lease_taken() tells
 * whether @a is leased; rec_lease_take() records lease @l (-EADDRINUSE if taken; @picked: IPAM
 * chose it, the next-free hint moves to it); rec_lease_release() removes the lease of @a if
 * @owner/@ifname hold it (else nothing); rec_leases_tidy() removes the hint and folder of a
 * network whose last lease went. All journaled through op_state_put()/op_state_del().
 */
int rec_lease_pick(struct op *op, const struct nsnet_network *net, size_t k, struct nsnet_addr *out,
		   struct nsnet_err *err);
bool rec_lease_taken(struct op *op, const char *net, const struct nsnet_addr *a);
/* Does @owner/@ifname hold the lease of @a on @net (its own record says so; one read)? */
bool rec_lease_held(struct op *op, const char *net, const struct nsnet_addr *a, const char *owner,
		    const char *ifname);
int rec_lease_take(struct op *op, const struct nsnet_network *net, const struct nsnet_lease *l, bool picked,
		   struct nsnet_err *err);
int rec_lease_release(struct op *op, const struct nsnet_network *net, const struct nsnet_addr *a,
		      const char *owner, const char *ifname, struct nsnet_err *err);
int rec_leases_tidy(struct op *op, const char *net, struct nsnet_err *err);

/*
 * The index of attachment ends (core/ends.c explains the layout): rec_ends_indexed(): does it cover
 * every attachment (else attach_names() reads every record)? rec_ends_taken(): does a record other
 * than namespace @ns's hold host end @host, or does another attachment of @net have guest MAC @mac?
 * rec_ends_add()/rec_ends_del(): the entries of attachment @att of @ns (the first add indexes every
 * record). rec_ends_sync(): compare the entries with records @nss (check), or make them match
 * (@repair, gc); one finding per difference; returns their count or -errno.
 */
struct nsnet_findings;
bool rec_ends_indexed(struct op *op);
bool rec_ends_taken(struct op *op, const char *ns, const char *net, const char *host, const unsigned char *mac);
int rec_ends_add(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err);
int rec_ends_del(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err);
/* With the last network: no attachment is left, and the "complete" marker goes (the next attach writes it). */
int rec_ends_forget(struct op *op, struct nsnet_err *err);
int rec_ends_sync(struct op *op, const struct nsnet_namespace *nss, int n, bool repair, struct nsnet_findings *fs,
		  struct nsnet_err *err);

#endif
