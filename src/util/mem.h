// SPDX-License-Identifier: MIT
// Memory for large arrays that are filled once (every record of a kind, loaded at once).
#ifndef NSNET_UTIL_MEM_H
#define NSNET_UTIL_MEM_H

#include <stddef.h>

/*
 * @len bytes, not zeroed, for free(). From 4 MiB up the block is aligned to 2 MiB and the
 * kernel is asked for transparent huge pages (madvise; ignored where THP is off): filling an
 * 80 MiB array of 10,000 VIP records otherwise takes one page fault per 4 KiB page touched.
 * NULL (errno ENOMEM) when out of memory or when @n * @size overflows.
 */
void *mem_array(size_t n, size_t size);
/* The same, zeroed (calloc below 4 MiB). */
void *mem_zarray(size_t n, size_t size);

#endif
