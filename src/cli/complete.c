// SPDX-License-Identifier: MIT
// `nsnet __complete WORD... CUR`: the candidates for shell completion, read from the commands' own help.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "state/store.h"

/*
 * Nothing here knows nsnet's commands or options by name: they come from the top-level table and
 * from what `nsnet CMD [SUB] --help` prints (its synopsis lines "nsnet CMD SUB ARGS [--opt VALUE]",
 * a group's indented list under "usage: nsnet CMD COMMAND", and option lines "  --opt VALUE  text"),
 * so an option a command's help shows completes without a change here. What an argument holds
 * comes from its placeholder: NS a namespace, NET a network, VIP a virtual IP, NAME the group's
 * object, DIR a directory, CMD a command, a|b one of the words a and b.
 */

#define CPL_MAX 96	/* tokens of a synopsis, options of a help, names */

struct cpl_opt {
	char name[48];
	char value[64];	/* the value's placeholder ("CIDR", "nft|iptables"); "" for a flag */
};

struct cpl_help {
	char *text;
	char *syn[CPL_MAX][CPL_MAX];	/* synopsis lines, split into words after "nsnet" */
	int n_syn, syn_len[CPL_MAX];
	char *subs[CPL_MAX];		/* a group's sub-commands ("usage: nsnet CMD COMMAND") */
	int n_subs;
	struct cpl_opt opts[CPL_MAX];
	int n_opts;
};

struct cpl {
	const struct cli_cmd *cmds;
	const char *top_help;
	struct cli c;
	const char *cur;
};

/* The help @path (@n words) prints, read from a child that runs `nsnet PATH --help`. */
static char *cpl_help_text(struct cpl *k, char **path, int n)
{
	char *args[8], *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2], st;
	pid_t pid;

	if (n == 0)
		return strdup(k->top_help);
	if (n > 6 || pipe(fds) < 0)
		return NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0 || !freopen("/dev/null", "w", stderr))
			_exit(1);
		memcpy(args, path, (size_t)n * sizeof(*args));
		args[n] = "--help";
		args[n + 1] = NULL;
		cli_dispatch(&k->c, NULL, k->cmds, k->top_help, n + 1, args);
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r;

		if (len + 1024 > cap) {
			char *nb = realloc(buf, cap += 8192);

			if (!nb)
				break;
			buf = nb;
		}
		r = read(fds[0], buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* "[--net" -> "--net", "NET[:IP[,IP6]]]..." -> "NET[:IP[,IP6]]": a word without its brackets and "...". */
static void cpl_bare(const char *w, char *out, size_t size)
{
	size_t n;

	while (*w == '[')
		w++;
	snprintf(out, size, "%s", w);
	n = strlen(out);
	if (n >= 3 && !strcmp(out + n - 3, "..."))
		out[n -= 3] = '\0';
	/* Closing brackets that close the option group, not the value's own ("NET[:IP]"). */
	while (n > 0 && out[n - 1] == ']') {
		int depth = 0;

		for (size_t i = 0; i < n; i++)
			depth += out[i] == '[' ? 1 : out[i] == ']' ? -1 : 0;
		if (depth >= 0)
			break;
		out[--n] = '\0';
	}
}

static bool cpl_is_opt(const char *w)
{
	return w[0] == '-' && ((w[1] == '-' && w[2] >= 'a' && w[2] <= 'z') || (w[1] >= 'a' && w[1] <= 'z' && !w[2]));
}

static bool cpl_is_word(const char *w)
{
	if (!*w)
		return false;
	for (const char *p = w; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p == '-' && p != w)))
			return false;
	return true;
}

/* A value placeholder: an upper-case word (CIDR, NET[:IP]) or choices ("nft|iptables"). */
static bool cpl_is_value(const char *w)
{
	return (w[0] >= 'A' && w[0] <= 'Z') || (strchr(w, '|') && w[0] != '[' && w[0] != '-');
}

static void cpl_opt_add(struct cpl_help *h, const char *name, const char *value)
{
	for (int i = 0; i < h->n_opts; i++)
		if (!strcmp(h->opts[i].name, name)) {
			if (!h->opts[i].value[0] && value)
				snprintf(h->opts[i].value, sizeof(h->opts[i].value), "%s", value);
			return;
		}
	if (h->n_opts == CPL_MAX)
		return;
	snprintf(h->opts[h->n_opts].name, sizeof(h->opts[0].name), "%s", name);
	snprintf(h->opts[h->n_opts].value, sizeof(h->opts[0].value), "%s", value ? value : "");
	h->n_opts++;
}

/* Options of a synopsis: "[--subnet CIDR]" takes a value, "[--no-nat]" does not. */
static void cpl_syn_opts(struct cpl_help *h, char **w, int n)
{
	char bare[128], next[128];

	for (int i = 0; i < n; i++) {
		cpl_bare(w[i], bare, sizeof(bare));
		if (!cpl_is_opt(bare))
			continue;
		next[0] = '\0';
		if (!strchr(w[i], ']') && i + 1 < n && w[i + 1][0] != '[')
			cpl_bare(w[i + 1], next, sizeof(next));
		cpl_opt_add(h, bare, next[0] && cpl_is_value(next) ? next : NULL);
	}
}

/*
 * An option line "  -v, --verbose   text", "  --mtu N   text" or "  --vni N, --port N   text":
 * the words before two spaces, each option with the value placeholder after it, if any.
 */
static void cpl_opt_line(struct cpl_help *h, char *line)
{
	char *end = strstr(line, "  "), *save, *w, *last = NULL;

	if (end)
		*end = '\0';
	for (w = strtok_r(line, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
		if (cpl_is_opt(w)) {
			cpl_opt_add(h, w, NULL);
			last = w;
		} else if (last && cpl_is_value(w)) {
			cpl_opt_add(h, last, w);
			last = NULL;
		} else {
			break;
		}
	}
}

static void cpl_help_free(struct cpl_help *h)
{
	free(h->text);
	memset(h, 0, sizeof(*h));
}

/* Does synopsis @s of @h start with the @n words of @path? */
static bool cpl_syn_is(const struct cpl_help *h, int s, char *const *path, int n)
{
	if (h->syn_len[s] < n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(h->syn[s][i], path[i]))
			return false;
	return true;
}

/* Parse @path's help into @h. Returns 0, or -1 when there is none. */
static int cpl_help_load(struct cpl *k, char **path, int n, struct cpl_help *h)
{
	char *line, *save, *nl;
	bool usage = true, group = false;

	memset(h, 0, sizeof(*h));
	if (!(h->text = cpl_help_text(k, path, n)))
		return -1;
	for (line = h->text; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (!*line) {
			/* The usage block ends: a group's list of sub-commands may follow. */
			for (int s = 0; usage && s < h->n_syn; s++)
				if (cpl_syn_is(h, s, path, n) && h->syn_len[s] > n && !strcmp(h->syn[s][n], "COMMAND"))
					group = true;
			usage = false;
			continue;
		}
		/* A help may hold several usage blocks ("network create" has one per kind of network). */
		if (!strncmp(line, "usage:", 6))
			usage = true;
		if (usage) {
			char *p = line, *w;

			if (!strncmp(p, "usage:", 6))
				p += 6;
			p += strspn(p, " ");
			if (!strncmp(p, "nsnet ", 6) && h->n_syn < CPL_MAX) {
				h->syn_len[h->n_syn++] = 0;
				p += 6;
			}
			if (!h->n_syn)
				continue;
			for (w = strtok_r(p, " ", &save); w; w = strtok_r(NULL, " ", &save))
				if (h->syn_len[h->n_syn - 1] < CPL_MAX)
					h->syn[h->n_syn - 1][h->syn_len[h->n_syn - 1]++] = w;
			continue;
		}
		if (!strncmp(line, "  ", 2) && line[2] == '-') {
			cpl_opt_line(h, line + 2);
		} else if (group && !strncmp(line, "  ", 2) && line[2] != ' ' && h->n_subs < CPL_MAX) {
			char *w = strtok_r(line + 2, " ", &save);

			if (w && cpl_is_word(w))
				h->subs[h->n_subs++] = w;
		}
	}
	/* Sub-commands from synopses "nsnet PATH SUB ..." and options of this path's synopses. */
	for (int s = 0; s < h->n_syn; s++) {
		if (!cpl_syn_is(h, s, path, n))
			continue;
		if (h->syn_len[s] > n && cpl_is_word(h->syn[s][n])) {
			int d = 0;

			while (d < h->n_subs && strcmp(h->subs[d], h->syn[s][n]))
				d++;
			if (d == h->n_subs && h->n_subs < CPL_MAX)
				h->subs[h->n_subs++] = h->syn[s][n];
		}
		cpl_syn_opts(h, h->syn[s] + n, h->syn_len[s] - n);
	}
	return 0;
}

static const struct cpl_opt *cpl_opt_find(const struct cpl_help *h, const char *w)
{
	for (int i = 0; h && i < h->n_opts; i++)
		if (!strcmp(h->opts[i].name, w))
			return &h->opts[i];
	return NULL;
}

/*
 * The positional placeholders of @path's own synopsis (the one without a sub-command), in @out;
 * "--" stands for itself. Returns how many; *repeat: the last one repeats ("BACKEND...").
 */
static int cpl_positionals(const struct cpl_help *h, char *const *path, int n, char out[][64], int max,
			   bool *repeat)
{
	char bare[128];
	int count = 0;

	*repeat = false;
	for (int s = 0; s < h->n_syn; s++) {
		char *const *w = h->syn[s] + n;
		int len = h->syn_len[s] - n, depth = 0;

		if (!cpl_syn_is(h, s, path, n) || len <= 0 || cpl_is_word(w[0]))
			continue;
		for (int i = 0; i < len && count < max; i++) {
			bool skip = depth > 0 || !strncmp(w[i], "[-", 2);

			for (const char *p = w[i]; *p; p++)
				depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
			if (skip || (cpl_is_opt(w[i]))) {
				if (cpl_is_opt(w[i]) && i + 1 < len && cpl_is_value(w[i + 1]))
					i++;	/* "--subnet CIDR" */
				continue;
			}
			cpl_bare(w[i], bare, sizeof(bare));
			snprintf(out[count++], 64, "%s", bare);
			*repeat = strlen(w[i]) > 3 && !strcmp(w[i] + strlen(w[i]) - 3, "...");
		}
		break;
	}
	return count;
}

static void cpl_print(const struct cpl *k, const char *word)
{
	if (word && !strncmp(word, k->cur, strlen(k->cur)))
		printf("%s\n", word);
}

/* The names of the objects of @kind ("NS", "NET", "VIP") in the state dir. */
static void cpl_names(struct cpl *k, const char *kind)
{
	struct nsnet_err err = { 0 };
	json_t *root, *e;
	size_t i;

	state_lock_wait_set(1);
	if (core_query(&k->c.opts, &root, &err) < 0)
		return;
	if (!strcmp(kind, "NET")) {
		json_array_foreach(json_object_get(root, "networks"), i, e)
			cpl_print(k, json_string_value(json_object_get(e, "name")));
	} else if (!strcmp(kind, "NS")) {
		json_array_foreach(json_object_get(root, "namespaces"), i, e)
			if (json_is_true(json_object_get(e, "exists")) && !json_object_get(e, "cni"))
				cpl_print(k, json_string_value(json_object_get(e, "name")));
	} else if (!strcmp(kind, "VIP")) {
		json_array_foreach(json_object_get(root, "vips"), i, e) {
			const char *a = json_string_value(json_object_get(e, "address"));
			const char *proto = json_string_value(json_object_get(e, "protocol"));
			char buf[128];

			if (!a || !proto)
				continue;
			snprintf(buf, sizeof(buf), strchr(a, ':') ? "[%s]:%lld/%s" : "%s:%lld/%s", a,
				 json_integer_value(json_object_get(e, "port")), proto);
			cpl_print(k, buf);
		}
	}
	json_decref(root);
}

/* Candidates for a value or argument whose placeholder is @ph, of command @path. */
static void cpl_value(struct cpl *k, char **path, int n, const char *ph)
{
	char kind[64];
	size_t len = strspn(ph, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	const char *sub = n > 1 ? path[1] : "";
	bool making = !strcmp(sub, "add") || !strcmp(sub, "create");

	if (strchr(ph, '|') && !(ph[0] >= 'A' && ph[0] <= 'Z')) {	/* nft|iptables */
		char choices[64], *save, *w;

		snprintf(choices, sizeof(choices), "%s", ph);
		for (w = strtok_r(choices, "|", &save); w; w = strtok_r(NULL, "|", &save))
			cpl_print(k, w);
		return;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)len, ph);
	if (!strcmp(kind, "DIR"))
		printf(":dirs\n");
	else if (!strcmp(kind, "NS") || !strcmp(kind, "NET"))
		cpl_names(k, kind);
	else if (!strcmp(kind, "VIP") && !making)
		cpl_names(k, kind);
	else if (!strcmp(kind, "NAME") && !making && n > 0 && !strcmp(path[0], "network"))
		cpl_names(k, "NET");
	else if (!strcmp(kind, "NAME") && !making && n > 0 && !strcmp(path[0], "ns"))
		cpl_names(k, "NS");
}

static void cpl_opts(struct cpl *k, const struct cpl_help *h, const struct cpl_help *top)
{
	for (int i = 0; h && i < h->n_opts; i++)
		cpl_print(k, h->opts[i].name);
	for (int i = 0; i < top->n_opts; i++)
		if (!cpl_opt_find(h, top->opts[i].name))
			cpl_print(k, top->opts[i].name);
}

int cli_complete(const struct cli_cmd *cmds, const char *help, int argc, char **argv)
{
	struct cpl k = { .cmds = cmds, .top_help = help, .cur = argc > 0 ? argv[argc - 1] : "" };
	struct cpl_help top, h = { 0 };
	char *path[4], pos[CPL_MAX][64];
	const struct cpl_opt *want = NULL;	/* the previous word is this option: complete its value */
	int n = 0, n_pos = 0, args = 0;
	bool repeat = false, have = false;

	k.c.opts.state_dir = getenv("NSNET_STATE_DIR");
	if (!k.c.opts.state_dir || !*k.c.opts.state_dir)
		k.c.opts.state_dir = NSNET_STATE_DIR_DEFAULT;
	if (cpl_help_load(&k, NULL, 0, &top) < 0)
		return EXIT_FAIL;
	for (int i = 0; i + 1 < argc; i++) {
		const char *w = argv[i];
		const struct cpl_opt *o = cpl_opt_find(have ? &h : NULL, w);

		want = NULL;
		if (!o)
			o = cpl_opt_find(&top, w);
		if (o) {
			if (o->value[0] && i + 2 < argc) {
				if (!strcmp(w, "--state-dir"))
					k.c.opts.state_dir = argv[i + 1];
				i++;
			} else if (o->value[0]) {
				want = o;
			}
			continue;
		}
		if (w[0] == '-' && strcmp(w, "--"))
			continue;	/* --opt=value, or unknown */
		if (n == 0 && !strcmp(w, "explain"))
			continue;	/* explain COMMAND...: complete COMMAND */
		if (n == 0 || (n == 1 && args == 0 && h.n_subs)) {
			bool known = false;

			for (const struct cli_cmd *c = cmds; n == 0 && c->name; c++)
				known |= !strcmp(c->name, w);
			for (int s = 0; n == 1 && s < h.n_subs; s++)
				known |= !strcmp(h.subs[s], w);
			if (known) {
				path[n++] = argv[i];
				cpl_help_free(&h);
				have = cpl_help_load(&k, path, n, &h) == 0;
				n_pos = have ? cpl_positionals(&h, path, n, pos, CPL_MAX, &repeat) : 0;
				continue;
			}
			if (n == 0)
				goto out;	/* not a command: nothing to offer */
		}
		/* "exec NS -- CMD...": from the word after "--" on, complete a command line. */
		if (args < n_pos && !strcmp(pos[args], "--") && !strcmp(w, "--") && args + 1 < n_pos &&
		    !strncmp(pos[args + 1], "CMD", 3)) {
			printf(":command %d\n", i + 1);
			goto out;
		}
		args++;
	}
	if (want) {
		cpl_value(&k, path, n, want->value);
	} else if (k.cur[0] == '-') {
		cpl_opts(&k, have ? &h : NULL, &top);
	} else if (n == 0) {
		for (const struct cli_cmd *c = cmds; c->name; c++)
			cpl_print(&k, c->name);
	} else {
		if (args == 0 && n == 1)
			for (int s = 0; s < h.n_subs; s++)
				cpl_print(&k, h.subs[s]);
		if (args < n_pos)
			cpl_value(&k, path, n, pos[args]);
		else if (repeat && n_pos)
			cpl_value(&k, path, n, pos[n_pos - 1]);
		else if (!h.n_subs || n > 1)
			cpl_opts(&k, have ? &h : NULL, &top);
	}
out:
	cpl_help_free(&h);
	cpl_help_free(&top);
	return EXIT_OK;
}
