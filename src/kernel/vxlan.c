// SPDX-License-Identifier: MIT
// VXLAN devices, FDB entries and onlink routes over rtnetlink (see vxlan.h).
#include "kernel/vxlan.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#define VXLAN_BUF 1024

int vxlan_add(struct nl *nl, const struct vxlan_conf *c, struct nsnet_err *err)
{
	char buf[VXLAN_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	struct nlattr *linkinfo, *data;

	if (!c->vni || c->vni > 0xffffff)
		return nsnet_err_set(err, EINVAL, "vxlan %s: VNI %u: expected 1 to 16777215", c->name, c->vni);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
	if (c->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, c->mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, c->vni);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(c->port));
	if (c->local.family == AF_INET)
		mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, c->local.b);
	else if (c->local.family == AF_INET6)
		mnl_attr_put(nlh, IFLA_VXLAN_LOCAL6, 16, c->local.b);
	if (c->underlay_ifindex)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)c->underlay_ifindex);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_request(nl, nlh, NULL, NULL, err);
}

static struct nlmsghdr *neigh_msg(char *buf, bool add, uint16_t add_flags, int family, int ifindex,
				  uint8_t ntf_flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = add ? RTM_NEWNEIGH : RTM_DELNEIGH;
	nlh->nlmsg_flags = add ? add_flags : 0;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_flags = ntf_flags;
	return nlh;
}

int vxlan_fdb_set(struct nl *nl, int ifindex, const uint8_t mac[6], const struct nsnet_addr *dst, bool add,
		  struct nsnet_err *err)
{
	char buf[VXLAN_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	/* NTF_SELF: the entry lives in the VXLAN device's own table; append allows several per MAC. */
	struct nlmsghdr *nlh = neigh_msg(buf, add, NLM_F_CREATE | NLM_F_APPEND, AF_BRIDGE, ifindex, NTF_SELF);

	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (dst)
		mnl_attr_put(nlh, NDA_DST, nsnet_addr_len(dst->family), dst->b);
	return nl_request(nl, nlh, NULL, NULL, err);
}

struct fdb_dump_ctx {
	int ifindex;
	void (*fn)(const uint8_t mac[6], const struct nsnet_addr *dst, void *data);
	void *data;
};

static int fdb_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct fdb_dump_ctx *ctx = data;
	const struct nlattr *a;
	const uint8_t *mac = NULL;
	struct nsnet_addr dst = { 0 };

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != AF_BRIDGE || nd->ndm_ifindex != ctx->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		uint16_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) == NDA_LLADDR && len == 6)
			mac = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == NDA_DST && (len == 4 || len == 16)) {
			dst.family = len == 4 ? AF_INET : AF_INET6;
			memcpy(dst.b, mnl_attr_get_payload(a), len);
		}
	}
	if (mac && dst.family)
		ctx->fn(mac, &dst, ctx->data);
	return MNL_CB_OK;
}

int vxlan_fdb_dump(struct nl *nl, int ifindex, void (*fn)(const uint8_t mac[6], const struct nsnet_addr *dst, void *data),
		   void *data, struct nsnet_err *err)
{
	char buf[VXLAN_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fdb_dump_ctx ctx = { ifindex, fn, data };
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = ifindex;	/* with strict checking: only this device's table */
	return nl_request(nl, nlh, fdb_dump_cb, &ctx, err);
}

int vxlan_route_set(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
		    bool add, struct nsnet_err *err)
{
	char buf[VXLAN_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->addr.family;
	rtm->rtm_dst_len = (uint8_t)dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	/* The gateway is the peer's VXLAN address, not on any subnet of ours: onlink says "trust it". */
	rtm->rtm_flags = RTNH_F_ONLINK;
	mnl_attr_put(nlh, RTA_DST, nsnet_addr_len(dst->addr.family), dst->addr.b);
	mnl_attr_put(nlh, RTA_GATEWAY, nsnet_addr_len(gw->family), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, nlh, NULL, NULL, err);
}
