/* SPDX-License-Identifier: MIT */
/* CNI sandboxes: the helpers that sandbox.c (ADD, DEL) shares with sandbox_check.c (CHECK, GC, STATUS). */
#ifndef NSNET_CORE_SANDBOX_H
#define NSNET_CORE_SANDBOX_H

#include "core/core.h"
#include "kernel/link.h"

/* Are @cid and @ifname a valid CNI key? 0, or -errno naming the bad one. */
int sandbox_key_check(const char *cid, const char *ifname, struct nsnet_err *err);
/*
 * Load the sandbox record of (@cid, @ifname) into @ns, its name into @name (NSNET_NAME_MAX + 1):
 * 0, -ENOENT, or -errno (a name clash is -EEXIST).
 */
int sandbox_load(struct op *op, const char *cid, const char *ifname, char *name, struct nsnet_namespace *ns,
		 struct nsnet_err *err);
/*
 * Detach sandbox @ns and remove its record; what is gone already is fine. @later: set the host
 * end down now and leave its deletion to the caller (*@gone as it is now, ifindex 0 when nothing
 * is left to delete), else delete it in the operation.
 */
int sandbox_release(struct op *op, struct nsnet_namespace *ns, bool later, struct link_info *gone,
		    struct nsnet_err *err);
/* After a DEL or GC, in an operation of its own: network @name goes if a CNI ADD made it and nothing uses it. */
int sandbox_net_gone(const struct nsnet_opts *o, const char *name, struct nsnet_err *err);

#endif
