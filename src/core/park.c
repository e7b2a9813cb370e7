// SPDX-License-Identifier: MIT
// Park mode: removals that cannot be undone wait for the end of an operation (apply, down).
/*
 * Theory of operation. A kernel object nsnet removes cannot be put back: a deleted namespace,
 * veth or bridge is gone with its addresses, routes and processes. An operation in park mode
 * (struct op's park) therefore removes nothing of the kernel while it runs: a link is renamed to
 * a parked name "nsnet-pXXXXXXXX" (live, one step with the undo "rename it back", so a rollback
 * or a replayed journal finds it as it was, same ifindex), and a namespace or a file nsnet wrote
 * is only noted. The name is free at once for the object that replaces it. When the operation
 * ends without error (op_end(), after the journal is removed) the parked objects are removed; a
 * kill between the two leaves parked links, which gc removes as links of nsnet's that no record
 * names. op_rollback() forgets the list: the undo entries have renamed everything back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/op.h"
#include "core/undo.h"
#include "kernel/link.h"
#include "kernel/netns.h"

enum park_kind { PARK_LINK, PARK_NETNS, PARK_FILE };

struct op_parked {
	enum park_kind kind;
	char ns[NSNET_NAME_MAX + 1];	/* PARK_LINK: "" = host; PARK_NETNS: the namespace */
	char name[PATH_MAX];		/* PARK_LINK: the parked name; PARK_FILE: the path */
	char dir[PATH_MAX];		/* PARK_FILE: its directory */
};

static int park_add(struct op *op, enum park_kind kind, const char *ns, const char *name, const char *dir,
		    struct nsnet_err *err)
{
	struct op_parked *p;

	if (op->n_parked == op->cap_parked) {
		size_t cap = op->cap_parked ? 2 * op->cap_parked : 16;

		if (!(p = realloc(op->parked, cap * sizeof(*p))))
			return nsnet_err_set(err, ENOMEM, "out of memory");
		op->parked = p;
		op->cap_parked = cap;
	}
	p = &op->parked[op->n_parked++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	snprintf(p->ns, sizeof(p->ns), "%s", ns ? ns : "");
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : "");
	return 0;
}

bool op_park_name_is(const char *name)
{
	return strlen(name) == 15 && !strncmp(name, NSNET_BRIDGE_PREFIX "p", 7) &&
	       strspn(name + 7, "0123456789abcdef") == 8;
}

int op_link_park(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	struct link_info li;
	struct nl *nl;
	char parked[IFNAMSIZ];
	uint32_t rnd;
	int r;

	if (!op->park || op->opts->dry_run)
		return op_link_del(op, ns, ifname, err);
	op_echo(op, "%s%s link set %s name (parked until the end)", ns && ns[0] ? "ip -n " : "ip", ns && ns[0] ? ns : "",
		ifname);
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	if ((r = link_get(nl, ifname, &li, err)) == -ENODEV) {
		nsnet_err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return nsnet_err_set(err, EIO, "no random bytes for a parked link's name");
	snprintf(parked, sizeof(parked), NSNET_BRIDGE_PREFIX "p%08x", (unsigned)rnd);
	if ((r = op_push(op, UNDO_LINK_RENAME, ns, parked, ifname, NULL, err)) < 0)
		return r;
	if ((r = link_rename(nl, ifname, parked, err)) < 0) {
		op_pop(op);
		nsnet_err_prefix(err, "park link %s", ifname);
		return r;
	}
	op_applied(op);
	/*
	 * Inside a namespace, down too: its routes (a default route) leave the way free for the
	 * attachment that follows. Undone by bringing it up again (routes the kernel does not make
	 * itself, and IPv6 addresses, do not come back: docs/topology.md).
	 */
	if (ns && ns[0] && (r = link_set_down(nl, li.ifindex, err)) < 0)
		return r;
	return park_add(op, PARK_LINK, ns, parked, NULL, err);
}

int op_park_netns(struct op *op, const char *ns, struct nsnet_err *err)
{
	return park_add(op, PARK_NETNS, ns, NULL, NULL, err);
}

int op_park_file(struct op *op, const char *dir, const char *path, struct nsnet_err *err)
{
	return park_add(op, PARK_FILE, NULL, path, dir, err);
}

void op_undo_rename(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored;
	struct nl *nl;

	if (u->text && op_nl(op, u->link.ns, &nl, &ignored) == 0 && link_rename(nl, u->link.name, u->text, &ignored) == 0 &&
	    u->link.ns[0])
		link_set_up(nl, u->text, &ignored);
}

void op_parked_remove(struct op *op)
{
	struct nsnet_err ignored;

	for (size_t i = 0; i < op->n_parked; i++) {
		const struct op_parked *p = &op->parked[i];
		struct nl *nl;

		switch (p->kind) {
		case PARK_LINK:
			if (op_nl(op, p->ns, &nl, &ignored) == 0)
				link_del(nl, p->name, &ignored);
			break;
		case PARK_NETNS:
			/* Our cached socket and fd would keep the namespace alive: op_netns_del drops them. */
			op->park = false;
			op_netns_del(op, p->ns, &ignored);
			break;
		case PARK_FILE:
			op_file_remove_ours(p->dir, p->name);
			break;
		}
	}
	op->n_parked = 0;
}

void op_parked_forget(struct op *op)
{
	op->n_parked = 0;
}
