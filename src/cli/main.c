// SPDX-License-Identifier: MIT
// nsnet's entry point: global options, then a table of subcommands.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "firewall/fw.h"
#include "cni/cni.h"

static int cmd_explain(struct cli *c, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "network", cmd_network, "create, remove and list bridge networks" },
	{ "ns", cmd_ns, "add, remove and list network namespaces" },
	{ "attach", cmd_attach, "attach a namespace to a network" },
	{ "detach", cmd_detach, "detach a namespace from a network" },
	{ "exec", cmd_exec, "run a command inside a namespace" },
	{ "vip", cmd_vip, "virtual IPs with load-balanced backends" },
	{ "publish", cmd_publish, "forward a host port to a namespace" },
	{ "unpublish", cmd_unpublish, "stop forwarding a host port" },
	{ "ls", cmd_ls, "show networks, namespaces, addresses, VIPs, ports and pools" },
	{ "gc", cmd_gc, "remove leftovers of interrupted operations" },
	{ "check", cmd_check, "compare nsnet's records with the kernel" },
	{ "doctor", cmd_doctor, "check the host for what would break nsnet" },
	{ "explain", cmd_explain, "print the ip/sysctl/nft (or iptables) commands of an operation, apply nothing" },
	{ NULL, NULL, NULL },
};

static const char main_help[] =
	"usage: nsnet [GLOBAL OPTIONS] COMMAND [ARGS]...\n"
	"\n"
	"Container networking from the command line: network namespaces, bridges, veth pairs,\n"
	"addresses, routes, NAT and DNS, created and removed as one unit.\n"
	"\n"
	"Commands:\n"
	"  network create|rm|ls   bridge networks with a subnet, gateway, NAT and isolation\n"
	"  ns add|rm|ls           persistent namespaces (seen by `ip netns`), attached to networks\n"
	"  attach NS NET          attach a namespace (also one nsnet did not create) to a network\n"
	"  detach NS NET          undo an attachment\n"
	"  exec NS -- CMD...      run CMD inside NS with its resolv.conf, like `ip netns exec`\n"
	"  vip add|set|rm|ls      virtual IPs load-balanced over backends (Kubernetes Service style)\n"
	"  publish NS [IP:]HP:P   forward a host port to a namespace (Docker -p style); publish ls\n"
	"  unpublish NS [IP:]HP   stop forwarding it\n"
	"  ls                     networks, namespaces, addresses, VIPs, ports, pools\n"
	"  gc                     remove leftovers of interrupted operations\n"
	"  check                  list every difference between records and kernel (exit 1 if any)\n"
	"  doctor                 check the host for what would break nsnet, and what to do\n"
	"  explain COMMAND...     same as --dry-run COMMAND...\n"
	"\n"
	"Global options (accepted anywhere before `--`):\n"
	"  --state-dir DIR        where nsnet keeps its records (env NSNET_STATE_DIR, default /run/nsnet)\n"
	"  --backend nft|iptables firewall backend (env NSNET_BACKEND; default nft). Recorded in the\n"
	"                         state dir; switching is refused while networks or services exist\n"
	"  --dry-run              apply nothing; print the equivalent ip/sysctl/nft|iptables commands\n"
	"  -v, --verbose          print each step's command on stderr as it is applied (env NSNET_VERBOSE=N)\n"
	"  --version              print the version\n"
	"  -h, --help             this help; `nsnet COMMAND --help` for a command's\n"
	"\n"
	"Exit status: 0 success, 1 failure (one line on stderr says why), 2 usage error.\n"
	"\n"
	"Run with no arguments and CNI_COMMAND set, nsnet is a CNI plugin (\"type\": \"nsnet\";\n"
	"spec 0.3.0-1.1.0, see docs/cni.md).\n";

static int cmd_explain(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		printf("usage: nsnet explain COMMAND [ARGS]...\n\n"
		       "Print the commands (ip, sysctl, nft or iptables) that COMMAND would run, in order, and apply\n"
		       "nothing. Same as `nsnet --dry-run COMMAND ...`.\n");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c->opts.dry_run = true;
	return cli_dispatch(c, NULL, commands, main_help, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, r;
	bool rest = false;

	if (!args)
		return EXIT_FAIL;
	c.opts.state_dir = getenv("NSNET_STATE_DIR");
	if (!c.opts.state_dir || !*c.opts.state_dir)
		c.opts.state_dir = NSNET_STATE_DIR_DEFAULT;
	/* NSNET_VERBOSE=N: -v for runs without arguments (a CNI plugin's steps, in the runtime's log). */
	if (getenv("NSNET_VERBOSE"))
		c.opts.verbose = atoi(getenv("NSNET_VERBOSE"));
	c.opts.backend = getenv("NSNET_BACKEND");
	if (c.opts.backend && !*c.opts.backend)
		c.opts.backend = NULL;
	/* A runtime runs CNI plugins without arguments, the request in CNI_* variables and stdin. */
	if (argc == 1 && getenv("CNI_COMMAND")) {
		free(args);
		return cni_main(&c.opts);
	}
	if (getenv("NSNET_WAIT") && cli_wait_set(&c, "NSNET_WAIT", getenv("NSNET_WAIT")) < 0) {
		free(args);
		return EXIT_USAGE;
	}
	/* Global options may stand anywhere before "--"; everything else keeps its order. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;

		/* After `exec NS` everything belongs to the command, "--" or not. */
		if (n >= 2 && !strcmp(args[0], "exec"))
			rest = true;
		if (rest || !strcmp(a, "--")) {
			rest = true;
			args[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--dry-run")) {
			c.opts.dry_run = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			c.opts.verbose++;
		} else if (!strcmp(a, "--version")) {
			printf("nsnet %s\n", NSNET_VERSION);
			free(args);
			return EXIT_OK;
		} else if ((r = cli_opt_value(&c, argc, argv, &i, "--state-dir", &val)) != 0) {
			if (r < 0) {
				free(args);
				return EXIT_USAGE;
			}
			c.opts.state_dir = val;
		} else if ((r = cli_opt_value(&c, argc, argv, &i, "--wait", &val)) != 0) {
			if (r < 0 || cli_wait_set(&c, "--wait", val) < 0) {
				free(args);
				return EXIT_USAGE;
			}
		} else if ((r = cli_opt_value(&c, argc, argv, &i, "--backend", &val)) != 0) {
			if (r < 0) {
				free(args);
				return EXIT_USAGE;
			}
			c.opts.backend = val;
		} else {
			args[n++] = argv[i];
		}
	}
	if (c.opts.backend) {
		enum fw_backend be;

		if (fw_backend_parse(c.opts.backend, &be) < 0) {
			cli_usage_error(&c, "backend %s: expected nft or iptables", c.opts.backend);
			free(args);
			return EXIT_USAGE;
		}
	}
	if (n == 0) {
		fputs(main_help, stderr);
		free(args);
		return EXIT_USAGE;
	}
	r = cli_dispatch(&c, NULL, commands, main_help, n, args);
	free(args);
	return r;
}
