// SPDX-License-Identifier: MIT
// The table of network drivers and looking one up by the name a network record gives.
#include "core/drivers/drivers.h"

#include <stdio.h>
#include <string.h>

/* One line per driver; the first is the default (NSNET_DRIVER_DEFAULT). */
const struct net_driver *const net_drivers[] = {
	&net_driver_bridge,
	&net_driver_routed,
	&net_driver_vxlan,
	NULL,
};

const struct net_driver *net_driver_find(const char *name)
{
	for (size_t i = 0; net_drivers[i]; i++)
		if (!strcmp(net_drivers[i]->name, name))
			return net_drivers[i];
	return NULL;
}

int net_driver_of(const struct nsnet_network *net, const struct net_driver **out, struct nsnet_err *err)
{
	char known[64] = "";

	*out = net_driver_find(net->driver[0] ? net->driver : NSNET_DRIVER_DEFAULT);
	if (*out)
		return 0;
	for (size_t i = 0, len = 0; net_drivers[i] && len < sizeof(known); i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "", net_drivers[i]->name);
	return nsnet_err_set(err, EINVAL, "network %s: unknown driver \"%s\" (expected %s)", net->name, net->driver,
			     known);
}

void net_driver_ns_view(const struct net_driver *drv, const struct nsnet_network *net, size_t i,
			struct nsnet_addr *gw, unsigned int *plen)
{
	if (drv && drv->ns_view) {
		drv->ns_view(net, i, gw, plen);
		return;
	}
	*gw = net->gateway[i];
	*plen = net->subnet[i].len;
}
