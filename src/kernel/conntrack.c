// SPDX-License-Identifier: MIT
// ctnetlink: find and delete DNAT'ed flows of one backend (see conntrack.h).
#include "kernel/conntrack.h"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>

#define CT_MAX_DEL 4096	/* entries deleted per call; a UDP service rarely holds more per backend */

struct ct_tuple {
	struct nsnet_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;	/* host order */
};

struct ct_match {
	uint8_t proto;
	struct nsnet_addr vip, backend;
	uint16_t vip_port, backend_port;
	size_t n;
	struct nlattr **orig;	/* copies of the CTA_TUPLE_ORIG attributes to delete */
};

static int ct_parse_ip(const struct nlattr *attr, void *data)
{
	struct ct_tuple *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if ((type == CTA_IP_V4_SRC || type == CTA_IP_V4_DST) && len == 4) {
		struct nsnet_addr *a = type == CTA_IP_V4_SRC ? &t->src : &t->dst;

		a->family = AF_INET;
		memcpy(a->b, mnl_attr_get_payload(attr), 4);
	} else if ((type == CTA_IP_V6_SRC || type == CTA_IP_V6_DST) && len == 16) {
		struct nsnet_addr *a = type == CTA_IP_V6_SRC ? &t->src : &t->dst;

		a->family = AF_INET6;
		memcpy(a->b, mnl_attr_get_payload(attr), 16);
	}
	return MNL_CB_OK;
}

static int ct_parse_proto(const struct nlattr *attr, void *data)
{
	struct ct_tuple *t = data;

	switch (mnl_attr_get_type(attr)) {
	case CTA_PROTO_NUM:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			t->proto = mnl_attr_get_u8(attr);
		break;
	case CTA_PROTO_SRC_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			t->sport = ntohs(mnl_attr_get_u16(attr));
		break;
	case CTA_PROTO_DST_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			t->dport = ntohs(mnl_attr_get_u16(attr));
		break;
	}
	return MNL_CB_OK;
}

static int ct_parse_tuple_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == CTA_TUPLE_IP)
		mnl_attr_parse_nested(attr, ct_parse_ip, data);
	else if (mnl_attr_get_type(attr) == CTA_TUPLE_PROTO)
		mnl_attr_parse_nested(attr, ct_parse_proto, data);
	return MNL_CB_OK;
}

struct ct_entry {
	const struct nlattr *orig_attr;
	struct ct_tuple orig, reply;
};

static int ct_parse_entry(const struct nlattr *attr, void *data)
{
	struct ct_entry *e = data;

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == CTA_TUPLE_ORIG) {
		e->orig_attr = attr;
		mnl_attr_parse_nested(attr, ct_parse_tuple_attr, &e->orig);
	} else if (mnl_attr_get_type(attr) == CTA_TUPLE_REPLY) {
		mnl_attr_parse_nested(attr, ct_parse_tuple_attr, &e->reply);
	}
	return MNL_CB_OK;
}

static int ct_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_match *m = data;
	struct ct_entry e;
	struct nlattr *copy;

	memset(&e, 0, sizeof(e));
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ct_parse_entry, &e);
	if (!e.orig_attr || e.orig.proto != m->proto || e.orig.dport != m->vip_port ||
	    e.reply.sport != m->backend_port || !nsnet_addr_equal(&e.orig.dst, &m->vip) ||
	    !nsnet_addr_equal(&e.reply.src, &m->backend) || m->n == CT_MAX_DEL)
		return MNL_CB_OK;
	copy = malloc(e.orig_attr->nla_len);
	if (!copy)
		return MNL_CB_OK;
	memcpy(copy, e.orig_attr, e.orig_attr->nla_len);
	m->orig[m->n++] = copy;
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_msg(char *buf, uint8_t cmd, uint16_t flags, int family)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(buf, 0, 256);	/* header and padding bytes; attributes are copied whole */
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | cmd;
	nlh->nlmsg_flags = flags;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

int conntrack_del_dnat(struct nl *nl, uint8_t proto, const struct nsnet_addr *vip, uint16_t vip_port,
		       const struct nsnet_addr *backend, uint16_t backend_port, struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ct_match m = { proto, *vip, *backend, vip_port, backend_port, 0, NULL };
	int r, deleted = 0;

	m.orig = calloc(CT_MAX_DEL, sizeof(*m.orig));
	if (!m.orig)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = nl_request(nl, ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, vip->family), ct_dump_cb, &m, err);
	/* Deleting is a second pass: a socket cannot take requests while it dumps. */
	for (size_t i = 0; r == 0 && i < m.n; i++) {
		struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_DELETE, 0, vip->family);
		int d;

		memcpy((char *)nlh + nlh->nlmsg_len, m.orig[i], m.orig[i]->nla_len);
		nlh->nlmsg_len += MNL_ALIGN(m.orig[i]->nla_len);
		d = nl_request(nl, nlh, NULL, NULL, err);
		if (d == 0)
			deleted++;
		else if (d != -ENOENT)	/* gone meanwhile is fine */
			r = d;
	}
	for (size_t i = 0; i < m.n; i++)
		free(m.orig[i]);
	free(m.orig);
	return r < 0 ? r : deleted;
}
