/* SPDX-License-Identifier: MIT */
/* Declarative topologies: plan, apply, down and export of a project's objects as one operation. */
#ifndef NSNET_CORE_APPLY_H
#define NSNET_CORE_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "topology/topology.h"

/* What happens to one object; the symbol a plan line starts with. */
enum apply_act { APPLY_NONE, APPLY_CREATE, APPLY_CHANGE, APPLY_REPLACE, APPLY_REMOVE, APPLY_DRIFT };

struct apply_line {
	enum apply_act act;
	const char *kind;		/* static: "network", "namespace", "vip", "port" */
	char name[NSNET_KEY_MAX + NSNET_NAME_MAX];
	char detail[400];
};

/* The lines of a plan (or of what an apply or down did), in the order they are (were) carried out. */
struct apply_result {
	char project[NSNET_NAME_MAX + 1];
	struct apply_line *v;
	size_t n, cap;
	size_t changes;			/* lines other than drift */
	bool fw_repair;			/* rules of the project are missing: apply rebuilds them (gc) */
};

/* "+", "~", "-/+", "-", "!" */
const char *apply_symbol(enum apply_act act);
void apply_result_free(struct apply_result *res);

/*
 * What `nsnet apply` of @t would do, without doing it. Refusals that need the records
 * (ownership, an external object that does not exist, a port published by someone else) name
 * the file's LINE:COL. Returns the number of changes (0: nothing to do) or -errno.
 */
int core_apply_plan(const struct nsnet_opts *o, const struct topo *t, struct apply_result *res,
		    struct nsnet_err *err);
/*
 * Converge to @t in ONE operation: every step of every object under one undo journal, so a
 * failure (or a kill, through the journal) rolls all of it back. @force: a namespace to remove
 * may still run processes (they are killed). Returns the number of changes made or -errno.
 */
int core_apply(const struct nsnet_opts *o, const struct topo *t, bool force, struct apply_result *res,
	       struct nsnet_err *err);
/* Remove every object of @project, from the records, in one operation. Returns how many or -errno. */
int core_down(const struct nsnet_opts *o, const char *project, bool force, struct apply_result *res,
	      struct nsnet_err *err);
/*
 * The objects of @project (NULL: every object but CNI containers', as project "default") as a
 * topology. Returns 0 (@t filled: topo_free it) or -errno.
 */
int core_export(const struct nsnet_opts *o, const char *project, struct topo *t, struct nsnet_err *err);

/* Internal to core/apply*.c: the diff of a file against the records. */
struct apply_diff {
	const struct topo *t;
	struct nsnet_network *nets;
	struct nsnet_namespace *nss;
	struct nsnet_vip **vips;	/* svc_vips_load() */
	struct nsnet_port *ports;
	int n_nets, n_nss, n_vips, n_ports;
	/* Per object of the file: its action, its record's index (-1: none), whether it runs late. */
	enum apply_act *net_act, *ns_act, *vip_act, *port_act;
	int *net_rec, *ns_rec, *vip_rec, *port_rec;
	bool *ns_late, *vip_late, *port_late;
	uint32_t *ns_detach;		/* record attachments to detach (bit i: att[i]) */
	uint32_t *ns_attach;		/* file attachments to attach */
	uint32_t *ns_drift;		/* drifted: networks (bit i: file attachment i) to attach again */
	uint32_t *ns_limit;		/* file attachments kept whose bandwidth limits change (in place) */
	uint32_t *ns_alias;		/* file attachments kept whose aliases change (in place) */
	bool fw_drift;			/* rules of the project's objects are missing (check) */
	/* Per record: removed (of the project, not in the file). */
	bool *rnet_rm, *rns_rm, *rvip_rm, *rport_rm;
};

/* Load every network, namespace, VIP and port record into @d (apply_diff_free it). 0 or -errno. */
int apply_records_load(struct op *op, struct apply_diff *d, struct nsnet_err *err);
int apply_diff_build(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		     struct nsnet_err *err);
void apply_diff_free(struct apply_diff *d);
/* Drift core/check.c finds in the project's objects: sets ns_drift, fw_drift, adds "!" lines. */
int apply_drift_find(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		     struct nsnet_err *err);
int apply_line_add(struct apply_result *res, enum apply_act act, const char *kind, const char *name,
		   const char *fmt, ...) NSNET_PRINTF(5, 6);

#endif
