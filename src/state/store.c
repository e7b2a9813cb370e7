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
#include <unistd.h>

static const char *const state_kinds[] = { STATE_NETWORKS, STATE_NAMESPACES, STATE_LEASES, STATE_VIPS,
					     STATE_PORTS, STATE_POOLS, STATE_IDS, STATE_JOURNAL };

static int state_mkdir(const char *path, struct nsnet_err *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return nsnet_err_set(err, errno, "state dir %s: %s", path, strerror(errno));
	return 0;
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
	if (write) {
		r = state_mkdir(st->dir, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < sizeof(state_kinds) / sizeof(state_kinds[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", st->dir, state_kinds[i]);
			r = state_mkdir(path, err);
			if (r < 0)
				return r;
		}
	}
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	st->lock_fd = open(path, (write ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
	if (st->lock_fd < 0) {
		if (!write && errno == ENOENT)
			return 0;	/* nothing recorded yet */
		return nsnet_err_set(err, errno, "state dir %s: %s", st->dir, strerror(errno));
	}
	if (flock(st->lock_fd, write ? LOCK_EX : LOCK_SH) < 0) {
		r = nsnet_err_set(err, errno, "lock %s: %s", path, strerror(errno));
		state_close(st);
		return r;
	}
	return 0;
}

void state_close(struct state *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);	/* releases the flock */
	st->lock_fd = -1;
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

	*out = NULL;
	state_path(st, kind, name, path, sizeof(path));
	*out = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (*out)
		return 0;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return -ENOENT;
	return nsnet_err_set(err, EBADMSG, "state record %s: %s (line %d)", path, jerr.text, jerr.line);
}

int state_read_text(struct state *st, const char *kind, const char *name, char **text, struct nsnet_err *err)
{
	char path[PATH_MAX * 2], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t got = 0;
	int fd, e = 0;

	*text = NULL;
	state_path(st, kind, name, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return nsnet_err_set(err, errno, "read %s: %s", path, strerror(errno));
	}
	do {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 16384);

			if (!nb) {
				e = ENOMEM;
				break;
			}
			buf = nb;
		}
		if ((got = read(fd, buf + len, cap - len - 1)) < 0)
			e = errno;
		else
			len += (size_t)got;
	} while (!e && got > 0);
	close(fd);
	if (e) {
		free(buf);
		return nsnet_err_set(err, e, "read %s: %s", path, strerror(e));
	}
	buf[len] = '\0';
	*text = buf;
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
	if (e)
		return nsnet_err_set(err, e, "write %s: %s", path, strerror(e));
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
	char path[PATH_MAX * 2];

	state_path(st, kind, name, path, sizeof(path));
	return access(path, F_OK) == 0;
}

int state_remove(struct state *st, const char *kind, const char *name, struct nsnet_err *err)
{
	char path[PATH_MAX * 2];

	state_path(st, kind, name, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		return nsnet_err_set(err, errno, "remove %s: %s", path, strerror(errno));
	return 0;
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
