// SPDX-License-Identifier: MIT
// The operation journal: write-ahead undo lines, their validation, and replay after a crash.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/overlay.h"
#include "core/undo.h"
#include "firewall/fw.h"
#include "firewall/guard.h"
#include "util/dir.h"
#include "util/names.h"

/*
 * Theory of operation. The journal of process PID is STATE_JOURNAL/PID.jsonl, one JSON object per
 * line, each line written with one write() so a crash leaves whole lines (at most the last one
 * cut short, by a full disk: its step never ran). {"do":"push","kind":K,"a":A,"b":B[,"text":T]
 * [,"fw":BACKEND][,"raw":RECORD]} records an undo before its step runs; {"do":"pop"} forgets the
 * last one (its step failed); {"do":"set","b":"DEV:INO"} gives the last one, a namespace's removal,
 * the identity of the namespace its step made. Replay runs what is left pushed, newest first.
 *
 * Replay runs as root, and the journal is only a file: whoever can write it could make nsnet
 * delete or set anything. So before anything is replayed the whole journal is validated: the file
 * is owned by us and writable by nobody else, and every entry is one nsnet writes -- a namespace
 * by a valid name, a host link by nsnet's name patterns or a recorded network's bridge, a file
 * under /etc/netns/NS/, a record of a known kind, a per-link sysctl of such a link, firewall text
 * on nsnet's own tables and chains only (the backend's text_ours). A journal that fails is moved
 * to journal/rejected/ untouched and reported; nothing of it runs. One bad line rejects it all:
 * half a journal replayed is worse than none, and gc repairs what a rejected journal leaves.
 */

static void journal_path(struct op *op, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%d.jsonl", op->st.dir, STATE_JOURNAL, (int)getpid());
}

/* Append @len bytes (whole lines) to the journal, opened at the first step. */
static int journal_write(struct op *op, const char *buf, size_t len, struct nsnet_err *err)
{
	char path[PATH_MAX + 64];

	if (op->journal_broken)
		return nsnet_err_set(err, EIO, "journal of this operation could not be written earlier");
	if (op->journal_fd < 0) {
		journal_path(op, path, sizeof(path));
		op->journal_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (op->journal_fd < 0) {
			op->journal_broken = true;
			return nsnet_err_set(err, errno, "journal %s: %s", path, strerror(errno));
		}
	}
	/* One write per line: a crash leaves whole lines only. */
	if (write(op->journal_fd, buf, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		op->journal_broken = true;
		return nsnet_err_set(err, e, "write journal: %s", strerror(e));
	}
	return 0;
}

static int journal_line(struct op *op, json_t *line, struct nsnet_err *err)
{
	char *text;
	size_t len;
	int r;

	if (!line)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	text = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!text)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	len = strlen(text);
	text[len] = '\n';	/* json_dumps' NUL becomes the newline */
	r = journal_write(op, text, len + 1, err);
	free(text);
	return r;
}

/*
 * The push of a previous record (@u->text: a state file's bytes, one compact JSON object and a
 * newline) with the record inline as "raw", not as an escaped string: a network's leases run to
 * tens of KiB, and escaping (and UTF-8 checking) them on every attach was measurable. Returns 1,
 * writing nothing, for text that is not one line holding an object.
 */
static int journal_record(struct op *op, const struct op_undo *u, struct nsnet_err *err)
{
	size_t len = strlen(u->text), plen;
	char *head, *line;
	json_t *j;
	int r;

	while (len && u->text[len - 1] == '\n')
		len--;
	if (len < 2 || u->text[0] != '{' || u->text[len - 1] != '}' || memchr(u->text, '\n', len))
		return 1;
	j = json_pack("{s:s, s:i, s:s, s:s}", "do", "push", "kind", (int)u->kind, "a", u->arg[0], "b", u->arg[1]);
	head = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!head)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	plen = strlen(head) - 1;	/* without its closing brace */
	if ((line = malloc(plen + len + 10)) != NULL) {
		memcpy(line, head, plen);
		memcpy(line + plen, ",\"raw\":", 7);
		memcpy(line + plen + 7, u->text, len);
		memcpy(line + plen + 7 + len, "}\n", 2);
		r = journal_write(op, line, plen + len + 9, err);
		free(line);
	} else {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	}
	free(head);
	return r;
}

int journal_push(struct op *op, const struct op_undo *u, struct nsnet_err *err)
{
	int r;

	if (u->kind == UNDO_STATE && u->text && (r = journal_record(op, u, err)) <= 0)
		return r;	/* written with the record inline, or failed */
	return journal_line(op, json_pack("{s:s, s:i, s:s, s:s, s:s*, s:s*}", "do", "push", "kind", (int)u->kind,
					  "a", u->arg[0], "b", u->arg[1], "text", u->text, "fw",
					  u->kind == UNDO_FW && u->fw ? u->fw->name : NULL), err);
}

int journal_pop(struct op *op)
{
	return journal_line(op, json_pack("{s:s}", "do", "pop"), NULL);
}

int journal_set(struct op *op, const char *b)
{
	return journal_line(op, json_pack("{s:s, s:s}", "do", "set", "b", b), NULL);
}

void journal_end(struct op *op)
{
	char path[PATH_MAX + 64];

	if (op->journal_fd < 0)
		return;
	close(op->journal_fd);
	journal_path(op, path, sizeof(path));
	unlink(path);
	op->journal_fd = -1;
}

/* --- validation ----------------------------------------------------------------------------- */

/* A host link nsnet may remove: its name patterns, or the bridge of a recorded network. */
static bool journal_link_ours(const char *name, const char *const *bridges)
{
	if (names_check_ifname(name, NULL) < 0)
		return false;
	if (!strncmp(name, NSNET_BRIDGE_PREFIX, strlen(NSNET_BRIDGE_PREFIX)) || names_is_host_veth(name))
		return true;
	for (size_t i = 0; bridges && bridges[i]; i++)
		if (!strcmp(bridges[i], name))
			return true;
	return false;
}

/* A file name: no '/', not "." or "..", nothing hidden, printable. */
static bool journal_file_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return false;
	return true;
}

/* "/etc/netns/NS" (@file false) or "/etc/netns/NS/FILE" (@file true), NS a valid namespace name. */
static bool journal_etc_netns(const char *path, bool file)
{
	const char *ns = path + strlen("/etc/netns/"), *slash;
	char name[NSNET_NAME_MAX + 1];

	if (strncmp(path, "/etc/netns/", strlen("/etc/netns/")))
		return false;
	slash = strchr(ns, '/');
	if ((slash != NULL) != file || (size_t)((slash ? slash : ns + strlen(ns)) - ns) > NSNET_NAME_MAX)
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)((slash ? slash : ns + strlen(ns)) - ns), ns);
	if (names_check("namespace", name, NULL) < 0)
		return false;
	return !file || journal_file_name_ok(slash + 1, strlen(slash + 1));
}

/* "net.ipv4.conf.LINK.SETTING" / "net.ipv6.conf.LINK.SETTING" of a link of nsnet's, value 0 or 1. */
static bool journal_sysctl_ok(const char *key, const char *value, const char *const *bridges)
{
	char link[IFNAMSIZ + 1];
	const char *p, *dot;

	if (strncmp(key, "net.ipv4.conf.", 14) && strncmp(key, "net.ipv6.conf.", 14))
		return false;
	p = key + 14;
	if (!(dot = strrchr(p, '.')) || (size_t)(dot - p) >= sizeof(link) || !dot[1] ||
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz_") != strlen(dot + 1))
		return false;
	snprintf(link, sizeof(link), "%.*s", (int)(dot - p), p);
	return journal_link_ours(link, bridges) && (!strcmp(value, "0") || !strcmp(value, "1"));
}

static bool journal_record_kind_ok(const char *kind)
{
	static const char *const kinds[] = { STATE_NETWORKS, STATE_NAMESPACES, STATE_LEASES, STATE_VIPS,
					     STATE_PORTS, STATE_POOLS, STATE_IDS, OVERLAY_DIR, NULL };

	for (size_t i = 0; kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	/* One network's lease folder (core/leases.c): leases/NET, NET a valid network name. */
	if (!strncmp(kind, STATE_LEASES "/", strlen(STATE_LEASES) + 1))
		return names_check("network", kind + strlen(STATE_LEASES) + 1, NULL) == 0;
	/* The index of attachment ends (core/ends.c): ends, and ends/NET for a network's guest MACs. */
	if (!strcmp(kind, STATE_ENDS))
		return true;
	if (!strncmp(kind, STATE_ENDS "/", strlen(STATE_ENDS) + 1))
		return names_check("network", kind + strlen(STATE_ENDS) + 1, NULL) == 0;
	return false;
}

/* A namespace's identity: "" (unknown) or "DEV:INO", decimal. */
static bool journal_netns_id_ok(const char *id)
{
	size_t d = strspn(id, "0123456789");

	return !id[0] || (d && id[d] == ':' && id[d + 1] && strspn(id + d + 1, "0123456789") == strlen(id + d + 1) &&
			  strlen(id) < 48);
}

/* Is @u an undo nsnet writes? NULL if so, else what is wrong. */
static const char *journal_entry_check(const struct op_undo *u, const char *const *bridges)
{
	switch (u->kind) {
	case UNDO_NETNS_DEL:
		return names_check("namespace", u->netns.name, NULL) == 0 && journal_netns_id_ok(u->netns.id) ? NULL
		       : "namespace name not one nsnet makes";
	case UNDO_LINK_DEL:
		if (u->link.ns[0])
			return "link inside a namespace (nsnet journals host links only)";
		return journal_link_ours(u->link.name, bridges) ? NULL : "link that is not nsnet's";
	case UNDO_FW:
	case UNDO_IPT_V1:
		return u->fw && u->text && u->fw->text_ours(u->text) ? NULL : "firewall text beyond nsnet's own tables and chains";
	case UNDO_GUARD:
		return u->text && fw_guard_text_ours(u->text) ? NULL : "nft text beyond table bridge nsnet";
	case UNDO_FILE_DEL:
		if (u->text && !op_file_text_ok(u->text))
			return "file text to restore is not printable lines of at most 4096 bytes";
		return journal_etc_netns(u->file.path, true) &&
		       (!u->file.dir[0] || (journal_etc_netns(u->file.dir, false) &&
					    !strncmp(u->file.path, u->file.dir, strlen(u->file.dir)) &&
					    u->file.path[strlen(u->file.dir)] == '/')) ? NULL
		       : "path outside /etc/netns/NAMESPACE/";
	case UNDO_STATE:
		return journal_record_kind_ok(u->state.kind) &&
		       journal_file_name_ok(u->state.name, strlen(u->state.name)) ? NULL : "record outside the state dir";
	case UNDO_SYSCTL:
		return journal_sysctl_ok(u->sysctl.key, u->sysctl.value, bridges) ? NULL
		       : "sysctl nsnet does not set";
	case UNDO_LINK_RENAME:
		/* A link park mode renamed (core/op.c, park mode), back to a name of nsnet's (host) or any valid one. */
		if (!op_park_name_is(u->link.name) || !u->text || names_check_ifname(u->text, NULL) < 0)
			return "rename of a link that is not a parked one";
		if (u->link.ns[0])
			return names_check("namespace", u->link.ns, NULL) == 0 ? NULL : "namespace name not one nsnet makes";
		return journal_link_ours(u->text, bridges) ? NULL : "link that is not nsnet's";
	case UNDO_LINK_RESTORE:
		/*
		 * What a link park mode set down had (core/op.c): addresses, routes and neighbour entries
		 * only, of a link inside a namespace, or on the host of one of nsnet's host ends (a
		 * routed network's, whose mark the undo checks too).
		 */
		if (u->link.ns[0] ? names_check("namespace", u->link.ns, NULL) < 0 || names_check_ifname(u->link.name, NULL) < 0
				  : !names_is_host_veth(u->link.name) || names_check_ifname(u->link.name, NULL) < 0)
			return "addresses of a link that is not in a namespace of nsnet's nor a host end of nsnet's";
		return op_link_restore_ok(u->text) ? NULL : "addresses and routes that are not lines nsnet writes";
	case UNDO_QDISC:
		/* A host end of nsnet's, or an interface inside a namespace by a valid name. */
		if (u->link.ns[0] ? names_check("namespace", u->link.ns, NULL) < 0 || names_check_ifname(u->link.name, NULL) < 0
				  : !names_is_host_veth(u->link.name) || names_check_ifname(u->link.name, NULL) < 0)
			return "qdisc of a link that is not nsnet's";
		return u->text && limit_undo_text_ok(u->text) ? NULL : "qdisc that nsnet does not set";
	case UNDO_DNS_STOP: {
		struct daemon_id id;

		return names_check("network", u->arg[0], NULL) == 0 &&
		       (!u->arg[1][0] || daemon_id_parse(u->arg[1], &id) == 0) ? NULL : "resolver step of no network";
	}
	case UNDO_DNS_HOST:
		return names_check("network", u->arg[0], NULL) == 0 && names_check("namespace", u->arg[1], NULL) == 0
		       ? NULL : "hosts file of no network";
	case UNDO_ETCD_DEL:
		return overlay_undo_ok(u) ? NULL : "etcd key outside /nsnet/overlay/";
	}
	return "unknown kind of step";
}

/* One "push" line @j into @u (validated). NULL, or what is wrong. */
static const char *journal_entry_parse(const json_t *j, const char *const *bridges, struct op_undo *u)
{
	json_t *kind = json_object_get(j, "kind"), *a = json_object_get(j, "a"), *b = json_object_get(j, "b");
	json_t *text = json_object_get(j, "text"), *fw = json_object_get(j, "fw");
	json_t *rec = json_object_get(j, "raw");

	memset(u, 0, sizeof(*u));
	if (!rec)
		rec = json_object_get(j, "rec");	/* before records were kept inline */
	if (!json_is_integer(kind) || json_integer_value(kind) < UNDO_NETNS_DEL ||
	    json_integer_value(kind) > UNDO_KIND_LAST)
		return "unknown kind of step";
	if (json_is_null(text))
		text = NULL;	/* older journals wrote absent strings as null */
	if (json_is_null(fw))
		fw = NULL;
	if ((a && !json_is_string(a)) || (b && !json_is_string(b)) || (text && !json_is_string(text)) ||
	    (fw && !json_is_string(fw)) || (rec && !json_is_object(rec) && !json_is_null(rec)))
		return "malformed entry";
	u->kind = (enum op_undo_kind)json_integer_value(kind);
	u->arg[0] = strdup(a ? json_string_value(a) : "");
	u->arg[1] = strdup(b ? json_string_value(b) : "");
	if (text)
		u->text = strdup(json_string_value(text));
	else if (json_is_object(rec) && u->kind == UNDO_STATE) {
		char *s = json_dumps(rec, JSON_COMPACT);

		if (s && (u->text = malloc(strlen(s) + 2)))
			sprintf(u->text, "%s\n", s);
		free(s);
		if (!u->text)
			return "out of memory";
	}
	if (!u->arg[0] || !u->arg[1] || (text && !u->text))
		return "out of memory";
	if (u->kind == UNDO_FW)
		u->fw = fw_backend_find(fw ? json_string_value(fw) : "nft");	/* older journals: nft */
	else if (u->kind == UNDO_IPT_V1)
		u->fw = fw_backend_find("iptables");
	return journal_entry_check(u, bridges);
}

int journal_parse(const char *text, const char *const *bridges, struct op_undo **v, size_t *n,
		  char *why, size_t why_len)
{
	struct op_undo *undo = NULL;
	size_t cap = 0, count = 0, lineno = 0;
	const char *bad = NULL;

	for (const char *p = text; *p && !bad;) {
		size_t len = strcspn(p, "\n");
		bool last = p[len] == 0;
		json_t *j = json_loadb(p, len, 0, NULL);
		const char *what = json_string_value(json_object_get(j, "do"));

		lineno++;
		p += len + !last;
		if (!len) {
			json_decref(j);
			continue;
		}
		if (!json_is_object(j)) {
			json_decref(j);
			if (last)
				break;	/* cut short by a full disk: its step never ran */
			bad = "not a JSON object";
			break;
		}
		if (what && !strcmp(what, "pop")) {
			if (count == 0)
				bad = "pop without a push";
			else
				op_undo_free(&undo[--count]);
		} else if (what && !strcmp(what, "set")) {
			/* The identity of the namespace the last push's step made. */
			const char *b = json_string_value(json_object_get(j, "b"));
			char *nb;

			struct daemon_id id;

			if (count == 0 || !b ||
			    (undo[count - 1].kind == UNDO_NETNS_DEL ? !journal_netns_id_ok(b)
			     : undo[count - 1].kind != UNDO_DNS_STOP || daemon_id_parse(b, &id) < 0))
				bad = "set without a namespace or resolver push";
			else if (!(nb = strdup(b)))
				bad = "out of memory";
			else {
				free(undo[count - 1].netns.id);
				undo[count - 1].netns.id = nb;
			}
		} else if (what && !strcmp(what, "push")) {
			if (count == cap) {
				struct op_undo *nv = realloc(undo, (cap = cap ? cap * 2 : 16) * sizeof(*nv));

				if (!nv) {
					json_decref(j);
					bad = "out of memory";
					break;
				}
				undo = nv;
			}
			if ((bad = journal_entry_parse(j, bridges, &undo[count])) != NULL)
				op_undo_free(&undo[count]);
			else
				count++;
		} else {
			bad = "unknown \"do\"";
		}
		json_decref(j);
	}
	if (bad) {
		bool oom = !strcmp(bad, "out of memory");

		snprintf(why, why_len, "line %zu: %s", lineno, bad);
		while (count)
			op_undo_free(&undo[--count]);
		free(undo);
		return oom ? -ENOMEM : -EBADMSG;
	}
	*v = undo;
	*n = count;
	return 0;
}

/* --- replay --------------------------------------------------------------------------------- */

/* The bridges of recorded networks, NULL-terminated (NULL on failure: patterns only). */
static char **journal_bridges(struct op *op)
{
	char **names = NULL, **v;
	int n = state_names(&op->st, STATE_NETWORKS, &names, NULL), k = 0;

	if (n < 0 || !(v = calloc((size_t)n + 1, sizeof(*v)))) {
		if (n >= 0)
			state_names_free(names, n);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		json_t *j = NULL;
		const char *br;

		if (state_read(&op->st, STATE_NETWORKS, names[i], &j, NULL) == 0 &&
		    (br = json_string_value(json_object_get(j, "bridge"))) && (v[k] = strdup(br)))
			k++;
		json_decref(j);
	}
	state_names_free(names, n);
	return v;
}

/* Read journal @path if it is a regular file of ours that nobody else may write. */
static int journal_read(const char *path, char **text, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;
	char *buf;
	ssize_t got = 0, k;

	if (fd < 0) {
		snprintf(why, why_len, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		snprintf(why, why_len, "not a regular file owned by uid %u and writable by it alone", (unsigned)geteuid());
		close(fd);
		return -EPERM;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	while (got < sb.st_size && (k = read(fd, buf + got, (size_t)(sb.st_size - got))) > 0)
		got += k;
	close(fd);
	buf[got] = 0;
	if (memchr(buf, 0, (size_t)got)) {
		snprintf(why, why_len, "holds NUL bytes");
		free(buf);
		return -EBADMSG;
	}
	*text = buf;
	return 0;
}

/* Move journal @name aside to journal/rejected/ (kept for whoever investigates). */
static void journal_reject(struct op *op, const char *name, const char *path)
{
	char dir[PATH_MAX + 64], to[PATH_MAX + 128];

	snprintf(dir, sizeof(dir), "%s/%s/rejected", op->st.dir, STATE_JOURNAL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto drop;
	snprintf(to, sizeof(to), "%s/%s.jsonl", dir, name);
	if (rename(path, to) == 0)
		return;
drop:
	unlink(path);	/* never left where the next operation would read it again */
}

int journal_replay_all(struct op *op, int *rejected, char *why, size_t why_len)
{
	char path[PATH_MAX + 64], **names, **bridges = NULL, reason[256];
	int n, done = 0;

	*rejected = 0;
	snprintf(path, sizeof(path), "%s/%s", op->st.dir, STATE_JOURNAL);
	n = dir_names(path, ".jsonl", &names, NULL);
	if (n > 0)
		bridges = journal_bridges(op);
	for (int i = 0; i < n; i++) {
		struct op_undo *v = NULL;
		size_t count = 0;
		char *text = NULL;
		int r;

		snprintf(path, sizeof(path), "%s/%s/%s.jsonl", op->st.dir, STATE_JOURNAL, names[i]);
		reason[0] = 0;
		r = journal_read(path, &text, reason, sizeof(reason));
		if (r == 0)
			r = journal_parse(text, (const char *const *)bridges, &v, &count, reason, sizeof(reason));
		free(text);
		if (r == -ENOMEM)
			continue;	/* left for the next operation */
		if (r < 0) {
			if (!(*rejected)++)
				snprintf(why, why_len, "journal %s/%s.jsonl rejected, not replayed (%s): moved to %s/rejected/",
					 STATE_JOURNAL, names[i], reason, STATE_JOURNAL);
			for (char *c = why; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = '?';	/* the name is whatever the directory held */
			journal_reject(op, names[i], path);
			continue;
		}
		op_note(op->opts, 1, "rolling back an interrupted operation (journal %s, %zu steps)", names[i], count);
		/* Hand the entries to the undo stack and roll it back, newest first. */
		free(op->undo);
		op->undo = v;
		op->n_undo = op->cap_undo = count;
		op_rollback(op);
		unlink(path);
		done++;
	}
	for (size_t i = 0; bridges && bridges[i]; i++)
		free(bridges[i]);
	free(bridges);
	dir_names_free(names, n > 0 ? n : 0);
	if (done)
		state_sweep_tmp(&op->st);	/* record writes the dead process cut short */
	return done;
}
