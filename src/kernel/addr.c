// SPDX-License-Identifier: MIT
// Interface addresses and routes over rtnetlink (see addr.h).
#include "kernel/addr.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define ADDR_BUF 512

int addr_add(struct nl *nl, int ifindex, const struct nsnet_addr *addr, unsigned int len,
	     struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t alen = nsnet_addr_len(addr->family);

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr->b);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr->b);
	if (addr->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	} else if (len < 31) {
		struct nsnet_addr bcast = *addr;
		unsigned int i;

		for (i = len; i < 32; i++)
			bcast.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast.b);
	}
	return nl_request(nl, nlh, NULL, NULL, err);
}

int route_add_default(struct nl *nl, const struct nsnet_addr *gw, int ifindex, struct nsnet_err *err)
{
	struct nsnet_prefix any = { .addr = { .family = gw->family }, .len = 0 };

	return route_add(nl, &any, gw, ifindex, err);
}

int route_add(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
	      struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->addr.family;
	rtm->rtm_dst_len = (uint8_t)dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	/* Without a gateway the destination is on the link itself. */
	rtm->rtm_scope = gw && gw->family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nsnet_addr_len(dst->addr.family), dst->addr.b);
	if (gw && gw->family)
		mnl_attr_put(nlh, RTA_GATEWAY, nsnet_addr_len(gw->family), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, nlh, NULL, NULL, err);
}

struct route_dump_ctx {
	void (*fn)(const struct route_info *ri, void *data);
	void *data;
};

static int route_dump_attr(const struct nlattr *attr, void *data)
{
	struct route_info *ri = data;
	size_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_get_type(attr) == RTA_DST && len == nsnet_addr_len(ri->dst.addr.family))
		memcpy(ri->dst.addr.b, mnl_attr_get_payload(attr), len);
	else if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		ri->oif = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_dump_ctx *ctx = data;
	struct route_info ri;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	memset(&ri, 0, sizeof(ri));
	ri.dst.addr.family = rtm->rtm_family;
	ri.dst.len = rtm->rtm_dst_len;
	mnl_attr_parse(nlh, sizeof(*rtm), route_dump_attr, &ri);
	ctx->fn(&ri, ctx->data);
	return MNL_CB_OK;
}

int route_dump(struct nl *nl, int family, void (*fn)(const struct route_info *ri, void *data), void *data,
	       struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_dump_ctx ctx = { fn, data };
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	return nl_request(nl, nlh, route_dump_cb, &ctx, err);
}
