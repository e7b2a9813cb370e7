// SPDX-License-Identifier: MIT
// The state dir (see store.h). Records are small JSON files; a rename makes each write atomic.
#include "state/store.h"

#include "util/dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const state_kinds[] = { STATE_NETWORKS, STATE_NAMESPACES, STATE_LEASES, STATE_VIPS,
					     STATE_PORTS, STATE_POOLS, STATE_IDS, STATE_JOURNAL, STATE_ENDS };

/* How long state_open() waits for the lock, in milliseconds (state_lock_wait_set()). */
static long state_wait_ms = STATE_WAIT_CLI * 1000L;

void state_lock_wait_set(unsigned int seconds)
{
	state_wait_ms = (long)seconds * 1000L;
}

int state_wait_parse(const char *s, unsigned int *out, struct nsnet_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = s ? strtoul(s, &end, 10) : 0;
	if (!s || !*s || *end || s[0] == '-' || s[0] == '+' || errno || v > STATE_WAIT_MAX)
		return nsnet_err_set(err, EINVAL, "wait '%s': expected seconds from 0 to %d", s ? s : "",
				     STATE_WAIT_MAX);
	*out = (unsigned int)v;
	return 0;
}

/*
 * Is @st (of @path, lstat'ed) something nsnet may trust as part of its state dir: owned by root
 * (or by the user running nsnet) and, unless a symlink, not writable by group or others? Another
 * user who can write a directory on the path can replace what lies below it, records, journals and
 * all (a journal is replayed as root: see docs/reliability.md, "Trust boundaries").
 */
static int state_trust_one(const char *dir, const char *path, const struct stat *st, struct nsnet_err *err)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return nsnet_err_set(err, EPERM, "state dir %s: %s is owned by uid %u, not root: refusing to trust it",
				     dir, path, (unsigned int)st->st_uid);
	if (S_ISLNK(st->st_mode))
		return 0;
	if (!S_ISDIR(st->st_mode))
		return nsnet_err_set(err, ENOTDIR, "state dir %s: %s is not a directory", dir, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return nsnet_err_set(err, EPERM,
				     "state dir %s: %s is writable by %s (mode %04o): refusing to trust it (chmod go-w, or choose another --state-dir)",
				     dir, path, st->st_mode & S_IWOTH ? "others" : "its group",
				     (unsigned int)(st->st_mode & 07777));
	return 0;
}

/*
 * Check every component of @path from "/" down, as written (lstat: a symlink's own owner counts,
 * its directory is the previous component). A component that does not exist ends the walk
 * (@missing_ok) or is an error. Returns 0, -ENOENT at a missing component, or -errno.
 */
static int state_trust_walk(const char *dir, const char *path, bool *plain, struct nsnet_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;
	int r;

	if (len >= sizeof(buf))
		return nsnet_err_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (path[i - 1] == '/')
			continue;	/* "//" */
		memcpy(buf, path, i);
		buf[i] = '\0';
		if (lstat(buf, &st) < 0) {
			if (errno == ENOENT)
				return -ENOENT;
			return nsnet_err_set(err, errno, "state dir %s: %s: %s", dir, buf, strerror(errno));
		}
		if (i < len && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
			return nsnet_err_set(err, ENOTDIR, "state dir %s: %s is not a directory", dir, buf);
		if (S_ISLNK(st.st_mode))
			*plain = false;
		if ((r = state_trust_one(dir, buf, &st, err)) < 0)
			return r;
	}
	if (lstat("/", &st) == 0 && (r = state_trust_one(dir, "/", &st, err)) < 0)
		return r;
	return 0;
}

/* Has @path a "." or ".." component? */
static bool state_path_dots(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

int state_dir_trust(const char *dir, struct nsnet_err *err)
{
	char abs[PATH_MAX], real[PATH_MAX];
	bool plain = true;
	int r;

	if (dir[0] != '/') {
		/* A relative state dir: judge the absolute path it stands for. */
		if (!getcwd(abs, sizeof(abs)) || strlen(abs) + 1 + strlen(dir) >= sizeof(abs))
			return nsnet_err_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
		strcat(strcat(abs, "/"), dir);
	} else {
		snprintf(abs, sizeof(abs), "%s", dir);
	}
	r = state_trust_walk(dir, abs, &plain, err);
	if (r < 0)
		return r;
	/*
	 * Neither a symlink nor a "." or ".." on the way: the walk judged the resolved path itself
	 * (realpath() would only readlink() each component again).
	 */
	if (plain && !state_path_dots(abs))
		return 0;
	/* The same for the path the symlinks lead to: each directory on it must be trusted too. */
	if (!realpath(abs, real))
		return errno == ENOENT ? -ENOENT : nsnet_err_set(err, errno, "state dir %s: %s", dir, strerror(errno));
	return strcmp(real, abs) ? state_trust_walk(dir, real, &plain, err) : 0;
}

static int state_mkdir(const char *path, struct nsnet_err *err)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return nsnet_err_set(err, errno, "state dir %s: %s", path, strerror(errno));
	/* One that was there already must be a directory nsnet trusts, not a symlink. */
	if (lstat(path, &st) < 0)
		return nsnet_err_set(err, errno, "state dir %s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return nsnet_err_set(err, EPERM, "state dir %s: is a symlink: refusing to follow it", path);
	return state_trust_one(path, path, &st, err);
}

/* Take the lock on st->lock_fd, waiting at most state_wait_ms. Returns 0 or -errno. */
static int state_lock(struct state *st, bool write, struct nsnet_err *err)
{
	struct timespec t0, now, nap = { 0, 2 * 1000 * 1000 };
	long waited;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (flock(st->lock_fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return nsnet_err_set(err, errno, "lock %s/lock: %s", st->dir, strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L;
		if (waited >= state_wait_ms)
			return nsnet_err_set(err, ETIMEDOUT,
					     "state dir %s is locked by another nsnet process: gave up after %ld s (--wait SECONDS or NSNET_WAIT to wait longer)",
					     st->dir, state_wait_ms / 1000L);
		/* Short naps at first (operations hold the lock for milliseconds), then 50 ms. */
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 50 * 1000 * 1000)
			nap.tv_nsec *= 2;
	}
}

int state_open(struct state *st, const char *dir, bool write, struct nsnet_err *err)
{
	char path[PATH_MAX + 32];
	int r;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	st->writable = write;
	if (!dir || !*dir || strlen(dir) >= sizeof(st->dir))
		return nsnet_err_set(err, EINVAL, "state dir '%s': expected a directory path", dir ? dir : "");
	snprintf(st->dir, sizeof(st->dir), "%s", dir);
	/* Every directory on the way must be one only root can change (or none yet: made below). */
	r = state_dir_trust(st->dir, err);
	if (r == -ENOENT && !write)
		return 0;	/* nothing recorded yet */
	if (r < 0 && r != -ENOENT)
		return r;
	if (write) {
		bool made = r == -ENOENT;

		r = state_mkdir(st->dir, err);
		if (r < 0)
			return r;
		/* Just made: now the resolved path can be judged too. */
		if (made && (r = state_dir_trust(st->dir, err)) < 0)
			return r;
		for (size_t i = 0; i < sizeof(state_kinds) / sizeof(state_kinds[0]); i++) {
			struct stat sb;

			snprintf(path, sizeof(path), "%s/%s", st->dir, state_kinds[i]);
			/* There already (every operation but the first): judged as state_mkdir() would, one syscall. */
			if (lstat(path, &sb) == 0 && !S_ISLNK(sb.st_mode))
				r = state_trust_one(path, path, &sb, err);
			else
				r = state_mkdir(path, err);
			if (r < 0)
				return r;
		}
	}
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	st->lock_fd = open(path, (write ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0) {
		if (!write && errno == ENOENT)
			return 0;	/* nothing recorded yet */
		return nsnet_err_set(err, errno, "state dir %s: %s", st->dir, strerror(errno));
	}
	if ((r = state_lock(st, write, err)) < 0) {
		state_close(st);
		return r;
	}
	return 0;
}

void state_close(struct state *st)
{
	state_cache_drop(st);
	free(st->cache);
	st->cache = NULL;
	if (st->lock_fd >= 0)
		close(st->lock_fd);	/* releases the flock */
	st->lock_fd = -1;
}

/* --- the record cache (struct state's cache) ----------------------------------------------------- */

#define STATE_CACHE_MAX 32

struct state_cached {
	char *key;	/* "KIND/NAME"; NULL: a free slot */
	char *text;	/* the record's bytes, NUL-terminated; NULL: there is no such record (unless @present) */
	size_t len;
	bool present;	/* text NULL: the record exists, its bytes not read yet (state_has()) */
};

struct state_cache {
	struct state_cached e[STATE_CACHE_MAX];
	size_t next;	/* the slot the next new entry takes when all are used */
};

void state_cache_drop(struct state *st)
{
	if (!st->cache)
		return;
	for (size_t i = 0; i < STATE_CACHE_MAX; i++) {
		free(st->cache->e[i].key);
		free(st->cache->e[i].text);
	}
	memset(st->cache, 0, sizeof(*st->cache));
}

static struct state_cached *state_cache_find(struct state *st, const char *kind, const char *name)
{
	size_t kl = strlen(kind);

	if (!st->cache)
		return NULL;
	for (size_t i = 0; i < STATE_CACHE_MAX; i++) {
		const char *k = st->cache->e[i].key;

		if (k && !strncmp(k, kind, kl) && k[kl] == '/' && !strcmp(k + kl + 1, name))
			return &st->cache->e[i];
	}
	return NULL;
}

/* Remember @kind/@name as @len bytes of @text (NULL: absent). Only under the lock; out of memory: not at all. */
static void state_cache_put(struct state *st, const char *kind, const char *name, const char *text, size_t len)
{
	struct state_cached *c = state_cache_find(st, kind, name);
	char *copy = NULL;

	if (st->lock_fd < 0)
		return;
	if (!st->cache && !(st->cache = calloc(1, sizeof(*st->cache))))
		return;
	if (text && (copy = malloc(len + 1))) {
		memcpy(copy, text, len);
		copy[len] = 0;
	}
	if (!c) {
		for (size_t i = 0; i < STATE_CACHE_MAX && !c; i++)
			if (!st->cache->e[i].key)
				c = &st->cache->e[i];
		if (!c) {
			c = &st->cache->e[st->cache->next];
			st->cache->next = (st->cache->next + 1) % STATE_CACHE_MAX;
			free(c->key);
			c->key = NULL;
		}
		if (asprintf(&c->key, "%s/%s", kind, name) < 0)
			c->key = NULL;
	}
	free(c->text);
	c->text = copy;
	c->len = len;
	c->present = false;
	if (!c->key || (text && !copy)) {
		free(c->key);
		free(c->text);
		memset(c, 0, sizeof(*c));	/* not remembered: read from the file next time */
	}
}

static void state_cache_forget(struct state *st, const char *kind, const char *name)
{
	struct state_cached *c = state_cache_find(st, kind, name);

	if (c) {
		free(c->key);
		free(c->text);
		memset(c, 0, sizeof(*c));
	}
}

static void state_path(struct state *st, const char *kind, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s.json", st->dir, kind, name);
}

int state_read(struct state *st, const char *kind, const char *name, json_t **out,
	       struct nsnet_err *err)
{
	char path[PATH_MAX * 2];
	json_error_t jerr;

	char *text;
	int r;

	*out = NULL;
	state_path(st, kind, name, path, sizeof(path));
	/* One read and an in-memory parse: json_load_file() reads through stdio a byte per call. */
	if ((r = state_read_text(st, kind, name, &text, err)) < 0)
		return r;
	*out = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (*out)
		return 0;
	return nsnet_err_set(err, EBADMSG, "state record %s: %s (line %d)", path, jerr.text, jerr.line);
}

int state_read_text(struct state *st, const char *kind, const char *name, char **text, struct nsnet_err *err)
{
	struct state_cached *c;
	char path[PATH_MAX * 2], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t got = 0;
	int fd, e = 0;

	*text = NULL;
	if ((c = state_cache_find(st, kind, name)) != NULL && !c->present) {
		if (!c->text)
			return -ENOENT;
		if ((*text = malloc(c->len + 1)) != NULL) {
			memcpy(*text, c->text, c->len + 1);
			return 0;
		}
	}
	state_path(st, kind, name, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			state_cache_put(st, kind, name, NULL, 0);
			return -ENOENT;
		}
		return nsnet_err_set(err, errno, "read %s: %s", path, strerror(errno));
	}
	do {
		size_t want;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 4096);

			if (!nb) {
				e = ENOMEM;
				break;
			}
			buf = nb;
		}
		want = cap - len - 1;
		if ((got = read(fd, buf + len, want)) < 0)
			e = errno;
		else
			len += (size_t)got;
		/*
		 * A regular file reads short only at its end (a record is replaced by a rename, never
		 * rewritten in place): no second read() to see 0, a syscall less per record.
		 */
		if (got >= 0 && (size_t)got < want)
			break;
	} while (!e && got > 0);
	close(fd);
	if (e) {
		free(buf);
		return nsnet_err_set(err, e, "read %s: %s", path, strerror(e));
	}
	buf[len] = '\0';
	*text = buf;
	state_cache_put(st, kind, name, buf, len);
	return 0;
}

int state_write_text(struct state *st, const char *kind, const char *name, const char *text, size_t len,
		     struct nsnet_err *err)
{
	char path[PATH_MAX * 2], tmp[PATH_MAX * 2 + 16];
	int fd, e = 0;

	state_path(st, kind, name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && strchr(kind, '/')) {
		/* A nested kind (leases/NET): its folder is made with its first record. */
		char sub[PATH_MAX + 32];

		snprintf(sub, sizeof(sub), "%s/%s", st->dir, kind);
		if (mkdir(sub, 0700) == 0 || errno == EEXIST)
			fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		e = errno;
	} else {
		if (write(fd, text, len) != (ssize_t)len)
			e = errno ? errno : EIO;
		if (close(fd) < 0 && !e)
			e = errno;
		if (!e && rename(tmp, path) < 0)
			e = errno;
		if (e)
			unlink(tmp);
	}
	if (e) {
		state_cache_forget(st, kind, name);
		return nsnet_err_set(err, e, "write %s: %s", path, strerror(e));
	}
	state_cache_put(st, kind, name, text, len);
	return 0;
}

int state_write(struct state *st, const char *kind, const char *name, const json_t *rec,
		struct nsnet_err *err)
{
	char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	size_t len;
	int r;

	if (!text)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	len = strlen(text);
	text[len] = '\n';	/* json_dumps' NUL becomes the newline: one write for the record */
	r = state_write_text(st, kind, name, text, len + 1, err);
	free(text);
	return r;
}

bool state_has(struct state *st, const char *kind, const char *name)
{
	struct state_cached *c = state_cache_find(st, kind, name);
	char path[PATH_MAX * 2];

	if (c)
		return c->text || c->present;
	state_path(st, kind, name, path, sizeof(path));
	/*
	 * Remembered (under the lock) either way: an operation asks again (the ends index's marker
	 * when planning and when writing; a lease probed free, then read for its undo).
	 */
	if (access(path, F_OK) == 0) {
		state_cache_put(st, kind, name, NULL, 0);
		if ((c = state_cache_find(st, kind, name)) != NULL)
			c->present = true;
		return true;
	}
	if (errno == ENOENT)
		state_cache_put(st, kind, name, NULL, 0);
	return false;
}

int state_remove(struct state *st, const char *kind, const char *name, struct nsnet_err *err)
{
	char path[PATH_MAX * 2];

	state_path(st, kind, name, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		state_cache_forget(st, kind, name);
		return nsnet_err_set(err, errno, "remove %s: %s", path, strerror(errno));
	}
	state_cache_put(st, kind, name, NULL, 0);
	return 0;
}

int state_kind_rmdir(struct state *st, const char *kind)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", st->dir, kind);
	return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
}

int state_subkinds(struct state *st, const char *kind, char ***names, struct nsnet_err *err)
{
	char path[PATH_MAX + 32];
	char **all;
	int n, k = 0;

	snprintf(path, sizeof(path), "%s/%s", st->dir, kind);
	if ((n = dir_names(path, NULL, &all, err)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s/%s", st->dir, kind, all[i]);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			all[k++] = all[i];
		else
			free(all[i]);
	}
	*names = all;
	return k;
}

int state_names(struct state *st, const char *kind, char ***names, struct nsnet_err *err)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", st->dir, kind);
	return dir_names(path, ".json", names, err);
}

void state_names_free(char **names, int n)
{
	dir_names_free(names, n);
}

int state_count(struct state *st, const char *kind, int limit, struct nsnet_err *err)
{
	char path[PATH_MAX + 32];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", st->dir, kind);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : nsnet_err_set(err, errno, "state dir %s: %s", path, strerror(errno));
	while (n < limit && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > 5 && !strcmp(de->d_name + len - 5, ".json"))
			n++;
	}
	closedir(d);
	return n;
}

/* state_sweep_tmp() in nested kind @kind/@sub (leases/NET). */
static int state_sweep_sub(struct state *st, const char *kind, const char *sub)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/%s", st->dir, kind, sub);
	if (!(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 4 || strcmp(de->d_name + len - 4, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/%s", st->dir, kind, sub, de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int state_sweep_tmp(struct state *st)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	int n = 0;

	for (size_t i = 0; i < sizeof(state_kinds) / sizeof(state_kinds[0]); i++) {
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", st->dir, state_kinds[i]);
		if (!(d = opendir(path)))
			continue;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
			    (!strcmp(state_kinds[i], STATE_LEASES) || !strcmp(state_kinds[i], STATE_ENDS)))
				n += state_sweep_sub(st, state_kinds[i], de->d_name);
			if (len <= 4 || strcmp(de->d_name + len - 4, ".tmp"))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", st->dir, state_kinds[i], de->d_name);
			if (unlink(path) == 0)
				n++;
		}
		closedir(d);
	}
	return n;
}

int state_id_next(struct state *st, const char *counter, const char *kind, unsigned int *id, struct nsnet_err *err)
{
	json_int_t next = 1, max = 0;
	json_t *j = NULL;
	char **names;
	int n, r;

	/* The counter, when it reads as one: the common case costs one small read, not a scan. */
	r = state_read(st, STATE_IDS, counter, &j, NULL);
	if (r == 0 && json_is_integer(json_object_get(j, "next")))
		next = json_integer_value(json_object_get(j, "next"));
	else
		next = 0;
	json_decref(j);
	if (next >= 1 && next <= STATE_ID_MAX) {
		*id = (unsigned int)next;
		return 0;
	}
	/*
	 * Missing, garbage ({"next": "x"}) or out of range: the records are the truth. Never hand out
	 * an id in use (check reports duplicate ids that a hand-edited counter could still cause).
	 */
	next = 1;
	if ((n = state_names(st, kind, &names, err)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		json_t *rec = NULL;

		if (state_read(st, kind, names[i], &rec, NULL) == 0 && json_is_integer(json_object_get(rec, "id")) &&
		    json_integer_value(json_object_get(rec, "id")) > max)
			max = json_integer_value(json_object_get(rec, "id"));
		json_decref(rec);
	}
	state_names_free(names, n);
	if (next <= max)
		next = max + 1;
	if (next > STATE_ID_MAX)
		return nsnet_err_set(err, ENOSPC, "state dir %s: no %s id left (the largest in use is %lld)", st->dir,
				     counter, (long long)max);
	*id = (unsigned int)next;
	return 0;
}
