/* SPDX-License-Identifier: MIT */
/* Conntrack entries over ctnetlink (libmnl): deleting the flows a removed backend still holds. */
#ifndef NSNET_KERNEL_CONNTRACK_H
#define NSNET_KERNEL_CONNTRACK_H

#include <stdint.h>

#include "kernel/nl.h"
#include "util/inet.h"

/*
 * Delete every conntrack entry of protocol @proto whose original destination is @vip:@vip_port
 * and whose reply comes from @backend:@backend_port, i.e. flows DNAT'ed to that backend. UDP
 * needs this: its "connections" live as long as packets keep coming, so a client would keep
 * sending to a removed backend. @nl is a NETLINK_NETFILTER socket.
 * Returns the number of entries deleted, or -errno.
 */
int conntrack_del_dnat(struct nl *nl, uint8_t proto, const struct nsnet_addr *vip, uint16_t vip_port,
		       const struct nsnet_addr *backend, uint16_t backend_port, struct nsnet_err *err);

#endif
