// SPDX-License-Identifier: MIT
// Neighbour entries over rtnetlink (see neigh.h).
#include "kernel/neigh.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define NEIGH_BUF 512

int neigh_set(struct nl *nl, int ifindex, const struct nsnet_addr *ip, const uint8_t mac[6], bool add,
	      bool replace, struct nsnet_err *err)
{
	char buf[NEIGH_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = add ? RTM_NEWNEIGH : RTM_DELNEIGH;
	nlh->nlmsg_flags = add ? NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)ip->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, nsnet_addr_len(ip->family), ip->b);
	if (add)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nl_request(nl, nlh, NULL, NULL, err);
}

struct neigh_dump_ctx {
	int family, ifindex;
	void (*fn)(const struct neigh_info *ni, void *data);
	void *data;
};

static int neigh_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh_dump_ctx *ctx = data;
	struct neigh_info ni = { .ifindex = nd->ndm_ifindex, .state = nd->ndm_state };
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != ctx->family || nd->ndm_ifindex != ctx->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		uint16_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) == NDA_LLADDR && len == 6)
			memcpy(ni.mac, mnl_attr_get_payload(a), 6);
		else if (mnl_attr_get_type(a) == NDA_DST && len == nsnet_addr_len(ctx->family)) {
			ni.addr.family = ctx->family;
			memcpy(ni.addr.b, mnl_attr_get_payload(a), len);
		}
	}
	if (ni.addr.family)
		ctx->fn(&ni, ctx->data);
	return MNL_CB_OK;
}

int neigh_dump(struct nl *nl, int family, int ifindex, void (*fn)(const struct neigh_info *ni, void *data),
	       void *data, struct nsnet_err *err)
{
	char buf[NEIGH_BUF] __attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct neigh_dump_ctx ctx = { family, ifindex, fn, data };
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	/* With strict checking the link is an attribute of the request (the header's index must be 0). */
	mnl_attr_put_u32(nlh, NDA_IFINDEX, (uint32_t)ifindex);
	return nl_request(nl, nlh, neigh_dump_cb, &ctx, err);
}

struct neigh_find {
	const struct nsnet_addr *ip;
	struct neigh_info *out;
};

static void neigh_find_one(const struct neigh_info *ni, void *data)
{
	struct neigh_find *f = data;

	if (nsnet_addr_equal(&ni->addr, f->ip))
		*f->out = *ni;
}

int neigh_has_permanent(struct nl *nl, int ifindex, const struct nsnet_addr *ip, const uint8_t mac[6],
			struct neigh_info *found, struct nsnet_err *err)
{
	struct neigh_info ni = { .state = 0 };
	struct neigh_find f = { ip, &ni };
	int r = neigh_dump(nl, ip->family, ifindex, neigh_find_one, &f, err);

	if (r < 0)
		return r;
	if (found)
		*found = ni;
	return (ni.state & NUD_PERMANENT) && !memcmp(ni.mac, mac, 6);
}
