/* SPDX-License-Identifier: MIT */
/* A YAML document as a small tree of maps, sequences and scalars, each with its line and column. */
#ifndef NSNET_TOPOLOGY_YTREE_H
#define NSNET_TOPOLOGY_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum ynode_kind { Y_MAP, Y_SEQ, Y_STR };

struct ynode {
	enum ynode_kind kind;
	unsigned int line, col;		/* 1-based, where the node starts */
	char *str;			/* Y_STR: the value */
	bool plain;			/* Y_STR: written without quotes (true, 12 are plain) */
	size_t n;			/* Y_MAP: pairs; Y_SEQ: items */
	struct ynode **kids;		/* Y_MAP: key, value, key, value...; Y_SEQ: items */
	size_t used;			/* slots of kids filled (a map's last key may wait for its value) */
};

/*
 * Parse one YAML document into a tree. Refuses anchors, aliases, tags, non-scalar keys,
 * duplicate keys, more than one document and nesting deeper than 16, each as "LINE:COL: ...".
 * An empty document is an empty map. Returns 0 (*@out: ytree_free it) or -EINVAL, -ENOMEM.
 */
int ytree_parse(const char *text, size_t len, struct ynode **out, struct nsnet_err *err);
void ytree_free(struct ynode *n);

/* The value of key @key in map @map, or NULL. */
const struct ynode *ytree_get(const struct ynode *map, const char *key);

#endif
