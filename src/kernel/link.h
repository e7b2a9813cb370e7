/* SPDX-License-Identifier: MIT */
/* Links over rtnetlink: bridges, veth pairs, up/down, lookup, deletion and dumps. */
#ifndef NSNET_KERNEL_LINK_H
#define NSNET_KERNEL_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/nl.h"

struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];		/* "bridge", "veth", ... ("" when the kernel gives none) */
	int master;		/* ifindex of the master, 0 if none */
	unsigned int mtu;
	unsigned int group;	/* IFLA_GROUP: the interface group (routed networks' host ends) */
	bool up;
	uint8_t mac[6];		/* IFLA_ADDRESS (zero when the link has none) */
	char alias[64];		/* IFLA_IFALIAS ("" when none): nsnet's ownership mark (core/step_kernel.c) */
	int iflink;		/* IFLA_LINK: a veth's peer's ifindex (in the peer's namespace), 0 if none */
};

/*
 * Create link @name of @kind ("bridge", "dummy") with @mtu (0: kernel default) and the fixed MAC
 * @mac (NULL: random by the kernel). A fixed MAC keeps the gateway's address stable: a bridge
 * otherwise takes the lowest MAC of its ports and changes it as ports come and go, which stales
 * every neighbour cache. The link is created up. Returns 0 or -errno (-EEXIST when the name is
 * taken).
 */
int link_add_kind(struct nl *nl, const char *name, const char *kind, unsigned int mtu, const uint8_t mac[6],
		  struct nsnet_err *err);

/*
 * Create a veth pair in one request: @name here, up, with MAC @mac (NULL: random), enslaved to
 * @master_ifindex (0: none), in interface group @group (0: the default); its peer @peer_name
 * created directly inside the namespace @peer_netns_fd, down (the caller sets it up from inside),
 * with MAC @peer_mac (NULL: random). Both get @mtu. The kernel echoes the new link (NLM_F_ECHO,
 * Linux 6.3+) into @made (may be NULL): its ifindex and, in iflink, the peer's ifindex in its
 * namespace; zeros when it does not (older kernels). Returns 0 or -errno.
 */
int link_add_veth(struct nl *nl, const char *name, const uint8_t *mac, int master_ifindex, uint32_t group,
		  const char *peer_name, const uint8_t *peer_mac, int peer_netns_fd, unsigned int mtu,
		  struct link_info *made,
		  struct nsnet_err *err);

/*
 * One request for link @name (or @c->ifindex when > 0): no IPv6 address of its own (addrgenmode
 * none: no link-local address, hence no duplicate address detection, multicast listener reports
 * or router solicitations from it; set before the link gets its carrier, e.g. a veth before its
 * peer is up), with @c->hairpin hairpin mode as a bridge port (traffic may leave by the port it
 * came in by: what a namespace reaching itself through a VIP needs when the host bridges with
 * netfilter), with @c->alias that alias. Returns 0 or -errno. (Not up in the same request: the
 * kernel applies IFF_UP before IFLA_AF_SPEC, so the link-local address would come first.)
 */
struct link_conf {
	int ifindex;
	const char *alias;
	bool hairpin;
};
int link_configure(struct nl *nl, const char *name, const struct link_conf *c, struct nsnet_err *err);

/* Make link @ifindex a port of @master (an index) and set it up, as `ip link set NAME master M up`. 0 or -errno. */
int link_set_master(struct nl *nl, int ifindex, int master, struct nsnet_err *err);

/* Set the alias (IFLA_IFALIAS, `ip link set NAME alias TEXT`) of link @name. Returns 0 or -errno. */
int link_set_alias(struct nl *nl, const char *name, const char *alias, struct nsnet_err *err);

/*
 * Bridge port @ifindex passes no frame either way from now on (its port state disabled, as
 * `bridge link set dev X state 0`), after setting alias @alias (NULL: unchanged). Unlike
 * setting it down, nothing waits for an RCU grace period (dev_deactivate); the port stays
 * disabled until its carrier changes (the bridge's own STP code then enables it again), so this
 * is for a port about to be deleted. Returns 0 or -errno.
 */
int link_port_disable(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err);

/* Set link @name up. Returns 0 or -errno. */
int link_set_up(struct nl *nl, const char *name, struct nsnet_err *err);

/* Set link @ifindex down, and its alias to @alias unless NULL (one request). Returns 0 or -errno. */
int link_set_down(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err);

/* Set the alias of link @ifindex to @alias. Returns 0 or -errno. */
int link_set_alias_index(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err);

/* Delete link @ifindex (an index is not reused soon, a name may be). Returns 0 or -errno. */
int link_del_index(struct nl *nl, int ifindex, struct nsnet_err *err);

/* Delete link @name. Returns 0 or -errno (-ENODEV when it does not exist). */
int link_del(struct nl *nl, const char *name, struct nsnet_err *err);
/* `ip link set NAME name NEW` (live: the kernels nsnet supports rename a link that is up). */
int link_rename(struct nl *nl, const char *name, const char *new_name, struct nsnet_err *err);

/* Look up link @name. Returns 0, or -ENODEV when there is none, or -errno. */
int link_get(struct nl *nl, const char *name, struct link_info *out, struct nsnet_err *err);

/* Call @fn for every link. Returns 0 or -errno. */
int link_dump(struct nl *nl, void (*fn)(const struct link_info *li, void *data), void *data,
	      struct nsnet_err *err);

/* All links of a namespace, as one array (for gc and check, which compare them with records). */
struct link_list {
	size_t n, cap;
	struct link_info *v;
	bool oom;
};

/* Fill @out with every link. Returns 0 or -errno; free with link_list_free() either way. */
int link_list_dump(struct nl *nl, struct link_list *out, struct nsnet_err *err);
const struct link_info *link_list_find(const struct link_list *l, const char *name);
void link_list_free(struct link_list *l);

#endif
