/* SPDX-License-Identifier: MIT */
/* One change of table inet nsnet described once, rendered as nft text or as a libnftnl batch. */
#ifndef NSNET_FIREWALL_NFT_CHANGE_H
#define NSNET_FIREWALL_NFT_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firewall/nft_schema.h"
#include "firewall/nftnl.h"
#include "model/service.h"
#include "util/strbuf.h"

/*
 * Theory of operation. A change (a VIP added, removed or changed, ports published or removed) is
 * first written as a list of steps, each naming its object through nft_schema.h: add/flush/delete
 * a chain, add/delete a set, add a rule, add/delete an element. Two encoders read the same list:
 * nft_change_text() writes one nft command per step (what --dry-run prints, the journal keeps
 * and libnftables applies), nft_change_batch() appends one nf_tables message per step to a
 * libnftnl batch (the fast path, no ruleset cache). Steps the batch encoder does not know (rules
 * other than a DNAT or a pick chain's, sets with timeouts: a VIP with affinity) make it refuse the whole change
 * with -EOPNOTSUPP, and the caller applies the text instead.
 */

enum nft_verb {
	NFT_VERB_ADD,
	NFT_VERB_FLUSH,		/* chains only: delete every rule */
	NFT_VERB_DELETE,
	/*
	 * Elements of a set declared with "flags timeout" only (svcN, bkNx, emptyN: nft_schema.c's
	 * table of sets): added again with the data they have and a timeout of 1 ms, so the kernel
	 * stops matching them at its next clock tick and frees them later on its own. A deletion instead leaves the kernel something to free
	 * after an RCU grace period, which the process's exit then waits for (13-14 ms at 10,000
	 * VIPs). `vip rm` removes a VIP without affinity this way.
	 */
	NFT_VERB_EXPIRE,
	/*
	 * Elements: delete if present, no error if absent. The batch of a new VIP starts with these
	 * for its keys, so that the elements of a VIP of the same address that `vip rm` expired less
	 * than a tick ago cannot clash with it.
	 */
	NFT_VERB_DESTROY,
};

enum nft_step_kind {
	NFT_STEP_CHAIN,
	NFT_STEP_SET,		/* with its declaration when added */
	NFT_STEP_ELEM,
	NFT_STEP_RULE_DNAT,	/* meta l4proto P dnat ip to ADDR:PORT */
	NFT_STEP_RULE_PICK,	/* a pick chain's rule: random index, looked up in a backends / seps map */
	NFT_STEP_RULE_TEXT,	/* any other rule, as nft text (no libnftnl form) */
};

struct nft_step {
	enum nft_verb verb;
	enum nft_step_kind kind;
	struct nft_name chain;		/* CHAIN, RULE_*: the chain */
	struct nft_set_ref set;		/* SET, ELEM; RULE_PICK: the map (backends: dnat; seps: vmap) */
	struct nft_value key, data;	/* ELEM: the key; the data when the set is a data map */
	int verdict;			/* ELEM of a verdict map, add: NFT_JUMP or NFT_GOTO */
	struct nft_name target;		/* ... to this chain */
	uint8_t l4proto;		/* RULE_DNAT */
	struct nsnet_endpoint to;	/* RULE_DNAT */
	unsigned int mod;		/* RULE_PICK: numgen random mod this */
	char *text;			/* RULE_TEXT: the rule after the chain name (owned) */
};

struct nft_change {
	struct nft_step *step;
	size_t n, cap;
	bool oom;	/* a step could not be recorded: both encoders refuse */
};

void nft_change_free(struct nft_change *c);

void nft_change_chain(struct nft_change *c, enum nft_verb verb, const struct nft_name *chain);
void nft_change_set(struct nft_change *c, enum nft_verb verb, const struct nft_set_ref *set);
/* Element @key of @set; when added: @data for a data map, or a verdict (NFT_JUMP/GOTO @target). */
void nft_change_elem(struct nft_change *c, enum nft_verb verb, const struct nft_set_ref *set,
		     const struct nft_value *key, const struct nft_value *data, int verdict,
		     const struct nft_name *target);
void nft_change_rule_dnat(struct nft_change *c, const struct nft_name *chain, uint8_t l4proto,
			  const struct nsnet_endpoint *to);
/* @family/@proto from @map, a NFT_SET_BACKENDS (dnat through it) or NFT_SET_SEPS (vmap) map. */
void nft_change_rule_pick(struct nft_change *c, const struct nft_name *chain, const struct nft_set_ref *map,
			  unsigned int mod);
void nft_change_rule_text(struct nft_change *c, const struct nft_name *chain, const char *fmt, ...)
	NSNET_PRINTF(3, 4);

/* "dnat ip to 10.0.0.2:80" / "dnat ip6 to [fd00::2]:80": the DNAT both rule kinds end with. */
void nft_dnat_text(const struct nsnet_endpoint *to, struct strbuf *out);

/* Encoder 1: one nft command per step, in order. */
void nft_change_text(const struct nft_change *c, struct strbuf *out);
/*
 * Encoder 2: one nf_tables message per step, in order, appended to @b (a batch for table inet
 * nsnet). Returns 0, -EOPNOTSUPP (checked before anything is appended) when a step has no
 * libnftnl form, or -ENOMEM.
 */
int nft_change_batch(const struct nft_change *c, struct nft_batch *b);

/*
 * The services, described (nft_services.c): a VIP's objects added or removed, a published port's.
 * They expect the table and base chains to exist (fw_nft_base()).
 */
enum nft_vip_how {
	NFT_VIP_ADD,
	NFT_VIP_ADD_FRESH,	/* destroy its keys first (NFT_VERB_DESTROY), then add */
	NFT_VIP_DELETE,
	NFT_VIP_EXPIRE,		/* its elements expire (NFT_VERB_EXPIRE); deleted when it has affinity */
};

void nft_describe_vip(struct nft_change *c, const struct nsnet_vip *v, enum nft_vip_how how);
void nft_describe_port(struct nft_change *c, const struct nsnet_port *p, bool add);

#endif
