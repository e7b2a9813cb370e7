// SPDX-License-Identifier: MIT
// libyaml's event stream folded into a tree of maps, sequences and scalars with their positions.
/*
 * Theory of operation: libyaml's parser hands out events (mapping start, scalar, sequence end...)
 * in document order; a stack of open collections turns them into a tree. The features a topology
 * file never needs and that make a file mean something other than what it shows are refused
 * where they appear: anchors and aliases (one node in two places), tags (a value of another
 * type), merge keys come with aliases. A duplicate key is refused rather than last-one-wins.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "topology/ytree.h"

#define YTREE_DEPTH_MAX 16

static struct ynode *ynode_new(enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->line = (unsigned int)m->line + 1;
		n->col = (unsigned int)m->column + 1;
	}
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->used; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

const struct ynode *ytree_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return map->kids[2 * i + 1];
	return NULL;
}

/* Add @kid to collection @c; for a map, a key's duplicate is refused. Takes @kid either way. */
static int ytree_add(struct ynode *c, struct ynode *kid, size_t *cap, struct nsnet_err *err)
{
	size_t slots = c->kind == Y_MAP ? 2 * c->n + (*cap & 1) : c->n;

	if (c->kind == Y_MAP && !(*cap & 1)) {
		/* A key. */
		if (kid->kind != Y_STR) {
			int r = nsnet_err_set(err, EINVAL, "%u:%u: a key must be a plain string", kid->line, kid->col);

			ytree_free(kid);
			return r;
		}
		if (ytree_get(c, kid->str)) {
			int r = nsnet_err_set(err, EINVAL, "%u:%u: duplicate key \"%s\"", kid->line, kid->col, kid->str);

			ytree_free(kid);
			return r;
		}
	}
	if ((slots + 1) * sizeof(*c->kids) > (*cap >> 1) * sizeof(*c->kids)) {
		size_t want = (*cap >> 1) ? (*cap >> 1) * 2 : 8;
		struct ynode **k = realloc(c->kids, want * sizeof(*k));

		if (!k) {
			ytree_free(kid);
			return nsnet_err_set(err, ENOMEM, "out of memory");
		}
		c->kids = k;
		*cap = (want << 1) | (*cap & 1);
	}
	c->kids[slots] = kid;
	c->used = slots + 1;
	if (c->kind == Y_MAP) {
		if (*cap & 1)
			c->n++;
		*cap ^= 1;	/* the low bit: a key waits for its value */
	} else {
		c->n++;
	}
	return 0;
}

/* Refuse what a node's event carries that a topology file must not use. */
static int ytree_plain_check(const yaml_event_t *ev, const yaml_char_t *anchor, const yaml_char_t *tag,
			     struct nsnet_err *err)
{
	unsigned int line = (unsigned int)ev->start_mark.line + 1, col = (unsigned int)ev->start_mark.column + 1;

	if (anchor)
		return nsnet_err_set(err, EINVAL, "%u:%u: anchor &%s: anchors and aliases are not accepted", line, col,
				     (const char *)anchor);
	if (tag)
		return nsnet_err_set(err, EINVAL, "%u:%u: tag %s: tags are not accepted", line, col, (const char *)tag);
	return 0;
}

int ytree_parse(const char *text, size_t len, struct ynode **out, struct nsnet_err *err)
{
	struct ynode *stack[YTREE_DEPTH_MAX + 1];
	size_t caps[YTREE_DEPTH_MAX + 1];
	struct ynode *root = NULL;
	yaml_parser_t p;
	int depth = 0, docs = 0, r = 0;
	bool done = false;

	*out = NULL;
	if (!yaml_parser_initialize(&p))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && r == 0) {
		yaml_event_t ev;
		struct ynode *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			r = nsnet_err_set(err, EINVAL, "%u:%u: %s%s%s", (unsigned int)p.problem_mark.line + 1,
					  (unsigned int)p.problem_mark.column + 1, p.problem ? p.problem : "malformed YAML",
					  p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = nsnet_err_set(err, EINVAL, "%u:%u: a second document: one topology per file",
						  (unsigned int)ev.start_mark.line + 1,
						  (unsigned int)ev.start_mark.column + 1);
			break;
		case YAML_ALIAS_EVENT:
			r = nsnet_err_set(err, EINVAL, "%u:%u: alias *%s: anchors and aliases are not accepted",
					  (unsigned int)ev.start_mark.line + 1, (unsigned int)ev.start_mark.column + 1,
					  (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			if ((r = ytree_plain_check(&ev, ev.data.scalar.anchor, ev.data.scalar.tag, err)) < 0)
				break;
			if (!(n = ynode_new(Y_STR, &ev.start_mark)) ||
			    !(n->str = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length))) {
				ytree_free(n);
				n = NULL;
				r = nsnet_err_set(err, ENOMEM, "out of memory");
				break;
			}
			if (strlen(n->str) != ev.data.scalar.length) {
				r = nsnet_err_set(err, EINVAL, "%u:%u: a string holds a NUL byte", n->line, n->col);
				ytree_free(n);
				n = NULL;
				break;
			}
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;

			r = ytree_plain_check(&ev, seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor,
					      seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag, err);
			if (r == 0 && depth >= YTREE_DEPTH_MAX)
				r = nsnet_err_set(err, EINVAL, "%u:%u: nested deeper than %d levels",
						  (unsigned int)ev.start_mark.line + 1,
						  (unsigned int)ev.start_mark.column + 1, YTREE_DEPTH_MAX);
			if (r < 0)
				break;
			if (!(n = ynode_new(seq ? Y_SEQ : Y_MAP, &ev.start_mark))) {
				r = nsnet_err_set(err, ENOMEM, "out of memory");
				break;
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				n = stack[--depth];
				/* Closed: hand it to its parent below. */
				if (depth > 0) {
					r = ytree_add(stack[depth - 1], n, &caps[depth - 1], err);
					n = NULL;
				} else {
					root = n;
					n = NULL;
				}
			}
			break;
		default:
			break;
		}
		if (r == 0 && n) {
			if (n->kind != Y_STR) {
				stack[depth] = n;
				caps[depth++] = 0;
			} else if (depth > 0) {
				r = ytree_add(stack[depth - 1], n, &caps[depth - 1], err);
			} else {
				root = n;
			}
		} else if (n) {
			ytree_free(n);
		}
		yaml_event_delete(&ev);
	}
	while (depth > 0)
		ytree_free(stack[--depth]);
	yaml_parser_delete(&p);
	if (r == 0 && !root) {
		yaml_mark_t m = { 0 };

		if (!(root = ynode_new(Y_MAP, &m)))
			r = nsnet_err_set(err, ENOMEM, "out of memory");
	}
	if (r < 0) {
		ytree_free(root);
		return r;
	}
	*out = root;
	return 0;
}
