// SPDX-License-Identifier: MIT
// nsnet apply, plan, down, export: a whole lab from one topology file (docs/topology.md).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/apply.h"

static const char apply_help[] =
	"usage: nsnet apply FILE [--force]\n"
	"\n"
	"Make the objects of the topology FILE (YAML or JSON; `-` reads stdin) exist as written, in ONE\n"
	"operation: a failure, or a kill, leaves everything as before. Objects of the file's project\n"
	"that the file no longer has are removed; objects of others are never touched. Prints one\n"
	"line per change (as `nsnet plan`). --force: a namespace to remove may still run processes\n"
	"(they are killed). With --dry-run, prints the plan and applies nothing. See docs/topology.md.\n";

static const char plan_help[] =
	"usage: nsnet plan FILE [--json]\n"
	"\n"
	"What `nsnet apply FILE` would do, one line per object: `+` create, `~` change in place,\n"
	"`-/+` replace, `-` remove, `!` drift (an object of the project changed or missing in the\n"
	"kernel). Exit status 0: nothing to do, 2: changes, 1: error (also a malformed FILE).\n";

static const char down_help[] =
	"usage: nsnet down FILE [--force]\n"
	"       nsnet down --project NAME [--force]\n"
	"\n"
	"Remove every object of the project (FILE's `project:`), from the records: objects the file no\n"
	"longer lists go too. One operation. --force: kill processes still running in its namespaces.\n";

static const char export_help[] =
	"usage: nsnet export [--project NAME]\n"
	"\n"
	"Print the objects of project NAME as a topology file (without --project: every object but\n"
	"CNI containers', as project \"default\"). export, down, apply, export gives the same file.\n";

/* Read FILE ("-": stdin) whole into a NUL-terminated buffer. Returns it or NULL (message printed). */
static char *file_slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "nsnet: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *b = cap > TOPO_FILE_MAX + 8192 ? NULL : realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!b) {
				fprintf(stderr, "nsnet: %s: larger than %u bytes or out of memory\n", path, TOPO_FILE_MAX);
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0) {
			if (ferror(f)) {
				fprintf(stderr, "nsnet: %s: read error\n", path);
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Parse FILE into @t. Returns 0, or the exit status @bad after printing "nsnet: FILE:LINE:COL: ...". */
static int topo_load_file(const char *path, struct topo *t, int bad)
{
	struct nsnet_err err = { 0 };
	size_t len = 0;
	char *text = file_slurp(path, &len);
	int r;

	if (!text)
		return EXIT_FAIL;
	r = topo_parse(text, len, t, &err);
	free(text);
	if (r < 0) {
		fprintf(stderr, "nsnet: %s:%s\n", path, err.msg);
		return r == -ENOMEM ? EXIT_FAIL : bad;
	}
	return 0;
}

static void lines_print(const struct apply_result *res, FILE *out)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct apply_line *l = &res->v[i];

		if (l->act == APPLY_DRIFT)
			fprintf(out, "! %s %s: %s\n", l->kind, l->name, l->detail);
		else
			fprintf(out, "%s %s %s%s%s%s\n", apply_symbol(l->act), l->kind, l->name, l->detail[0] ? " (" : "",
				l->detail, l->detail[0] ? ")" : "");
	}
}

static int lines_json(const struct apply_result *res)
{
	json_t *a = json_array(), *root;

	for (size_t i = 0; a && i < res->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "action", apply_symbol(res->v[i].act),
						   "kind", res->v[i].kind, "name", res->v[i].name, "detail",
						   res->v[i].detail));
	root = json_pack("{s:s, s:i, s:o}", "project", res->project, "changes", (int)res->changes, "lines", a);
	if (!root)
		return -1;
	cli_print_json(root);
	json_decref(root);
	return 0;
}

/* FILE plus the flags each command takes; returns 0 or an exit status. */
static int args_parse(struct cli *c, int argc, char **argv, const char *help, const char **file, bool *force,
		      bool *json, const char **project)
{
	for (int i = 1; i < argc; i++) {
		int o;

		if (cli_is_help(argv[i])) {
			fputs(help, stdout);
			return -1;
		}
		if (force && !strcmp(argv[i], "--force"))
			*force = true;
		else if (json && !strcmp(argv[i], "--json"))
			*json = true;
		else if (project && (o = cli_opt_value(c, argc, argv, &i, "--project", project)) != 0) {
			if (o < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error(c, "unknown option %s", argv[i]);
		else if (!*file)
			*file = argv[i];
		else
			return cli_usage_error(c, "unexpected argument %s", argv[i]);
	}
	return 0;
}

/*
 * The FILE argument of plan and apply: parsed, required and loaded into @t. Returns 0, -1 (help
 * shown: exit 0) or the exit status (@bad for a file that cannot be read or parsed).
 */
static int file_arg(struct cli *c, int argc, char **argv, const char *help, bool *force, bool *json, int bad,
		    const char **file, struct topo *t)
{
	int r;

	if ((r = args_parse(c, argc, argv, help, file, force, json, NULL)) != 0)
		return r < 0 ? -1 : bad;
	if (!*file) {
		cli_usage_error(c, "expected FILE");
		return bad;
	}
	return topo_load_file(*file, t, bad);
}

/* An error of plan or apply: "FILE:LINE:COL: ..." when it names a place in the file, else @what's form. */
static void file_error(const char *file, const struct nsnet_err *err, const char *what)
{
	if (err->msg[0] >= '0' && err->msg[0] <= '9')
		fprintf(stderr, "nsnet: %s:%s\n", file, err->msg);
	else if (what)
		fprintf(stderr, "nsnet: %s %s: %s (nothing was changed)\n", what, file, err->msg);
	else
		cli_fail(err);
}

int cmd_plan(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct apply_result res = { 0 };
	const char *file = NULL;
	bool json = false;
	struct topo t;
	int r;

	/* Exit status 1 for every error: 2 says "changes" (terraform's -detailed-exitcode). */
	if ((r = file_arg(c, argc, argv, plan_help, NULL, &json, EXIT_FAIL, &file, &t)) != 0)
		return r < 0 ? EXIT_OK : r;
	r = core_apply_plan(&c->opts, &t, &res, &err);
	topo_free(&t);
	if (r < 0) {
		apply_result_free(&res);
		file_error(file, &err, NULL);
		return EXIT_FAIL;
	}
	if (json)
		lines_json(&res);
	else
		lines_print(&res, stdout);
	apply_result_free(&res);
	return r > 0 ? 2 : EXIT_OK;
}

int cmd_apply(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct apply_result res = { 0 };
	const char *file = NULL;
	bool force = false;
	struct topo t;
	int r;

	if ((r = file_arg(c, argc, argv, apply_help, &force, NULL, EXIT_USAGE, &file, &t)) != 0)
		return r < 0 ? EXIT_OK : r;
	/* A chained dry run cannot see the records its own earlier steps would write: show the plan. */
	if (c->opts.dry_run)
		r = core_apply_plan(&c->opts, &t, &res, &err);
	else
		r = core_apply(&c->opts, &t, force, &res, &err);
	topo_free(&t);
	if (r < 0) {
		apply_result_free(&res);
		file_error(file, &err, "apply");
		return EXIT_FAIL;
	}
	lines_print(&res, stdout);
	if (r == 0)
		printf("apply %s: nothing to do\n", res.project);
	else
		printf("apply %s: %d change%s%s\n", res.project, r, r == 1 ? "" : "s",
		       c->opts.dry_run ? " (dry run: nothing applied)" : "");
	apply_result_free(&res);
	return EXIT_OK;
}

int cmd_down(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct apply_result res = { 0 };
	const char *file = NULL, *project = NULL;
	char name[NSNET_NAME_MAX + 1];
	bool force = false;
	int r;

	if ((r = args_parse(c, argc, argv, down_help, &file, &force, NULL, &project)) != 0)
		return r < 0 ? EXIT_OK : r;
	if (!file == !project)
		return cli_usage_error(c, "expected FILE or --project NAME");
	if (file) {
		struct topo t;

		if ((r = topo_load_file(file, &t, EXIT_USAGE)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s", t.project);
		topo_free(&t);
		project = name;
	} else if ((r = cli_check_name(c, "project", project)) != 0) {
		return r;
	}
	if (c->opts.dry_run)
		return cli_usage_error(c, "down has no --dry-run; `nsnet export --project %s` shows what it removes",
				       project);
	r = core_down(&c->opts, project, force, &res, &err);
	if (r < 0) {
		apply_result_free(&res);
		fprintf(stderr, "nsnet: down %s: %s (nothing was changed)\n", project, err.msg);
		return EXIT_FAIL;
	}
	lines_print(&res, stdout);
	printf("down %s: %d object%s removed\n", project, r, r == 1 ? "" : "s");
	apply_result_free(&res);
	return EXIT_OK;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct strbuf out = { 0 };
	const char *file = NULL, *project = NULL;
	struct topo t;
	int r;

	if ((r = args_parse(c, argc, argv, export_help, &file, NULL, NULL, &project)) != 0)
		return r < 0 ? EXIT_OK : r;
	if (file)
		return cli_usage_error(c, "unexpected argument %s", file);
	if (project && (r = cli_check_name(c, "project", project)) != 0)
		return r;
	if ((r = core_export(&c->opts, project, &t, &err)) < 0)
		return cli_fail(&err);
	topo_render(&t, &out);
	topo_free(&t);
	if (out.oom) {
		strbuf_free(&out);
		fprintf(stderr, "nsnet: out of memory\n");
		return EXIT_FAIL;
	}
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&out);
	return EXIT_OK;
}
