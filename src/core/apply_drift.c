// SPDX-License-Identifier: MIT
// Drift for plan and apply: what `nsnet check` finds wrong in the kernel, for a project's objects.
/*
 * Theory of operation: apply_drift_find() runs the check machinery (core/check.c, check_op())
 * inside the plan's operation and keeps the findings about objects of the file's project:
 *   - a namespace whose interface is missing, unbridged, misplaced or lacks a recorded address:
 *     ns_drift; the diff then detaches and attaches that attachment again (all of them when the
 *     finding does not say which), the others untouched (a "~" line);
 *   - a missing chain or map element of a VIP, published port or network of the project, or all
 *     of nsnet's rules missing: fw_drift; apply then rebuilds the rules from the records after
 *     its operation, the way `nsnet gc` does (a "~ rules" line; core/apply.c).
 * A missing bridge or namespace is found by the diff itself (apply_plan.c): it is made again.
 * Each finding kept is a "!" line with check's own sentence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apply.h"

static const char *const ns_kinds[] = { "veth-missing", "veth-unbridged", "veth-misplaced", "iface-missing",
					"address-missing", NULL };
static const char *const fw_kinds[] = { "chain-missing", "element-missing", "rules-missing", "table-missing", NULL };

static bool kind_in(const char *kind, const char *const *kinds)
{
	for (size_t i = 0; kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

/* Is the firewall finding's object (TYPE/NAME) one of @project's? Whole-ruleset findings: any object. */
static bool fw_object_mine(const struct apply_diff *d, const char *obj, const char *project)
{
	unsigned long id = 0;
	bool any = false;

	if (!strncmp(obj, "vip/", 4) || !strncmp(obj, "port/", 5))
		id = strtoul(strchr(obj, '/') + 1, NULL, 10);
	for (int k = 0; k < d->n_vips; k++) {
		any |= !strcmp(d->vips[k].project, project);
		if (!strncmp(obj, "vip/", 4) && d->vips[k].id == id)
			return !strcmp(d->vips[k].project, project);
	}
	for (int k = 0; k < d->n_ports; k++) {
		any |= !strcmp(d->ports[k].project, project);
		if (!strncmp(obj, "port/", 5) && d->ports[k].id == id)
			return !strcmp(d->ports[k].project, project);
	}
	for (int k = 0; k < d->n_nets; k++) {
		any |= !strcmp(d->nets[k].project, project);
		if (!strncmp(obj, "network/", 8) && !strcmp(d->nets[k].name, obj + 8))
			return !strcmp(d->nets[k].project, project);
	}
	return !strncmp(obj, "rules/", 6) || !strncmp(obj, "table/", 6) ? any : false;
}

/* The file attachments of @f a finding's sentence names (" of its NET attachment"), else all. */
static uint32_t drift_atts(const struct topo_ns *f, const char *msg)
{
	const char *p = strstr(msg, " of its ");
	uint32_t m = 0;

	for (size_t a = 0; p && a < f->n_att; a++) {
		size_t len = strlen(f->att[a].net);

		if (!strncmp(p + 8, f->att[a].net, len) && !strncmp(p + 8 + len, " attachment", 11))
			m |= 1u << a;
	}
	return m ? m : (1u << f->n_att) - 1;
}

int apply_drift_find(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		     struct nsnet_err *err)
{
	struct nsnet_findings fs = { 0 };
	int r;

	res->fw_repair = false;
	if ((r = check_op(op, &fs, err)) < 0)
		goto out;
	r = 0;
	for (size_t i = 0; i < fs.n && r == 0; i++) {
		const struct nsnet_finding *f = &fs.v[i];

		if (kind_in(f->kind, ns_kinds) && !strncmp(f->object, "namespace/", 10)) {
			const char *name = f->object + 10;

			for (size_t k = 0; k < t->n_ns; k++)
				if (!t->ns[k].external && !strcmp(t->ns[k].name, name)) {
					size_t pre = strlen(name) + 12;	/* "namespace NAME: " of check's sentence */

					d->ns_drift[k] |= drift_atts(&t->ns[k], f->message);
					r = apply_line_add(res, APPLY_DRIFT, "namespace", name, "%s",
							   strlen(f->message) > pre + 4 ? f->message + pre : f->message);
				}
		} else if (kind_in(f->kind, fw_kinds) && fw_object_mine(d, f->object, t->project)) {
			d->fw_drift = true;
			r = apply_line_add(res, APPLY_DRIFT, "rules", f->object, "%s", f->message);
		}
	}
	if (r == 0 && d->fw_drift) {
		res->fw_repair = true;
		r = apply_line_add(res, APPLY_CHANGE, "rules", op->fw->name, "rebuilt from the records (drift)");
	}
	if (r < 0)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
out:
	findings_free(&fs);
	return r;
}
