// SPDX-License-Identifier: MIT
// Large arrays in transparent huge pages (mem.h).
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/mem.h"

#define MEM_HUGE (2u << 20)
#define MEM_HUGE_FROM (4u << 20)

void *mem_array(size_t n, size_t size)
{
	size_t len;
	void *p = NULL;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	len = n * size;
	if (len < MEM_HUGE_FROM)
		return malloc(len ? len : 1);
	if (posix_memalign(&p, MEM_HUGE, len) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	(void)madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void *mem_zarray(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (n * size < MEM_HUGE_FROM)
		return calloc(n ? n : 1, size ? size : 1);
	if ((p = mem_array(n, size)))
		memset(p, 0, n * size);
	return p;
}
