/* SPDX-License-Identifier: MIT */
/* The command-line layer: subcommands, argument helpers, output. No kernel calls here. */
#ifndef NSNET_CLI_CLI_H
#define NSNET_CLI_CLI_H

#include <stdbool.h>

#include "core/core.h"
#include "core/limit.h"

/* The release; `make VERSION=...` (the Debian package: its version) overrides it. */
#ifndef NSNET_VERSION
#define NSNET_VERSION "0.1.0"
#endif

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cli {
	struct nsnet_opts opts;
	const char *cmd;	/* "network create", for messages */
};

/* One subcommand of a dispatch table (cli_dispatch); a table ends with an all-NULL entry. */
struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;	/* one line; the top-level table's make the list in `nsnet --help` */
};

/* Print "nsnet: <msg>" and return EXIT_USAGE; the message names the bad value. */
int cli_usage_error(struct cli *c, const char *fmt, ...) NSNET_PRINTF(2, 3);
/* Print "nsnet: <err->msg>" and return EXIT_FAIL. */
int cli_fail(const struct nsnet_err *err);
/* Is @arg -h or --help? */
bool cli_is_help(const char *arg);
/*
 * If argv[*i] is option @name ("--subnet"), store its value ("--subnet X" or "--subnet=X") in
 * *val, advance *i past it and return 1; return 0 when it is another argument; -1 (after printing
 * a usage error) when the value is missing.
 */
int cli_opt_value(struct cli *c, int argc, char **argv, int *i, const char *name, const char **val);
/*
 * --wait SECONDS / NSNET_WAIT (@what): how long to wait for the state dir's lock. Returns 0, or -1
 * after printing a usage error.
 */
int cli_wait_set(struct cli *c, const char *what, const char *val);
/* Dispatch argv[0] among @cmds (NULL-terminated); prints the group's help for -h or nothing. */
int cli_dispatch(struct cli *c, const char *group, const struct cli_cmd *cmds, const char *help,
		 int argc, char **argv);

int cmd_network(struct cli *c, int argc, char **argv);
/* Overlay networks (cli/cmd_overlay.c): `nsnet agent`, and network create's --driver vxlan
 * options: 1 when argv[*i] was one (into @o), 0 when not, -EXIT_USAGE after printing. */
int cmd_agent(struct cli *c, int argc, char **argv);
struct overlay_req;
int cli_overlay_opt(struct cli *c, int argc, char **argv, int *i, struct overlay_req *o);
int cmd_ns(struct cli *c, int argc, char **argv);
int cmd_attach(struct cli *c, int argc, char **argv);
int cmd_detach(struct cli *c, int argc, char **argv);
int cmd_exec(struct cli *c, int argc, char **argv);
int cmd_ls(struct cli *c, int argc, char **argv);
int cmd_gc(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_doctor(struct cli *c, int argc, char **argv);
int cmd_vip(struct cli *c, int argc, char **argv);
int cmd_publish(struct cli *c, int argc, char **argv);
int cmd_unpublish(struct cli *c, int argc, char **argv);
int cmd_limit(struct cli *c, int argc, char **argv);

/*
 * --rate-in/--rate-out/--burst (cli/cmd_ns.c): if argv[*i] is one, parse its value into @l and
 * return 1; 0 when it is another argument; -1 after printing a usage error. cli_limit_take() turns
 * what ns add or attach collected into an attachment's limits (0, or EXIT_USAGE after printing).
 */
int cli_limit_opt(struct cli *c, int argc, char **argv, int *i, struct limit_req *l);
int cli_limit_take(struct cli *c, const struct limit_req *l, struct nsnet_limit *out);

/*
 * `nsnet __complete WORD... CUR` (hidden): print the completions of CUR after WORDs (the words
 * after "nsnet"), one per line, read from @cmds and the commands' help (@help: the top-level one).
 * ":dirs" asks the shell for directories, ":command K" to complete a command line from word K.
 */
int cli_complete(const struct cli_cmd *cmds, const char *help, int argc, char **argv);
int cmd_trace(struct cli *c, int argc, char **argv);
int cmd_graph(struct cli *c, int argc, char **argv);
int cmd_apply(struct cli *c, int argc, char **argv);
int cmd_plan(struct cli *c, int argc, char **argv);
int cmd_down(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);

/* Shared by ns add and attach: parse "NET[:IP[,IP6]]" into @req. Returns 0 or EXIT_USAGE. */
int cli_parse_net_arg(struct cli *c, const char *arg, struct attach_req *req);
/* Parse one address for @what ("--ip", "--dns"). Returns 0 or EXIT_USAGE. */
int cli_parse_addr(struct cli *c, const char *what, const char *s, struct nsnet_addr *out);

/* A value's error: -EINVAL (malformed) is a usage error (2), anything else a refusal (1). */
int cli_value_fail(struct cli *c, int r, const struct nsnet_err *err);
/* names_check / names_check_ifname as usage errors (2) naming the value; 0 when fine. */
int cli_check_name(struct cli *c, const char *what, const char *name);
int cli_check_ifname(struct cli *c, const char *what, const char *ifname);
/* A --dns address that cannot be a nameserver (unspecified, multicast, broadcast, ...): 1; else 0. */
int cli_check_dns(struct cli *c, const struct nsnet_addr *a, const char *val);

/*
 * The "rm NAME [--force]" commands (network rm, ns rm): parse, check the name of kind @what
 * ("network"), then call @rm. Returns an exit status; prints @help for -h.
 */
int cli_rm(struct cli *c, int argc, char **argv, const char *help, const char *what,
	   int (*rm)(const struct nsnet_opts *, const char *, bool, struct nsnet_err *));
/*
 * The `ls [--json]` commands: query everything, then print member @key of the result (NULL: all
 * of it) as JSON or through @print. Returns an exit status.
 */
int cli_ls(struct cli *c, int argc, char **argv, const char *help, const char *key,
	   void (*print)(const json_t *));

/* Output of `ls`-style commands from core_query()'s JSON. */
void cli_print_json(const json_t *j);
void cli_print_networks(const json_t *nets);
void cli_print_namespaces(const json_t *nss);
void cli_print_tree(const json_t *root);
void cli_print_vips(const json_t *vips);
void cli_print_ports(const json_t *ports);

/*
 * A finding of gc, check or doctor as people read it: "PREFIX: message", its fix after it, line
 * breaks indented under the first line. @prefix ("gc", "check"; NULL: the finding's level). Fits
 * nsnet_findings.added.
 */
void cli_print_finding(const struct nsnet_finding *f, void *prefix);
/*
 * {"findings": [{"kind", "object", "message"} (@doctor: also "level" and "fix")...], "ok": @ok} on
 * stdout, plus "error": @error when set. Returns 0, or -1 when out of memory (nothing printed).
 */
int cli_print_findings_json(const struct nsnet_findings *fs, bool ok, bool doctor, const char *error);

#endif
