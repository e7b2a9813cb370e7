// SPDX-License-Identifier: MIT
// Links over rtnetlink (see link.h).
#include "kernel/link.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_BUF 1024

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, struct ifinfomsg **ifm)
{
	struct nlmsghdr *nlh;

	/* Attribute padding is not always written: start from zeros so no stack garbage is sent. */
	memset(buf, 0, LINK_BUF);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifm));
	(*ifm)->ifi_family = AF_UNSPEC;
	return nlh;
}

int link_add_kind(struct nl *nl, const char *name, const char *kind, unsigned int mtu, const uint8_t mac[6],
		  struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifm);
	struct nlattr *linkinfo;

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_request(nl, nlh, NULL, NULL, err);
}

static int link_parse(const struct nlmsghdr *nlh, struct link_info *li);

/* An echoed RTM_NEWLINK: kept when it is the link asked for (made->name on entry). */
static int link_echo_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *made = data, li;

	if (link_parse(nlh, &li) == 0 && !strcmp(li.name, made->name))
		*made = li;
	return MNL_CB_OK;
}

int link_add_veth(struct nl *nl, const char *name, const uint8_t *mac, int master_ifindex, uint32_t group,
		  const char *peer_name, const uint8_t *peer_mac, int peer_netns_fd, unsigned int mtu,
		  struct link_info *made,
		  struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm, *peer;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifm);
	struct nlattr *linkinfo, *data, *pinfo;
	int r;

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (master_ifindex > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex);
	if (group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	/*
	 * One queue each way, asked for: a veth is made with a queue per CPU and then cut to one in
	 * use (veth_init_queues), and cutting a registered device's queues waits for an RCU grace
	 * period, once per end (netif_set_real_num_tx_queues: synchronize_net). Same one queue in use.
	 */
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of their own. */
	peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
	/* Not up here: bringing the peer up in another namespace within the create fails (ENOTCONN). */
	peer->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (!made)
		return nl_request(nl, nlh, NULL, NULL, err);
	/* The new link echoed back: its index and its peer's, without an RTM_GETLINK on each side. */
	memset(made, 0, sizeof(*made));
	snprintf(made->name, sizeof(made->name), "%s", name);
	nlh->nlmsg_flags |= NLM_F_ECHO;
	r = nl_request(nl, nlh, link_echo_cb, made, err);
	if (!made->ifindex)
		memset(made, 0, sizeof(*made));
	return r;
}

int link_configure(struct nl *nl, const char *name, const struct link_conf *c, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);
	struct nlattr *nest, *inner;

	if (c->ifindex > 0)
		ifm->ifi_index = c->ifindex;
	else
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (c->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, c->alias);
	if (c->hairpin) {
		nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
		inner = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
		mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
		mnl_attr_nest_end(nlh, inner);
		mnl_attr_nest_end(nlh, nest);
	}
	nest = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inner = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inner);
	mnl_attr_nest_end(nlh, nest);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_set_master(struct nl *nl, int ifindex, int master, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_set_alias(struct nl *nl, const char *name, const char *alias, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_set_up(struct nl *nl, const char *name, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_set_down(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_index = ifindex;
	ifm->ifi_flags = 0;
	ifm->ifi_change = IFF_UP;
	if (alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_port_disable(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	struct nlattr *info;
	int r;

	/*
	 * The alias first, in a request of its own: a change through RTM_NEWLINK ends with a
	 * NETDEV_CHANGE, on which the bridge enables a disabled port whose link is up again.
	 */
	if (alias && (r = link_set_alias_index(nl, ifindex, alias, err)) < 0)
		return r;
	/* The port's state through the bridge's own setlink (`bridge link set`): no such event. */
	nlh = link_msg(buf, RTM_SETLINK, 0, &ifm);
	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = ifindex;
	info = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_STATE, BR_STATE_DISABLED);
	mnl_attr_nest_end(nlh, info);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_set_alias_index(struct nl *nl, int ifindex, const char *alias, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_del_index(struct nl *nl, int ifindex, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, &ifm);

	ifm->ifi_index = ifindex;
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_del(struct nl *nl, const char *name, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, &ifm);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int link_rename(struct nl *nl, const char *name, const char *new_name, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifm);
	struct link_info li;
	int r;

	if ((r = link_get(nl, name, &li, err)) < 0)
		return r;
	ifm->ifi_index = li.ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	return nl_request(nl, nlh, NULL, NULL, err);
}

static int link_parse_info(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
		snprintf(li->kind, sizeof(li->kind), "%.*s", (int)mnl_attr_get_payload_len(attr),
			 (const char *)mnl_attr_get_payload(attr));
	return MNL_CB_OK;
}

static int link_parse_attr(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(attr));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->master = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->iflink = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_GROUP:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			li->group = mnl_attr_get_u32(attr);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == 6)
			memcpy(li->mac, mnl_attr_get_payload(attr), 6);
		break;
	case IFLA_IFALIAS:
		/* Not always NUL-terminated on the wire: copy by length; a longer alias is not nsnet's. */
		if (mnl_attr_get_payload_len(attr) < sizeof(li->alias))
			snprintf(li->alias, sizeof(li->alias), "%.*s", (int)mnl_attr_get_payload_len(attr),
				 (const char *)mnl_attr_get_payload(attr));
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, link_parse_info, li);
		break;
	}
	return MNL_CB_OK;
}

static int link_parse(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	memset(li, 0, sizeof(*li));
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -1;
	li->ifindex = ifm->ifi_index;
	li->up = ifm->ifi_flags & IFF_UP;
	return mnl_attr_parse(nlh, sizeof(*ifm), link_parse_attr, li) < 0 ? -1 : 0;
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	return link_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int link_get(struct nl *nl, const char *name, struct link_info *out, struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, &ifm);

	memset(out, 0, sizeof(*out));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Skip statistics and VF data: smaller replies. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_request(nl, nlh, link_get_cb, out, err);
}

struct link_dump_ctx {
	void (*fn)(const struct link_info *li, void *data);
	void *data;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump_ctx *ctx = data;
	struct link_info li;

	if (link_parse(nlh, &li) == 0)
		ctx->fn(&li, ctx->data);
	return MNL_CB_OK;
}

int link_dump(struct nl *nl, void (*fn)(const struct link_info *li, void *data), void *data,
	      struct nsnet_err *err)
{
	char buf[LINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, NLM_F_DUMP, &ifm);
	struct link_dump_ctx ctx = { fn, data };

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_request(nl, nlh, link_dump_cb, &ctx, err);
}

static void link_list_add(const struct link_info *li, void *data)
{
	struct link_list *l = data;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct link_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;	/* reported by link_list_dump() */
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *li;
}

int link_list_dump(struct nl *nl, struct link_list *out, struct nsnet_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = link_dump(nl, link_list_add, out, err);
	if (r == 0 && out->oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	return r;
}

const struct link_info *link_list_find(const struct link_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

void link_list_free(struct link_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
