/* SPDX-License-Identifier: MIT */
/* Sorted listings of directory entries. */
#ifndef NSNET_UTIL_DIR_H
#define NSNET_UTIL_DIR_H

#include "util/err.h"

/*
 * Names in directory @path not starting with '.', and ending with @suffix (NULL: any; the suffix
 * is cut off), sorted. *names is a malloc'd array of malloc'd strings. A missing directory is
 * empty. Returns the count or -errno.
 */
int dir_names(const char *path, const char *suffix, char ***names, struct nsnet_err *err);
void dir_names_free(char **names, int n);

#endif
