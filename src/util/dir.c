// SPDX-License-Identifier: MIT
// Sorted directory listings (see dir.h).
#include "util/dir.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int dir_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_names(const char *path, const char *suffix, char ***names, struct nsnet_err *err)
{
	size_t slen = suffix ? strlen(suffix) : 0;
	struct dirent *de;
	char **v = NULL;
	int n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return nsnet_err_set(err, errno, "open %s: %s", path, strerror(errno));
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= slen || (slen && strcmp(de->d_name + len - slen, suffix)))
			continue;
		if (n == cap) {
			char **nv = realloc(v, sizeof(*v) * (size_t)(cap = cap ? cap * 2 : 16));

			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[n] = strndup(de->d_name, len - slen)))
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), dir_name_cmp);
	*names = v;
	return n;
oom:
	closedir(d);
	dir_names_free(v, n);
	return nsnet_err_set(err, ENOMEM, "out of memory");
}

void dir_names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
