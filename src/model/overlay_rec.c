// SPDX-License-Identifier: MIT
// The "overlay" object of a vxlan network's record: which store, overlay subnet, VNI, port and VTEP.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"

json_t *overlay_rec_to_json(const struct nsnet_overlay *ov)
{
	char sub[NSNET_PREFIX_STRLEN], local[INET6_ADDRSTRLEN];

	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:s}", "store", ov->store, "subnet",
			 nsnet_prefix_str(&ov->subnet, sub), "host_prefix", (json_int_t)ov->host_prefix, "vni",
			 (json_int_t)ov->vni, "port", (json_int_t)ov->port, "ttl", (json_int_t)ov->ttl, "vxlan",
			 ov->vxlan, "local", nsnet_addr_str(&ov->local, local));
}

/* Everything read back is untrusted: the device name becomes a kernel name, the store a URL. */
int overlay_rec_from_json(const json_t *j, struct nsnet_overlay *ov, struct nsnet_err *err)
{
	const char *store = json_string_value(json_object_get(j, "store"));
	const char *sub = json_string_value(json_object_get(j, "subnet"));
	const char *vx = json_string_value(json_object_get(j, "vxlan"));
	const char *local = json_string_value(json_object_get(j, "local"));
	json_int_t hp = json_integer_value(json_object_get(j, "host_prefix"));
	json_int_t vni = json_integer_value(json_object_get(j, "vni"));
	json_int_t port = json_integer_value(json_object_get(j, "port"));
	json_int_t ttl = json_integer_value(json_object_get(j, "ttl"));

	memset(ov, 0, sizeof(*ov));
	if (!json_is_object(j) || !store || !sub || !vx || !local || strlen(store) > NSNET_STORE_MAX ||
	    (strncmp(store, "http://", 7) && strncmp(store, "https://", 8)) || strpbrk(store, " \t\r\n'\""))
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": store, subnet, vxlan and local are required");
	if (nsnet_prefix_parse(sub, &ov->subnet, NULL) < 0 || ov->subnet.addr.family != AF_INET ||
	    nsnet_addr_parse(local, &ov->local, NULL) < 0 || names_check_ifname(vx, NULL) < 0 ||
	    strncmp(vx, NSNET_BRIDGE_PREFIX, strlen(NSNET_BRIDGE_PREFIX)))
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": subnet, local or vxlan");
	if (hp <= (json_int_t)ov->subnet.len || hp > 30 || vni < 1 || vni > 0xffffff || port < 1 || port > 65535 ||
	    ttl < 1 || ttl > 3600)
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": host_prefix, vni, port or ttl out of range");
	snprintf(ov->store, sizeof(ov->store), "%s", store);
	snprintf(ov->vxlan, sizeof(ov->vxlan), "%s", vx);
	ov->host_prefix = (unsigned int)hp;
	ov->vni = (uint32_t)vni;
	ov->port = (uint16_t)port;
	ov->ttl = (unsigned int)ttl;
	return 0;
}
