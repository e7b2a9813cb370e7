// SPDX-License-Identifier: MIT
// nsnet's entry point: global options, then a table of subcommands (which also makes the help).
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli/cli.h"
#include "firewall/fw.h"
#include "cni/cni.h"

static int cmd_explain(struct cli *c, int argc, char **argv);

/*
 * The top-level commands: the dispatch table and, in this order, the "Commands:" part of
 * `nsnet --help` (one line each: name and summary); `nsnet COMMAND --help` shows the arguments.
 */
static const struct cli_cmd commands[] = {
	{ "network", cmd_network, "create|rm|ls: bridge networks with a subnet, gateway, NAT and isolation" },
	{ "ns", cmd_ns, "add|rm|ls: persistent namespaces (seen by `ip netns`), attached to networks" },
	{ "attach", cmd_attach, "NS NET: attach a namespace (also one nsnet did not create) to a network" },
	{ "detach", cmd_detach, "NS NET: undo an attachment" },
	{ "exec", cmd_exec, "NS -- CMD...: run CMD inside NS with its resolv.conf, like `ip netns exec`" },
	{ "vip", cmd_vip, "add|set|rm|ls: virtual IPs load-balanced over backends (Kubernetes Service style)" },
	{ "publish", cmd_publish, "NS [IP:]HP:P: forward a host port to a namespace (Docker -p style); publish ls" },
	{ "unpublish", cmd_unpublish, "NS [IP:]HP: stop forwarding it" },
	{ "limit", cmd_limit, "NS NET: change an attachment's bandwidth limits (--rate-in/--rate-out)" },
	{ "ls", cmd_ls, "networks, namespaces, addresses, VIPs, ports, pools" },
	{ "gc", cmd_gc, "remove leftovers of interrupted operations" },
	{ "check", cmd_check, "list every difference between records and kernel (exit 1 if any)" },
	{ "doctor", cmd_doctor, "check the host for what would break nsnet, and what to do" },
	{ "trace", cmd_trace, "SRC DST[:PORT][/PROTO]: send one probe and show every hop and verdict on its path" },
	{ "graph", cmd_graph, "draw networks, namespaces, VIPs and published ports (dot, svg, mermaid)" },
	{ "apply", cmd_apply, "FILE: make a whole lab of a topology file exist, in one operation" },
	{ "plan", cmd_plan, "FILE: what apply FILE would do (exit 0: nothing, 2: changes)" },
	{ "down", cmd_down, "FILE | --project NAME: remove every object of a project" },
	{ "export", cmd_export, "[--project NAME]: print the objects as a topology file" },
	{ "explain", cmd_explain, "COMMAND...: same as --dry-run COMMAND..." },
	{ "agent", cmd_agent, "serve this host's overlay networks (VXLAN over etcd) in the foreground" },
	{ NULL, NULL, NULL },
};

static const char help_head[] =
	"usage: nsnet [GLOBAL OPTIONS] COMMAND [ARGS]...\n"
	"\n"
	"Container networking from the command line: network namespaces, bridges, veth pairs,\n"
	"addresses, routes, NAT and DNS, created and removed as one unit.\n"
	"\n"
	"Commands:\n";

static const char help_tail[] =
	"\n"
	"Global options (accepted anywhere before `--`):\n"
	"  --state-dir DIR        where nsnet keeps its records (env NSNET_STATE_DIR, default /run/nsnet)\n"
	"  --backend nft|iptables firewall backend (env NSNET_BACKEND; default nft). Recorded in the\n"
	"                         state dir; switching is refused while networks or services exist\n"
	"  --wait SECONDS         wait at most this long for another nsnet's lock (env NSNET_WAIT; default 30)\n"
	"  --dry-run              apply nothing; print the equivalent ip/sysctl/nft|iptables commands\n"
	"  -v, --verbose          print each step's command on stderr as it is applied (env NSNET_VERBOSE=N)\n"
	"  -vv                    the same, with the time of each step\n"
	"  --version              print the version\n"
	"  -h, --help             this help; `nsnet COMMAND --help` for a command's\n"
	"\n"
	"Exit status: 0 success, 1 failure (one line on stderr says why), 2 usage error.\n"
	"\n"
	"Run with no arguments and CNI_COMMAND set, nsnet is a CNI plugin (\"type\": \"nsnet\";\n"
	"spec 0.3.0-1.1.0, see docs/cni.md).\n";

/* `nsnet --help`: the head, one line per entry of commands[], the global options. */
static const char *main_help(void)
{
	static char help[4096];
	size_t n;

	if (help[0])
		return help;
	n = (size_t)snprintf(help, sizeof(help), "%s", help_head);
	for (const struct cli_cmd *cmd = commands; cmd->name && n < sizeof(help); cmd++)
		n += (size_t)snprintf(help + n, sizeof(help) - n, "  %-10s %s\n", cmd->name, cmd->summary);
	if (n < sizeof(help))
		snprintf(help + n, sizeof(help) - n, "%s", help_tail);
	return help;
}

static int cmd_explain(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		printf("usage: nsnet explain COMMAND [ARGS]...\n\n"
		       "Print the commands (ip, sysctl, nft or iptables) that COMMAND would run, in order, and apply\n"
		       "nothing. Same as `nsnet --dry-run COMMAND ...`.\n");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c->opts.dry_run = true;
	return cli_dispatch(c, NULL, commands, main_help(), argc - 1, argv + 1);
}

/*
 * The library's output sinks (struct nsnet_opts). A step's command: the plan itself on stdout
 * under --dry-run; the trace on stderr with -v ("+ "), with -vv timed. A CNI plugin run gets the
 * same, its stderr being the runtime's log.
 */
static void main_echo(void *ctx, const char *line, double ms)
{
	const struct nsnet_opts *o = ctx;

	if (o->dry_run)
		fprintf(stdout, "%s\n", line);
	else if (o->verbose >= 2)
		fprintf(stderr, "+ [%7.3f ms] %s\n", ms, line);
	else
		fprintf(stderr, "+ %s\n", line);
}

/* Notices and warnings (a journal refused, a nameserver skipped): stderr. */
static void main_note(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "nsnet: %s\n", msg);
}

/* -v, -vv, -vvv, ...: the number of v's; 0 when @a is not such a flag. */
static int main_verbosity(const char *a)
{
	size_t n;

	if (a[0] != '-' || a[1] != 'v')
		return 0;
	n = strspn(a + 1, "v");
	return a[1 + n] ? 0 : (int)n;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, r;
	bool rest = false;

	if (!args)
		return EXIT_FAIL;
	/*
	 * jansson seeds its hash tables (against collisions chosen by whoever wrote the JSON) from
	 * /dev/urandom at the first object: open, read, close. One getrandom() gives the same.
	 */
	{
		size_t seed = 0;

		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
			json_object_seed(seed);
	}
	c.opts.state_dir = getenv("NSNET_STATE_DIR");
	if (!c.opts.state_dir || !*c.opts.state_dir)
		c.opts.state_dir = NSNET_STATE_DIR_DEFAULT;
	/* NSNET_VERBOSE=N: -v for runs without arguments (a CNI plugin's steps, in the runtime's log). */
	if (getenv("NSNET_VERBOSE"))
		c.opts.verbose = atoi(getenv("NSNET_VERBOSE"));
	c.opts.echo = main_echo;
	c.opts.note = main_note;
	c.opts.sink_ctx = &c.opts;
	c.opts.backend = getenv("NSNET_BACKEND");
	if (c.opts.backend && !*c.opts.backend)
		c.opts.backend = NULL;
	/* A runtime runs CNI plugins without arguments, the request in CNI_* variables and stdin. */
	if (argc == 1 && getenv("CNI_COMMAND")) {
		free(args);
		return cni_main(&c.opts);
	}
	/*
	 * Hidden: links deleted in a process of their own (core/op.c, op_links_del_later: a CNI
	 * DEL's veth, the bridges an apply or down parked), as NAME IFINDEX ALIAS triples.
	 */
	if (argc >= 5 && (argc - 2) % 3 == 0 && !strcmp(argv[1], "__link-del")) {
		int failed = 0;

		free(args);
		for (int i = 2; i + 2 < argc; i += 3)
			failed |= core_link_del_going(argv[i], argv[i + 1], argv[i + 2]) < 0;
		return failed ? EXIT_FAIL : EXIT_OK;
	}
	/* Hidden: the shell completion's helper (completion/nsnet.bash), before any option is read. */
	if (argc > 1 && !strcmp(argv[1], "__complete")) {
		free(args);
		return cli_complete(commands, main_help(), argc - 2, argv + 2);
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
		} else if (main_verbosity(a) || !strcmp(a, "--verbose")) {
			c.opts.verbose += main_verbosity(a) ? main_verbosity(a) : 1;
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
		if (!fw_backend_find(c.opts.backend)) {
			cli_usage_error(&c, "backend %s: expected nft or iptables", c.opts.backend);
			free(args);
			return EXIT_USAGE;
		}
	}
	if (n == 0) {
		fputs(main_help(), stderr);
		free(args);
		return EXIT_USAGE;
	}
	r = cli_dispatch(&c, NULL, commands, main_help(), n, args);
	free(args);
	return r;
}
