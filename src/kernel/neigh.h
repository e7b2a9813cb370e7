/* SPDX-License-Identifier: MIT */
/* Neighbour entries (ARP, NDP) over rtnetlink: permanent entries set, deleted and listed. */
#ifndef NSNET_KERNEL_NEIGH_H
#define NSNET_KERNEL_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/nl.h"
#include "util/inet.h"

/*
 * @add: `ip neigh add IP lladdr MAC dev IFINDEX nud permanent` (@replace: `ip neigh replace ...`,
 * which also turns an entry the kernel learnt into this one); else `ip neigh del IP dev IFINDEX`.
 * A permanent entry goes with its link, and with the link going down. Returns 0 or -errno
 * (-EEXIST adding without @replace an entry that exists, -ENOENT deleting one that does not).
 */
int neigh_set(struct nl *nl, int ifindex, const struct nsnet_addr *ip, const uint8_t mac[6], bool add,
	      bool replace, struct nsnet_err *err);

/* A neighbour entry as the kernel shows it. */
struct neigh_info {
	int ifindex;
	struct nsnet_addr addr;
	uint8_t mac[6];		/* zero when the entry has none (unresolved) */
	uint16_t state;		/* NUD_* */
};

/*
 * Call @fn for every neighbour entry of @family (AF_INET, AF_INET6) on link @ifindex of the
 * namespace behind @nl. Returns 0 or -errno.
 */
int neigh_dump(struct nl *nl, int family, int ifindex, void (*fn)(const struct neigh_info *ni, void *data),
	       void *data, struct nsnet_err *err);

/*
 * Whether link @ifindex holds the permanent entry @ip -> @mac: 1 yes, 0 no (absent, not
 * permanent, or another MAC: *@found tells which when not NULL: the entry as it is, state 0 when
 * absent), -errno when the kernel cannot be asked.
 */
int neigh_has_permanent(struct nl *nl, int ifindex, const struct nsnet_addr *ip, const uint8_t mac[6],
			struct neigh_info *found, struct nsnet_err *err);

#endif
