// SPDX-License-Identifier: MIT
// Argument helpers and error printing shared by the subcommands.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "state/store.h"

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[NSNET_ERR_MSG_MAX];
	va_list ap;

	fputs("nsnet: ", stderr);
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd);
	/* The values in a usage message come from the command line: escaped and cut like any error's. */
	va_start(ap, fmt);
	nsnet_vfmt_safe(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs(msg, stderr);
	if (c && c->cmd)
		fprintf(stderr, " (see 'nsnet %s --help')", c->cmd);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_fail(const struct nsnet_err *err)
{
	char msg[NSNET_ERR_MSG_MAX];

	/* Already safe when nsnet_err_set() wrote it; escaping again costs nothing and covers the rest. */
	nsnet_str_safe(msg, sizeof(msg), err->msg[0] ? err->msg : "failed", SIZE_MAX, SIZE_MAX);
	fprintf(stderr, "nsnet: %s\n", msg);
	return EXIT_FAIL;
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_opt_value(struct cli *c, int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t len = strlen(name);

	if (strncmp(a, name, len))
		return 0;
	if (a[len] == '=') {
		*val = a + len + 1;
		return 1;
	}
	if (a[len])
		return 0;
	if (*i + 1 >= argc) {
		cli_usage_error(c, "option %s needs a value", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int cli_dispatch(struct cli *c, const char *group, const struct cli_cmd *cmds, const char *help,
		 int argc, char **argv)
{
	static char cmdname[64];

	if (argc < 1 || cli_is_help(argv[0])) {
		fputs(help, argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	for (const struct cli_cmd *cmd = cmds; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[0]))
			continue;
		snprintf(cmdname, sizeof(cmdname), "%s%s%s", group ? group : "", group ? " " : "", cmd->name);
		c->cmd = cmdname;
		return cmd->fn(c, argc, argv);
	}
	c->cmd = group;
	return cli_usage_error(c, "unknown command '%s'", argv[0]);
}

int cli_parse_addr(struct cli *c, const char *what, const char *s, struct nsnet_addr *out)
{
	struct nsnet_err err = { 0 };

	if (nsnet_addr_parse(s, out, &err) < 0)
		return cli_usage_error(c, "%s %s: %.1023s", what, s, err.msg);
	return 0;
}

int cli_value_fail(struct cli *c, int r, const struct nsnet_err *err)
{
	return r == -EINVAL ? cli_usage_error(c, "%.1023s", err->msg) : cli_fail(err);
}

int cli_check_name(struct cli *c, const char *what, const char *name)
{
	struct nsnet_err err = { 0 };

	if (names_check(what, name, &err) < 0)
		return cli_usage_error(c, "%.1023s", err.msg);
	return 0;
}

int cli_check_ifname(struct cli *c, const char *what, const char *ifname)
{
	struct nsnet_err err = { 0 };

	if (names_check_ifname(ifname, &err) < 0)
		return cli_usage_error(c, "%s: %.1023s", what, err.msg);
	return 0;
}

int cli_check_dns(struct cli *c, const struct nsnet_addr *a, const char *val)
{
	const char *kind = nsnet_addr_special(a);
	struct nsnet_err err;

	(void)c;
	/* A nameserver inside the namespace (loopback) or on its link (link-local) can answer; these cannot. */
	if (!kind || !strcmp(kind, "loopback") || !strcmp(kind, "link-local"))
		return 0;
	nsnet_err_set(&err, EADDRNOTAVAIL, "--dns %s: %s is %s: a nameserver needs a unicast address", val, val, kind);
	return cli_fail(&err);
}

int cli_parse_net_arg(struct cli *c, const char *arg, struct attach_req *req)
{
	static char nets[NSNET_MAX_ATTACH * 2][NSNET_NAME_MAX + 1];
	static int next;
	const char *colon = strchr(arg, ':');
	char ips[128];
	char *tok, *save;
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	memset(req, 0, sizeof(*req));
	if (len == 0 || len > NSNET_NAME_MAX)
		return cli_usage_error(c, "--net %s: expected NET[:IP[,IP6]]", arg);
	{
		char name[NSNET_NAME_MAX + 1];
		struct nsnet_err err = { 0 };

		snprintf(name, sizeof(name), "%.*s", (int)len, arg);
		if (names_check("network", name, &err) < 0)
			return cli_usage_error(c, "--net %s: %.1023s", arg, err.msg);
	}
	/* The request points into storage that lives as long as the process. */
	snprintf(nets[next % (NSNET_MAX_ATTACH * 2)], NSNET_NAME_MAX + 1, "%.*s", (int)len, arg);
	req->net = nets[next++ % (NSNET_MAX_ATTACH * 2)];
	if (!colon)
		return 0;
	if (strlen(colon + 1) >= sizeof(ips) || !colon[1])
		return cli_usage_error(c, "--net %s: expected NET[:IP[,IP6]]", arg);
	snprintf(ips, sizeof(ips), "%s", colon + 1);
	/* strtok_r would skip empty fields: "lan:," or "lan:10.0.0.5," would pass as fewer addresses. */
	if (ips[0] == ',' || ips[strlen(ips) - 1] == ',' || strstr(ips, ",,"))
		return cli_usage_error(c, "--net %s: an empty address (expected NET[:IP[,IP6]])", arg);
	for (tok = strtok_r(ips, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (req->n_ips == NSNET_MAX_SUBNETS)
			return cli_usage_error(c, "--net %s: at most one IPv4 and one IPv6 address", arg);
		if (cli_parse_addr(c, "address", tok, &req->ip[req->n_ips++]))
			return EXIT_USAGE;
	}
	return 0;
}

int cli_rm(struct cli *c, int argc, char **argv, const char *help, const char *what,
	   int (*rm)(const struct nsnet_opts *, const char *, bool, struct nsnet_err *))
{
	struct nsnet_err err = { 0 };
	const char *name = NULL;
	bool force = false;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) {
			force = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(c, "unknown option '%s'", argv[i]);
		} else if (!name) {
			name = argv[i];
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!name)
		return cli_usage_error(c, "missing %s NAME", what);
	if (cli_check_name(c, what, name))
		return EXIT_USAGE;
	if (rm(&c->opts, name, force, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

int cli_ls(struct cli *c, int argc, char **argv, const char *help, const char *key,
	   void (*print)(const json_t *))
{
	struct nsnet_err err = { 0 };
	bool json = false;
	json_t *root;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	if (core_query(&c->opts, &root, &err) < 0)
		return cli_fail(&err);
	for (size_t i = 0; i < json_array_size(json_object_get(root, "broken")); i++) {
		char msg[512];

		nsnet_fmt_safe(msg, sizeof(msg), "%s", json_string_value(json_array_get(json_object_get(root, "broken"), i)));
		fprintf(stderr, "nsnet: warning: record %s cannot be read; not listed ('nsnet gc' moves it aside)\n", msg);
	}
	if (json)
		cli_print_json(key ? json_object_get(root, key) : root);
	else
		print(key ? json_object_get(root, key) : root);
	json_decref(root);
	return EXIT_OK;
}

int cli_wait_set(struct cli *c, const char *what, const char *val)
{
	struct nsnet_err err = { 0 };
	unsigned int sec;

	if (state_wait_parse(val, &sec, &err) < 0) {
		cli_usage_error(c, "%s %s: expected seconds from 0 to %d", what, val, STATE_WAIT_MAX);
		return -1;
	}
	state_lock_wait_set(sec);
	return 0;
}
