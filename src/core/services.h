/* SPDX-License-Identifier: MIT */
/* VIPs and published ports inside core/: records, ids, and what vip.c, publish.c and detach share. */
#ifndef NSNET_CORE_SERVICES_H
#define NSNET_CORE_SERVICES_H

#include "core/op.h"
#include "model/service.h"
#include "util/strbuf.h"

/*
 * Load every VIP / published port record; *out is malloc'd. Returns the count or -errno. A VIP is
 * loaded into memory of its own that holds only its backends (vip_from_json_new()): never copy
 * one whole, and free them with svc_vips_free().
 */
int svc_vips_load(struct op *op, struct nsnet_vip ***out, struct nsnet_err *err);
void svc_vips_free(struct nsnet_vip **v, int n);
int svc_ports_load(struct op *op, struct nsnet_port **out, struct nsnet_err *err);
/* The published ports on host port @port (any protocol and address): only those records are read. */
int svc_ports_load_port(struct op *op, uint16_t port, struct nsnet_port **out, struct nsnet_err *err);

/*
 * Namespace @ns leaves network @net (NULL: every network): unpublish its ports reached through
 * it and take its addresses out of every VIP's backends, in one nft transaction.
 */
int svc_forget(struct op *op, const char *ns, const char *net, struct nsnet_err *err);

/* How many VIP and port records exist, counting no further than @limit. */
int svc_count(struct op *op, int limit, struct nsnet_err *err);

/*
 * The address of family @family that namespace @ns holds on network @net (NULL: the first of its
 * networks that has one). Fills @net_out (may be NULL). Returns 0, or -ENOENT with a message.
 */
int svc_ns_addr(struct op *op, const char *ns, const char *net, int family, struct nsnet_addr *out,
		char *net_out, struct nsnet_err *err);

/*
 * Hand out the next id of @what ("vip", "port") from its counter record, so no listing of all
 * records is needed however many exist. The counter goes back with a rollback, and starts again
 * at 1 when the last record of its kind is removed (svc_table_gone_if_last()).
 */
int svc_next_id(struct op *op, const char *what, unsigned int *id, struct nsnet_err *err);

/* The table and base chains into @out, when no record says they exist yet. */
int svc_base_if_first(struct op *op, struct strbuf *out, struct nsnet_err *err);
/*
 * The backend's text making what VIP @v needs that the ruleset lacks (nft: its shared pick chain),
 * appended to @out before vip_add(@v)'s; its removal to @undo, which the caller puts after every
 * vip_del() of its undo text. 0 (nothing, or a backend without the capability) or -errno.
 */
int svc_vip_shared(struct op *op, const struct nsnet_vip *v, struct strbuf *out, struct strbuf *undo,
		   struct nsnet_err *err);
/*
 * After text in @out that replaces VIP @was by @now (vip_del(@was), vip_add(@now)): the clients
 * @was's affinity sets remember, added again to @now's for the backends that stay, so they keep
 * their backend (the backend's affinity_keep). Best effort: nothing is added when they cannot be
 * read, and the change goes on.
 */
void svc_affinity_keep(struct op *op, struct nsnet_vip *was, struct nsnet_vip *now, struct strbuf *out);

/*
 * @removing (1: a VIP/port is being removed, -1: being added, for the undo of an add) records of
 * @kind go: with no network, VIP or port left, the table goes too (then @out becomes just that),
 * and the id counter of @kind starts again. Returns 1 when the table goes, 0 when not, or -errno.
 */
int svc_table_gone_if_last(struct op *op, const char *kind, int removing, struct strbuf *out,
			   struct nsnet_err *err);

/*
 * Does published port @p need route_localnet on its network's bridge: published on 127.0.0.1,
 * or on every address with an IPv4 target (every address includes 127.0.0.1; docs/services.md).
 */
bool port_localnet(const struct nsnet_port *p);

/*
 * The ports @gone (@n_gone of them, their records removed or about to be) leave network @net:
 * when no other port through @net needs route_localnet, turn it off on @net's bridge again, so
 * nothing keeps it on longer than needed (publish.c). Returns 0 or -errno.
 */
int port_localnet_release(struct op *op, const char *net, const struct nsnet_port *gone, size_t n_gone,
			  struct nsnet_err *err);

/*
 * After @old's backends were replaced by @new's (NULL: none), drop the UDP flows still pinned to
 * the backends that left (vip.c). Failure is only reported with -v: the rules are right already.
 */
void vip_flush_removed(struct op *op, const struct nsnet_vip *old, const struct nsnet_vip *new);

#endif
