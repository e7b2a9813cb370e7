/* SPDX-License-Identifier: MIT */
/* The CNI protocol: environment and stdin configuration in, result or error JSON out. No kernel calls. */
#ifndef NSNET_CNI_CNI_H
#define NSNET_CNI_CNI_H

#include <jansson.h>
#include <stdbool.h>

#include "core/core.h"

/*
 * Theory of operation. A runtime runs `nsnet` with no arguments, CNI_COMMAND and friends in the
 * environment and the network configuration on stdin. cni_main() reads both into a struct
 * cni_env and a struct cni_conf (conf.c: every check that needs no kernel, each failure a CNI
 * error code), runs the verb through the core (plugin.c: core_sandbox_* for nsnet as the
 * interface plugin, core_pool_* for nsnet as an IPAM plugin, and delegate.c for an IPAM plugin
 * nsnet itself calls), and renders the answer in the requested version's format (result.c).
 */

enum cni_cmd { CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK, CNI_CMD_STATUS, CNI_CMD_GC, CNI_CMD_VERSION };

/* Supported spec versions, oldest first. */
enum cni_ver { CNI_V030, CNI_V031, CNI_V040, CNI_V100, CNI_V110, CNI_NVERSIONS };

/* Well-known error codes (SPEC.md "Error codes"); 999: anything else went wrong. */
#define CNI_ERR_VERSION 1	/* incompatible cniVersion */
#define CNI_ERR_FIELD 2		/* unsupported field in the configuration */
#define CNI_ERR_UNKNOWN 3	/* container unknown or does not exist */
#define CNI_ERR_ENV 4		/* invalid necessary environment variables */
#define CNI_ERR_IO 5		/* I/O failure */
#define CNI_ERR_DECODE 6	/* failed to decode content */
#define CNI_ERR_CONFIG 7	/* invalid network configuration */
#define CNI_ERR_AGAIN 11	/* try again later */
#define CNI_ERR_UNAVAILABLE 50	/* STATUS: the plugin cannot serve ADD */
#define CNI_ERR_LIMITED 51	/* STATUS: ... and existing containers may have limited connectivity */
#define CNI_ERR_INTERNAL 999

struct cni_error {
	int code;
	char msg[NSNET_ERR_MSG_MAX];
	char details[NSNET_ERR_MSG_MAX];
};

/* Fill @e and return -1. */
int cni_fail(struct cni_error *e, int code, const char *fmt, ...) NSNET_PRINTF(3, 4);

struct cni_env {
	enum cni_cmd cmd;
	const char *cid;	/* CNI_CONTAINERID */
	const char *netns;	/* CNI_NETNS */
	const char *ifname;	/* CNI_IFNAME */
	const char *args;	/* CNI_ARGS ("" when unset) */
	const char *path;	/* CNI_PATH */
};

/*
 * Read the CNI_* variables through @get (getenv, or a table in tests) and check that the verb
 * has what it needs. Returns 0 or -1 with @e (code 4, naming the variable).
 */
int cni_env_read(const char *(*get)(const char *name), struct cni_env *env, struct cni_error *e);

enum cni_mode {
	CNI_MODE_PLUGIN,	/* "type": "nsnet": nsnet makes the interface */
	CNI_MODE_IPAM,		/* "ipam": {"type": "nsnet"} under another plugin: addresses only */
};

struct cni_conf {
	json_t *root;			/* the configuration as given (owned) */
	const char *version;		/* its cniVersion string (may be NULL before it is checked) */
	enum cni_ver ver;
	const char *name;
	enum cni_mode mode;
	const char *ipam_type;		/* a delegated IPAM plugin, or NULL (nsnet's own) */
	struct sandbox_req sb;		/* CNI_MODE_PLUGIN; sb.cid/ifname/netns from the environment */
	struct nsnet_port ports[SANDBOX_MAX_PORTS];
	char bridge[IFNAMSIZ];
	char pod_name[NSNET_NAME_MAX + 1];	/* CNI_ARGS K8S_POD_NAME when a valid name ("": none) */
	struct pool_req pool;		/* CNI_MODE_IPAM */
	json_t *dns;			/* for the result (owned), NULL: none */
	json_t *ipam_routes;		/* CNI_MODE_IPAM: "ipam.routes" given back (borrowed from root) */
	size_t n_valid;			/* GC: "cni.dev/valid-attachments" as "cid/ifname" strings */
	char **valid;
};

/*
 * Parse the configuration @text for @env's verb. VERSION needs only a cniVersion (any value).
 * Returns 0 or -1 with @e: 6 (not JSON), 1 (version), 7 (bad value: the message names the key,
 * the value and what was expected), 2 (a field nsnet does not support). Free with cni_conf_free().
 */
int cni_conf_parse(const char *text, size_t len, const struct cni_env *env, struct cni_conf *c,
		   struct cni_error *e);
void cni_conf_free(struct cni_conf *c);

/* "0.3.0" ... "1.1.0"; -1 for anything else. */
int cni_version_parse(const char *s);
const char *cni_version_str(enum cni_ver v);

/* Results (new references, NULL on OOM). */
json_t *cni_result(const struct cni_conf *c, const struct cni_env *env, const struct sandbox_result *res);
json_t *cni_ipam_result(const struct cni_conf *c, const struct sandbox_result *res);
/*
 * CHECK: does prevResult @prev (NULL: none given, fine) agree with @res? The container interface
 * named CNI_IFNAME with sandbox CNI_NETNS must have @res's MAC, and every address it lists for
 * that interface must be one of @res's; every route it lists must be among @res's present routes
 * (same destination prefix, and the same gateway when it gives one). Returns 0 or -1 with @e
 * naming the difference.
 */
int cni_check_prev(const json_t *prev, const struct cni_env *env, const struct sandbox_result *res,
		   struct cni_error *e);
/* The VERSION answer: @requested when supported, else the newest. */
json_t *cni_version_result(const char *requested);
/* {"cniVersion", "code", "msg", "details"?}: @version NULL or unsupported gives the newest. */
json_t *cni_error_json(const char *version, const struct cni_error *e);

/*
 * Run IPAM plugin @type found in @env->path with verb @cmd ("ADD", "DEL", ...), the same
 * environment and @conf on stdin. ADD fills *@out with its result (caller decrefs).
 * Returns 0, or -1 with @e (the plugin's own error code and message when it gave one).
 */
int cni_delegate(const struct cni_env *env, const char *type, const char *cmd, const char *conf, size_t len,
		 json_t **out, struct cni_error *e);

/*
 * Take the addresses of a delegated IPAM result @res into @c->sb: static addresses, and when
 * the configuration gave no subnet, the subnets and gateways they lie in. Returns 0 or -1.
 */
int cni_take_ipam_result(struct cni_conf *c, const json_t *res, struct cni_error *e);

/*
 * Be the CNI plugin: read the environment and stdin, run the verb, print the result or the
 * error JSON on stdout. Returns the exit status (0 or 1).
 */
int cni_main(const struct nsnet_opts *o);

#endif
