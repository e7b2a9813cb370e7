// SPDX-License-Identifier: MIT
// libFuzzer target: the readers of state records (network, namespace, leases), which must reject
// anything malformed cleanly and round-trip what they accept.
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Serialise, parse again, serialise again: the two texts must be identical. */
static void roundtrip(json_t *(*to)(const void *), int (*from)(const json_t *, void *, struct nsnet_err *),
		      const void *rec, size_t recsize)
{
	json_t *a = to(rec), *b = NULL;
	void *again = calloc(1, recsize);
	char *sa, *sb;

	if (!a || !again)
		abort();
	if (from(a, again, NULL) < 0)
		abort();	/* what we wrote we must read */
	b = to(again);
	sa = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
	sb = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	if (!sa || !sb || strcmp(sa, sb))
		abort();
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	if (recsize == sizeof(struct nsnet_leases))
		leases_free(again);
	free(again);
}

static json_t *net_to(const void *r) { return network_to_json(r); }
static int net_from(const json_t *j, void *r, struct nsnet_err *e) { return network_from_json(j, r, e); }
static json_t *ns_to(const void *r) { return namespace_to_json(r); }
static int ns_from(const json_t *j, void *r, struct nsnet_err *e) { return namespace_from_json(j, r, e); }
static json_t *leases_to(const void *r) { return leases_to_json(r); }
static int leases_from(const json_t *j, void *r, struct nsnet_err *e) { return leases_from_json(j, r, e); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsnet_err err = { 0 };
	struct nsnet_network net;
	struct nsnet_namespace ns;
	struct nsnet_leases l;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	if (!j)
		return 0;
	if (network_from_json(j, &net, &err) == 0)
		roundtrip(net_to, net_from, &net, sizeof(net));
	else if (!err.msg[0] || strchr(err.msg, '\n'))
		abort();	/* a refusal always says why, on one line */
	if (namespace_from_json(j, &ns, NULL) == 0)
		roundtrip(ns_to, ns_from, &ns, sizeof(ns));
	if (leases_from_json(j, &l, NULL) == 0) {
		roundtrip(leases_to, leases_from, &l, sizeof(l));
		leases_free(&l);
	}
	json_decref(j);
	return 0;
}
