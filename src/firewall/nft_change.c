// SPDX-License-Identifier: MIT
// A described change of table inet nsnet and its two encoders, text and libnftnl (theory in nft_change.h).
#include "firewall/nft_change.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nft_change_free(struct nft_change *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->step[i].text);
	free(c->step);
	c->step = NULL;
	c->n = c->cap = 0;
}

/* A new zeroed step at the end, or NULL (and c->oom) when out of memory. */
static struct nft_step *nft_change_push(struct nft_change *c, enum nft_verb verb, enum nft_step_kind kind)
{
	struct nft_step *s;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct nft_step *v = cap <= SIZE_MAX / sizeof(*v) ? realloc(c->step, cap * sizeof(*v)) : NULL;

		if (!v) {
			c->oom = true;
			return NULL;
		}
		c->step = v;
		c->cap = cap;
	}
	s = &c->step[c->n++];
	memset(s, 0, sizeof(*s));
	s->verb = verb;
	s->kind = kind;
	return s;
}

void nft_change_chain(struct nft_change *c, enum nft_verb verb, const struct nft_name *chain)
{
	struct nft_step *s = nft_change_push(c, verb, NFT_STEP_CHAIN);

	if (s)
		s->chain = *chain;
}

void nft_change_set(struct nft_change *c, enum nft_verb verb, const struct nft_set_ref *set)
{
	struct nft_step *s = nft_change_push(c, verb, NFT_STEP_SET);

	if (s)
		s->set = *set;
}

void nft_change_elem(struct nft_change *c, enum nft_verb verb, const struct nft_set_ref *set,
		     const struct nft_value *key, const struct nft_value *data, int verdict,
		     const struct nft_name *target)
{
	struct nft_step *s = nft_change_push(c, verb, NFT_STEP_ELEM);

	if (!s)
		return;
	s->set = *set;
	s->key = *key;
	if (data)
		s->data = *data;
	s->verdict = verdict;
	if (target)
		s->target = *target;
}

void nft_change_rule_dnat(struct nft_change *c, const struct nft_name *chain, uint8_t l4proto,
			  const struct nsnet_endpoint *to)
{
	struct nft_step *s = nft_change_push(c, NFT_VERB_ADD, NFT_STEP_RULE_DNAT);

	if (!s)
		return;
	s->chain = *chain;
	s->l4proto = l4proto;
	s->to = *to;
}

void nft_change_rule_pick(struct nft_change *c, const struct nft_name *chain, const struct nft_set_ref *map,
			  unsigned int mod)
{
	struct nft_step *s = nft_change_push(c, NFT_VERB_ADD, NFT_STEP_RULE_PICK);

	if (!s)
		return;
	s->chain = *chain;
	s->set = *map;
	s->mod = mod;
}

void nft_change_rule_text(struct nft_change *c, const struct nft_name *chain, const char *fmt, ...)
{
	struct nft_step *s = nft_change_push(c, NFT_VERB_ADD, NFT_STEP_RULE_TEXT);
	va_list ap;

	if (!s)
		return;
	s->chain = *chain;
	va_start(ap, fmt);
	if (vasprintf(&s->text, fmt, ap) < 0) {
		s->text = NULL;
		c->oom = true;
	}
	va_end(ap);
}

void nft_dnat_text(const struct nsnet_endpoint *to, struct strbuf *out)
{
	const struct nft_family *f = nft_family_of(to->addr.family);
	bool v6 = to->addr.family == AF_INET6;
	char a[INET6_ADDRSTRLEN];

	strbuf_printf(out, "dnat %s to %s%s%s:%u", f->ip, v6 ? "[" : "", nsnet_addr_str(&to->addr, a), v6 ? "]" : "",
		      to->port);
}

static const char *const nft_verb_text[] = {
	[NFT_VERB_ADD] = "add", [NFT_VERB_FLUSH] = "flush", [NFT_VERB_DELETE] = "delete",
	[NFT_VERB_EXPIRE] = "add", [NFT_VERB_DESTROY] = "destroy",
};

static void nft_step_text(const struct nft_step *s, struct strbuf *o)
{
	bool with_data = s->verb == NFT_VERB_ADD || s->verb == NFT_VERB_EXPIRE;

	switch (s->kind) {
	case NFT_STEP_CHAIN:
		strbuf_printf(o, "%s chain " NFT_TABLE " %s\n", nft_verb_text[s->verb], s->chain.s);
		break;
	case NFT_STEP_SET:
		if (s->verb == NFT_VERB_ADD)
			nft_set_decl(&s->set, o);
		else
			strbuf_printf(o, "%s set " NFT_TABLE " %s\n", nft_verb_text[s->verb], nft_set_name(&s->set).s);
		break;
	case NFT_STEP_ELEM:
		strbuf_printf(o, "%s element " NFT_TABLE " %s { ", nft_verb_text[s->verb], nft_set_name(&s->set).s);
		nft_value_text(nft_set_key(&s->set), &s->key, o);
		if (s->verb == NFT_VERB_EXPIRE)
			strbuf_printf(o, " timeout 1ms");
		if (with_data && nft_set_data(&s->set) == NFT_LAYOUT_VERDICT) {
			strbuf_printf(o, " : %s %s", s->verdict == NFT_GOTO ? "goto" : "jump", s->target.s);
		} else if (with_data && nft_set_data(&s->set) != NFT_LAYOUT_NONE) {
			strbuf_printf(o, " : ");
			nft_value_text(nft_set_data(&s->set), &s->data, o);
		}
		strbuf_printf(o, " }\n");
		break;
	case NFT_STEP_RULE_DNAT:
		strbuf_printf(o, "add rule " NFT_TABLE " %s meta l4proto %s ", s->chain.s, proto_name(s->l4proto));
		nft_dnat_text(&s->to, o);
		strbuf_printf(o, "\n");
		break;
	case NFT_STEP_RULE_PICK: {
		const char *ip = nft_family_of(s->set.family)->ip, *prn = proto_name(s->set.proto);

		if (s->set.kind == NFT_SET_SEPS)
			strbuf_printf(o, "add rule " NFT_TABLE " %s %s daddr . %s dport . numgen random mod %u vmap @%s\n",
				      s->chain.s, ip, prn, s->mod, nft_set_name(&s->set).s);
		else
			strbuf_printf(o, "add rule " NFT_TABLE " %s dnat %s to %s daddr . %s dport . numgen random mod %u map @%s\n",
				      s->chain.s, ip, ip, prn, s->mod, nft_set_name(&s->set).s);
		break;
	}
	case NFT_STEP_RULE_TEXT:
		strbuf_printf(o, "add rule " NFT_TABLE " %s %s\n", s->chain.s, s->text ? s->text : "");
		break;
	}
}

void nft_change_text(const struct nft_change *c, struct strbuf *out)
{
	if (c->oom) {
		out->oom = true;	/* the caller's strbuf check reports it */
		return;
	}
	for (size_t i = 0; i < c->n; i++)
		nft_step_text(&c->step[i], out);
}

/* Has step @s a libnftnl form here? */
static bool nft_step_encodable(const struct nft_step *s)
{
	if (s->kind == NFT_STEP_CHAIN)
		return s->verb == NFT_VERB_ADD || s->verb == NFT_VERB_FLUSH || s->verb == NFT_VERB_DELETE;
	return s->kind == NFT_STEP_ELEM || s->kind == NFT_STEP_RULE_DNAT || s->kind == NFT_STEP_RULE_PICK;
}

static const enum nft_elem_op nft_elem_ops[] = {
	[NFT_VERB_ADD] = NFT_ELEM_ADD, [NFT_VERB_FLUSH] = NFT_ELEM_DEL, [NFT_VERB_DELETE] = NFT_ELEM_DEL,
	[NFT_VERB_EXPIRE] = NFT_ELEM_EXPIRE, [NFT_VERB_DESTROY] = NFT_ELEM_DESTROY,
};

int nft_change_batch(const struct nft_change *c, struct nft_batch *b)
{
	if (c->oom)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		if (!nft_step_encodable(&c->step[i]))
			return -EOPNOTSUPP;
	for (size_t i = 0; i < c->n; i++) {
		const struct nft_step *s = &c->step[i];
		uint8_t key[NFT_VALUE_MAX], data[NFT_VALUE_MAX];
		size_t klen, dlen = 0;
		enum nft_layout dl;
		bool with_data;

		switch (s->kind) {
		case NFT_STEP_CHAIN:
			if (s->verb == NFT_VERB_ADD)
				nft_batch_chain_add(b, s->chain.s);
			else if (s->verb == NFT_VERB_FLUSH)
				nft_batch_chain_flush(b, s->chain.s);
			else
				nft_batch_chain_del(b, s->chain.s);
			break;
		case NFT_STEP_ELEM:
			klen = nft_value_bytes(nft_set_key(&s->set), &s->key, key);
			dl = nft_set_data(&s->set);
			with_data = s->verb == NFT_VERB_ADD || s->verb == NFT_VERB_EXPIRE;
			if (with_data && dl != NFT_LAYOUT_NONE && dl != NFT_LAYOUT_VERDICT)
				dlen = nft_value_bytes(dl, &s->data, data);
			nft_batch_elem(b, nft_elem_ops[s->verb], nft_set_name(&s->set).s, key, klen, dlen ? data : NULL, dlen,
				       s->verdict, with_data && dl == NFT_LAYOUT_VERDICT ? s->target.s : NULL);
			break;
		case NFT_STEP_RULE_DNAT:
			nft_batch_rule_dnat(b, s->chain.s, s->l4proto, nft_family_of(s->to.addr.family)->nfproto_num,
					    s->to.addr.b, nsnet_addr_len(s->to.addr.family), htons(s->to.port));
			break;
		case NFT_STEP_RULE_PICK:
			nft_batch_rule_pick(b, s->chain.s, nft_family_of(s->set.family)->nfproto_num, s->set.proto, s->mod,
					    nft_set_name(&s->set).s, s->set.kind == NFT_SET_SEPS);
			break;
		case NFT_STEP_SET:
		case NFT_STEP_RULE_TEXT:
			break;	/* refused above */
		}
	}
	return 0;
}
