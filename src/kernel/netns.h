/* SPDX-License-Identifier: MIT */
/* Persistent named network namespaces, made the way iproute2 makes them (/run/netns/NAME bind mounts). */
#ifndef NSNET_KERNEL_NETNS_H
#define NSNET_KERNEL_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kernel/nl.h"
#include "util/err.h"

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_ETC_DIR "/etc/netns"

/*
 * Create /run/netns/@name holding a new network namespace, exactly as `ip netns add` does, so
 * `ip netns list` and `ip netns exec` see it. Returns 0, -EEXIST when the name is taken, or -errno.
 * On failure nothing is left behind. With @open (may be NULL), also an fd of the namespace (its
 * identity in @open->dev and @open->ino) and an rtnetlink socket inside it, made while this
 * process is in there anyway: no setns() back and forth, no second open. -1 / closed when they
 * could not be made (the namespace is there all the same).
 */
struct netns_open {
	int fd;
	struct nl nl;
	bool nl_ok;
	unsigned long long dev, ino;
};
int netns_add(const char *name, struct netns_open *open, struct nsnet_err *err);

/*
 * A network namespace made ahead of its name (apply's namespace pool, core/netns_pool.c): moves
 * the calling thread into a new network namespace and returns an fd of it (O_RDONLY|O_CLOEXEC).
 * Nothing persistent: the namespace lives as long as that fd, the thread, or what is made in it
 * (a socket) hold it. Meant for a thread of its own, which stays in the namespace. -errno.
 */
int netns_new_unnamed(struct nsnet_err *err);

/*
 * Name the namespace behind @fd /run/netns/@name (the bind mount netns_add() makes), so it
 * persists. Returns 0, -EEXIST when the name is taken, or -errno; on failure nothing is left.
 */
int netns_name(const char *name, int fd, struct nsnet_err *err);

/*
 * Unmount and remove /run/netns/@name. The kernel frees the namespace (and the links in it, such
 * as the inner end of a veth, which takes its host end with it) once nothing else holds it.
 * Returns 0, -ENOENT when absent, or -errno.
 */
int netns_del(const char *name, struct nsnet_err *err);

/* Open /run/netns/@name (O_RDONLY|O_CLOEXEC). Returns an fd or -errno. */
int netns_open(const char *name, struct nsnet_err *err);

/*
 * Open a network namespace given by path (a CNI runtime's CNI_NETNS: /proc/PID/ns/net, a bind
 * mount anywhere). Fills its identity (@dev, @ino; may be NULL). Returns an fd, -ENOENT when the
 * path does not exist, -ENOTNAM when it is not a network namespace, or -errno.
 */
int netns_open_path(const char *path, unsigned long long *dev, unsigned long long *ino, struct nsnet_err *err);

/* Does @path still lead to the namespace (@dev, @ino)? */
bool netns_path_is(const char *path, unsigned long long dev, unsigned long long ino);

/* Is /run/netns/@name a mounted namespace (not merely a file left by an interrupted removal)? */
bool netns_exists(const char *name);

/*
 * PIDs of processes whose network namespace is /run/netns/@name. Fills up to @max in @pids.
 * Returns how many there are (may exceed @max), or -errno.
 */
int netns_pids(const char *name, pid_t *pids, size_t max, struct nsnet_err *err);

/* Names in /run/netns, sorted; *names is a malloc'd array of malloc'd strings. Returns count or -errno. */
int netns_list(char ***names, struct nsnet_err *err);
void netns_list_free(char **names, int n);

#endif
