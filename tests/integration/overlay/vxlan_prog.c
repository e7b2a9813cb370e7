// SPDX-License-Identifier: MIT
// Drives src/kernel/vxlan.c from shell tests, in the network namespace it runs in.
/*
 * Usage: vxlan_prog dev NAME VNI PORT LOCAL MAC ADDR/LEN     create the device, address it, set it up
 *        vxlan_prog peer add|del NAME PEER_MAC PEER_UNDERLAY PEER_ADDR PEER_BLOCK
 *            neighbour PEER_ADDR -> PEER_MAC, FDB PEER_MAC -> PEER_UNDERLAY, route PEER_BLOCK via PEER_ADDR
 * A failure prints the library's message and exits 1.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/neigh.h"
#include "kernel/vxlan.h"

static int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int main(int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct nl nl;
	int r = -EINVAL;

	if (nl_open(&nl, -1, &err) < 0) {
		fprintf(stderr, "vxlan_prog: %s\n", err.msg);
		return 1;
	}
	if (argc == 8 && !strcmp(argv[1], "dev")) {
		struct vxlan_conf c = { .name = argv[2], .vni = (uint32_t)strtoul(argv[3], NULL, 10),
					.port = (uint16_t)atoi(argv[4]) };
		struct nsnet_prefix p;
		struct link_info li;

		if (nsnet_addr_parse(argv[5], &c.local, &err) < 0 || mac_parse(argv[6], c.mac) < 0 ||
		    nsnet_prefix_parse(argv[7], &p, &err) < 0)
			goto bad;
		r = vxlan_add(&nl, &c, &err);
		if (r == 0)
			r = link_get(&nl, c.name, &li, &err);
		if (r == 0)
			r = addr_add(&nl, li.ifindex, &p.addr, p.len, &err);
		if (r == 0)
			r = link_set_up(&nl, c.name, &err);
	} else if (argc == 8 && !strcmp(argv[1], "peer")) {
		bool add = !strcmp(argv[2], "add");
		struct nsnet_addr under, vtep;
		struct nsnet_prefix block;
		uint8_t mac[6];
		int ifindex = (int)if_nametoindex(argv[3]);

		if (!ifindex || mac_parse(argv[4], mac) < 0 || nsnet_addr_parse(argv[5], &under, &err) < 0 ||
		    nsnet_addr_parse(argv[6], &vtep, &err) < 0 || nsnet_prefix_parse(argv[7], &block, &err) < 0)
			goto bad;
		/* Neighbour and FDB first, route last (removed in the opposite order). */
		if (add) {
			r = neigh_set(&nl, ifindex, &vtep, mac, true, true, &err);
			if (r == 0)
				r = vxlan_fdb_set(&nl, ifindex, mac, &under, true, &err);
			if (r == 0)
				r = vxlan_route_set(&nl, &block, &vtep, ifindex, true, &err);
		} else {
			r = vxlan_route_set(&nl, &block, &vtep, ifindex, false, &err);
			if (r == 0)
				r = vxlan_fdb_set(&nl, ifindex, mac, &under, false, &err);
			if (r == 0)
				r = neigh_set(&nl, ifindex, &vtep, mac, false, false, &err);
		}
	} else {
		fprintf(stderr, "vxlan_prog: see the usage at the top of vxlan_prog.c\n");
		nl_close(&nl);
		return 2;
	}
	nl_close(&nl);
	if (r < 0)
		fprintf(stderr, "vxlan_prog: %s\n", err.msg);
	return r < 0 ? 1 : 0;
bad:
	nl_close(&nl);
	fprintf(stderr, "vxlan_prog: bad argument: %s\n", err.msg[0] ? err.msg : "MAC or device");
	return 2;
}
