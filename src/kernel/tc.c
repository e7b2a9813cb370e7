// SPDX-License-Identifier: MIT
// Traffic control over rtnetlink (see tc.h): a tbf as root qdisc, its removal and lookup.
#include "kernel/tc.h"

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#define TC_BUF 512

/*
 * Theory of operation. The kernel's tbf takes its parameters in struct tc_tbf_qopt, whose rate is
 * 32 bits of bytes per second (TCA_TBF_RATE64 carries a larger one) and whose bucket is a time in
 * "ticks" of 64 ns (PSCHED_SHIFT). TCA_TBF_BURST gives the bucket in bytes instead, and the kernel
 * computes the time from it, so nsnet sends that and the ticks only as a fallback. With a link
 * layer set (ethernet) the kernel needs no rate table (TCA_TBF_RTAB), which only old tc binaries
 * send. A dump gives the bucket back in ticks only; callers compare rate and queue limit.
 */

static struct nlmsghdr *tc_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	memset(buf, 0, TC_BUF);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_ROOT;
	tcm->tcm_handle = 0;
	return nlh;
}

int tc_tbf_set(struct nl *nl, int ifindex, const struct tc_tbf *t, struct nsnet_err *err)
{
	char buf[TC_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex);
	struct tc_tbf_qopt q;
	struct nlattr *opts;
	uint64_t ticks;

	if (!t->rate || !t->burst)
		return nsnet_err_set(err, EINVAL, "tbf: rate and burst must not be 0");
	memset(&q, 0, sizeof(q));
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.rate.rate = t->rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)t->rate;
	q.limit = t->limit;
	/* The bucket as time (ticks of 64 ns), for kernels that ignore TCA_TBF_BURST. */
	ticks = (uint64_t)((unsigned __int128)t->burst * 1000000000ULL / t->rate / 64);
	q.buffer = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	if (t->rate >= UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, t->rate);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, t->burst);
	mnl_attr_nest_end(nlh, opts);
	return nl_request(nl, nlh, NULL, NULL, err);
}

int tc_root_del(struct nl *nl, int ifindex, struct nsnet_err *err)
{
	char buf[TC_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = tc_msg(buf, RTM_DELQDISC, 0, ifindex);
	int r = nl_request(nl, nlh, NULL, NULL, err);

	/* The default qdisc (handle 0) cannot be deleted: the kernel answers ENOENT, as for none. */
	return r == -EINVAL ? -ENOENT : r;
}

static int tc_opt_cb(const struct nlattr *attr, void *data)
{
	struct tc_root *out = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_TBF_PARMS: {
		struct tc_tbf_qopt q;

		if (mnl_attr_get_payload_len(attr) < sizeof(q))
			return MNL_CB_ERROR;
		memcpy(&q, mnl_attr_get_payload(attr), sizeof(q));
		if (!out->tbf.rate)
			out->tbf.rate = q.rate.rate;
		out->tbf.limit = q.limit;
		break;
	}
	case TCA_TBF_RATE64:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		out->tbf.rate = mnl_attr_get_u64(attr);
		break;
	}
	return MNL_CB_OK;
}

static int tc_attr_cb(const struct nlattr *attr, void *data)
{
	struct tc_root *out = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_KIND:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		snprintf(out->kind, sizeof(out->kind), "%s", mnl_attr_get_str(attr));
		break;
	case TCA_OPTIONS:
		/* Read after the kind: tbf options only. The kernel puts TCA_KIND first. */
		if (!strcmp(out->kind, "tbf") && mnl_attr_parse_nested(attr, tc_opt_cb, out) < 0)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int tc_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct tc_root *out = data;

	if (nlh->nlmsg_type != RTM_NEWQDISC || tcm->tcm_parent != TC_H_ROOT)
		return MNL_CB_OK;
	memset(out, 0, sizeof(*out));
	return mnl_attr_parse(nlh, sizeof(*tcm), tc_attr_cb, out) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int tc_root_get(struct nl *nl, int ifindex, struct tc_root *out, struct nsnet_err *err)
{
	char buf[TC_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	/* The kernel sends the qdisc back to the asker only with NLM_F_ECHO (else to the TC group alone). */
	struct nlmsghdr *nlh = tc_msg(buf, RTM_GETQDISC, NLM_F_ECHO, ifindex);

	/* The answer: the root qdisc, or the ack alone for a built-in default one (noqueue). */
	memset(out, 0, sizeof(*out));
	return nl_request(nl, nlh, tc_get_cb, out, err);
}
