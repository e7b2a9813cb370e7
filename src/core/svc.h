/* SPDX-License-Identifier: MIT */
/* Services inside core/: loading them and keeping them consistent when namespaces go away. */
#ifndef NSNET_CORE_SVC_H
#define NSNET_CORE_SVC_H

#include "core/op.h"
#include "model/service.h"

/* Load every VIP / published port record; *out is malloc'd. Returns the count or -errno. */
int svc_vips_load(struct op *op, struct nsnet_vip **out, struct nsnet_err *err);
int svc_ports_load(struct op *op, struct nsnet_port **out, struct nsnet_err *err);

/*
 * Namespace @ns leaves network @net (NULL: every network): unpublish its ports reached through
 * it and take its addresses out of every VIP's backends, in one nft transaction.
 */
int svc_forget(struct op *op, const char *ns, const char *net, struct nsnet_err *err);

/* core_publish() inside operation @op (CNI ADD publishes its portMappings in its own operation). */
int svc_publish(struct op *op, const char *ns, const char *net, const struct nsnet_port *req,
		struct nsnet_err *err);

/* How many VIP and port records exist, counting no further than @limit. */
int svc_count(struct op *op, int limit, struct nsnet_err *err);

#endif
