// SPDX-License-Identifier: MIT
// nsnet exec, ls, gc, check, doctor
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kernel/netns.h"

static const char exec_help[] =
	"usage: nsnet exec NS -- CMD [ARG]...\n"
	"\n"
	"Run CMD inside namespace NS the way `ip netns exec` does: in NS's network namespace, with\n"
	"the files of /etc/netns/NS (its resolv.conf) over their /etc twins and NS's own /sys.\n"
	"CMD replaces nsnet, so its exit status is nsnet's and signals reach it directly.\n";

static const char ls_help[] =
	"usage: nsnet ls [--json]\n"
	"\n"
	"Show every network with its namespaces and their addresses as a tree, then namespaces\n"
	"attached to no network, virtual IPs, published ports and the address pools of nsnet as a\n"
	"CNI IPAM plugin. --json prints {\"backend\", \"networks\", \"namespaces\", \"vips\",\n"
	"\"ports\", \"pools\"} (docs/cli.md).\n";

/*
 * Files of /etc/netns/NS with no twin in /etc are not bound (there is nothing to cover): say so on
 * stderr, as `ip netns exec` does, and run the command anyway.
 */
static void exec_warn_unbound(const char *ns)
{
	char dir[PATH_MAX], dst[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if (names_check("namespace", ns, NULL) < 0)
		return;
	snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, ns);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char name[NSNET_ERR_MSG_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(dst, sizeof(dst), "/etc/%s", de->d_name);
		if (access(dst, F_OK) < 0 && errno == ENOENT) {
			nsnet_str_safe(name, sizeof(name), de->d_name, SIZE_MAX, NSNET_ERR_VALUE_MAX);
			fprintf(stderr, "nsnet: warning: %s/%s: no /etc/%s to bind it over, skipped\n", dir, name, name);
		}
	}
	closedir(d);
}

int cmd_exec(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	bool exec_failed;
	int first = 2;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(exec_help, stdout);
		return EXIT_OK;
	}
	if (argc > 2 && !strcmp(argv[2], "--"))
		first = 3;
	if (argc <= first)
		return cli_usage_error(c, "expected NS -- CMD [ARG]...");
	if (c->opts.dry_run) {
		printf("ip netns exec %s", argv[1]);
		for (int i = first; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\n");
		return EXIT_OK;
	}
	exec_warn_unbound(argv[1]);
	core_exec(argv[1], argv + first, &exec_failed, &err);
	cli_fail(&err);
	if (!exec_failed)
		return EXIT_FAIL;
	return err.code == ENOENT ? 127 : 126;	/* as a shell reports a command it cannot run */
}

int cmd_ls(struct cli *c, int argc, char **argv)
{
	return cli_ls(c, argc, argv, ls_help, NULL, cli_print_tree);
}

static const char gc_help[] =
	"usage: nsnet gc [--json]\n"
	"\n"
	"Find and remove what interrupted operations left behind: records of namespaces that are\n"
	"gone, leases nobody holds, nsnet links (nv*, nsnet-*) no record owns, and firewall state\n"
	"that differs from the records (rebuilt in one transaction). A network's bridge deleted or\n"
	"set down by hand is made again with its ports, or set up. Prints one line per repair.\n"
	"--json prints {\"findings\": [{\"kind\", \"object\", \"message\"}...], \"ok\"} instead\n"
	"(docs/cli.md); it does not go with --dry-run, whose steps are text.\n";

static const char check_help[] =
	"usage: nsnet check [--json]\n"
	"\n"
	"Compare nsnet's records with the kernel: bridges, veth host ends and their bridge, leases,\n"
	"namespaces, firewall chains of networks, VIPs and published ports, leftover nsnet links,\n"
	"interrupted operations. Prints one line per difference; exit status 0 only when they agree\n"
	"(`nsnet gc` repairs what it can). --json prints {\"findings\": [{\"kind\", \"object\",\n"
	"\"message\"}...], \"ok\"} instead (docs/cli.md), with the same exit status.\n";

static const char doctor_help[] =
	"usage: nsnet doctor [--json]\n"
	"\n"
	"Check what this host offers and what would break nsnet: nftables and iptables usable, other\n"
	"tables dropping forwarded traffic (such as Docker's FORWARD policy), IP forwarding,\n"
	"br_netfilter, routes that overlap a network's subnet. Each finding says what to do. Exit status\n"
	"0 only when nothing blocks. --json prints {\"findings\": [{\"kind\", \"level\", \"object\",\n"
	"\"message\", \"fix\"}...], \"ok\"} instead (docs/cli.md), with the same exit status.\n";

/*
 * "[--json]" argument lists of gc, check and doctor. Returns -1 to go on (*json set), or an exit
 * status: EXIT_OK after printing @help, EXIT_USAGE.
 */
static int findings_args(struct cli *c, int argc, char **argv, const char *help, bool *json)
{
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			*json = true;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	return -1;
}

/*
 * Run gc, check or doctor (@run) and show what it found: each finding as it comes, after @prefix
 * (NULL: its level), or all of them as JSON at the end, with "ok" true when it found nothing
 * (@repairs: gc, whose findings are repairs made, is ok whenever it succeeds). Returns what @run
 * returned, or -errno after printing the failure (which --json also reports on stdout).
 */
static int findings_run(struct cli *c, bool json, const char *prefix, bool doctor, bool repairs,
			int (*run)(const struct nsnet_opts *, struct nsnet_findings *, struct nsnet_err *))
{
	struct nsnet_findings fs = { .added = json ? NULL : cli_print_finding, .data = (void *)prefix };
	struct nsnet_err err = { 0 };
	int r = run(&c->opts, &fs, &err);

	if (json && cli_print_findings_json(&fs, r == 0 || (r > 0 && repairs), doctor, r < 0 ? err.msg : NULL) < 0 &&
	    r >= 0)
		r = nsnet_err_set(&err, ENOMEM, "out of memory printing JSON");
	if (r < 0)
		cli_fail(&err);
	findings_free(&fs);
	return r;
}

int cmd_gc(struct cli *c, int argc, char **argv)
{
	bool json;
	int r;

	if ((r = findings_args(c, argc, argv, gc_help, &json)) >= 0)
		return r;
	if (json && c->opts.dry_run)
		return cli_usage_error(c, "gc --json: not with --dry-run (the steps it would take are printed as text)");
	r = findings_run(c, json, "gc", false, true, core_gc);
	if (r == 0 && !json && !c->opts.dry_run)
		printf("gc: nothing to do\n");
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	bool json;
	int r;

	if ((r = findings_args(c, argc, argv, check_help, &json)) >= 0)
		return r;
	r = findings_run(c, json, "check", false, false, core_check);
	if (r == 0 && !json)
		printf("check: records and kernel agree\n");
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_doctor(struct cli *c, int argc, char **argv)
{
	bool json;
	int r;

	if ((r = findings_args(c, argc, argv, doctor_help, &json)) >= 0)
		return r;
	r = findings_run(c, json, NULL, true, false, core_doctor);
	if (r >= 0 && !json)
		printf("%s\n", r ? "doctor: something blocks nsnet (see above)" : "doctor: nothing blocks nsnet");
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}
