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

int addr_del(struct nl *nl, int ifindex, const struct nsnet_addr *addr, unsigned int len, struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_DELADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, nsnet_addr_len(addr->family), addr->b);
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
	return route_add_onlink(nl, dst, gw, ifindex, false, err);
}

int route_add_onlink(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
		     bool onlink, struct nsnet_err *err)
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
	if (onlink)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nsnet_addr_len(dst->addr.family), dst->addr.b);
	if (gw && gw->family)
		mnl_attr_put(nlh, RTA_GATEWAY, nsnet_addr_len(gw->family), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int route_del(struct nl *nl, const struct nsnet_prefix *dst, int ifindex, struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_DELROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->addr.family;
	rtm->rtm_dst_len = (uint8_t)dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_scope = RT_SCOPE_NOWHERE;	/* any scope */
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nsnet_addr_len(dst->addr.family), dst->addr.b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, nlh, NULL, NULL, err);
}

struct addr_dump_ctx {
	void (*fn)(const struct addr_info *ai, void *data);
	void *data;
};

struct addr_dump_attrs {
	const struct nlattr *local, *address;
};

static int addr_dump_attr(const struct nlattr *attr, void *data)
{
	struct addr_dump_attrs *a = data;

	if (mnl_attr_get_type(attr) == IFA_LOCAL)
		a->local = attr;
	else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
		a->address = attr;
	return MNL_CB_OK;
}

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_dump_ctx *ctx = data;
	struct addr_dump_attrs a = { 0 };
	const struct nlattr *attr;
	struct addr_info ai;

	if (nlh->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_dump_attr, &a);
	/*
	 * IFA_LOCAL is the address itself. IFA_ADDRESS is the peer's on point-to-point links, and the
	 * only one an IPv6 address without a peer carries.
	 */
	attr = a.local ? a.local : a.address;
	if (!attr || mnl_attr_get_payload_len(attr) != nsnet_addr_len(ifa->ifa_family))
		return MNL_CB_OK;
	memset(&ai, 0, sizeof(ai));
	ai.ifindex = (int)ifa->ifa_index;
	ai.addr.family = ifa->ifa_family;
	memcpy(ai.addr.b, mnl_attr_get_payload(attr), nsnet_addr_len(ifa->ifa_family));
	ai.len = ifa->ifa_prefixlen;
	ctx->fn(&ai, ctx->data);
	return MNL_CB_OK;
}

/*
 * Send a dump request of @type whose header (@hdr bytes: struct ifaddrmsg, struct rtmsg) starts
 * with its family byte, as every rtnetlink family header does; @cb gets each message. With
 * @ifindex (> 0), of that link's objects only: the kernel filters (strict checking, kernel/nl.c),
 * so the cost follows the link's objects, not the namespace's.
 */
static int addr_dump_request(struct nl *nl, uint16_t type, size_t hdr, int family, int ifindex, mnl_cb_t cb,
			     void *ctx, struct nsnet_err *err)
{
	char buf[ADDR_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *fam;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	fam = mnl_nlmsg_put_extra_header(nlh, hdr);
	fam[0] = (uint8_t)family;
	if (ifindex > 0 && type == RTM_GETADDR)
		((struct ifaddrmsg *)(void *)fam)->ifa_index = (uint32_t)ifindex;
	else if (ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_request(nl, nlh, cb, ctx, err);
}

int addr_dump(struct nl *nl, int family, void (*fn)(const struct addr_info *ai, void *data), void *data,
	      struct nsnet_err *err)
{
	return addr_dump_dev(nl, family, 0, fn, data, err);
}

int addr_dump_dev(struct nl *nl, int family, int ifindex, void (*fn)(const struct addr_info *ai, void *data),
		  void *data, struct nsnet_err *err)
{
	struct addr_dump_ctx ctx = { fn, data };

	return addr_dump_request(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), family, ifindex, addr_dump_cb, &ctx, err);
}

struct route_dump_ctx {
	void (*fn)(const struct route_info *ri, void *data);
	void *data;
};

struct route_dump_attrs {
	struct route_info ri;
	const struct nlattr *multipath;
};

/* A gateway attribute of @ri's family (RTA_VIA, a gateway of the other family, is left out). */
static void route_dump_gw(const struct nlattr *attr, struct route_info *ri)
{
	size_t len = mnl_attr_get_payload_len(attr);

	if (len != nsnet_addr_len(ri->dst.addr.family))
		return;
	ri->gw.family = ri->dst.addr.family;
	memcpy(ri->gw.b, mnl_attr_get_payload(attr), len);
}

static int route_dump_attr(const struct nlattr *attr, void *data)
{
	struct route_dump_attrs *a = data;
	struct route_info *ri = &a->ri;
	size_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_get_type(attr) == RTA_DST && len == nsnet_addr_len(ri->dst.addr.family))
		memcpy(ri->dst.addr.b, mnl_attr_get_payload(attr), len);
	else if (mnl_attr_get_type(attr) == RTA_GATEWAY)
		route_dump_gw(attr, ri);
	else if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		ri->oif = (int)mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == RTA_MULTIPATH)
		a->multipath = attr;
	return MNL_CB_OK;
}

static int route_nexthop_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == RTA_GATEWAY)
		route_dump_gw(attr, data);
	return MNL_CB_OK;
}

/*
 * One call per path of a multipath route: to a caller looking for "a route via G out of L", a
 * path is as good as a route. IPv6 even merges two routes of one destination and metric through
 * gateways into one such route by itself (`ip -6 route append`).
 */
static void route_dump_multipath(const struct nlattr *mp, const struct route_info *ri, struct route_dump_ctx *ctx)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		struct route_info one = *ri;
		size_t step = RTNH_ALIGN(nh->rtnh_len);

		one.oif = nh->rtnh_ifindex;
		memset(&one.gw, 0, sizeof(one.gw));
		if (nh->rtnh_len > RTNH_LENGTH(0))
			mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), route_nexthop_attr, &one);
		ctx->fn(&one, ctx->data);
		if (step >= left)
			break;
		left -= step;
		nh = RTNH_NEXT(nh);
	}
}

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_dump_ctx *ctx = data;
	struct route_dump_attrs a;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	memset(&a, 0, sizeof(a));
	a.ri.dst.addr.family = rtm->rtm_family;
	a.ri.dst.len = rtm->rtm_dst_len;
	mnl_attr_parse(nlh, sizeof(*rtm), route_dump_attr, &a);
	if (a.multipath)
		route_dump_multipath(a.multipath, &a.ri, ctx);
	else
		ctx->fn(&a.ri, ctx->data);
	return MNL_CB_OK;
}

int route_dump(struct nl *nl, int family, void (*fn)(const struct route_info *ri, void *data), void *data,
	       struct nsnet_err *err)
{
	return route_dump_dev(nl, family, 0, fn, data, err);
}

int route_dump_dev(struct nl *nl, int family, int ifindex, void (*fn)(const struct route_info *ri, void *data),
		   void *data, struct nsnet_err *err)
{
	struct route_dump_ctx ctx = { fn, data };

	return addr_dump_request(nl, RTM_GETROUTE, sizeof(struct rtmsg), family, ifindex, route_dump_cb, &ctx, err);
}

struct addr_local_ctx {
	struct nsnet_addr *v;
	size_t n, max;
};

static void addr_local_one(const struct addr_info *ai, void *data)
{
	struct addr_local_ctx *ctx = data;

	if (ctx->n < ctx->max)
		ctx->v[ctx->n] = ai->addr;
	ctx->n++;
}

int addr_local_list(struct nsnet_addr *out, size_t max, struct nsnet_err *err)
{
	struct addr_local_ctx ctx = { out, 0, max };
	struct nl nl;
	int r;

	if ((r = nl_open(&nl, -1, err)) < 0)
		return r;
	r = addr_dump(&nl, AF_UNSPEC, addr_local_one, &ctx, err);
	nl_close(&nl);
	if (r < 0)
		return r;
	return (int)(ctx.n < max ? ctx.n : max);
}
