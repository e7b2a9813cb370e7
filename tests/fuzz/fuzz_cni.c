// SPDX-License-Identifier: MIT
// libFuzzer target: the CNI configuration parser (stdin of every verb) and the result renderers.
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const verbs[] = { "ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION" };
static const char *cur_verb, *cur_args;

static const char *get(const char *name)
{
	if (!strcmp(name, "CNI_COMMAND"))
		return cur_verb;
	if (!strcmp(name, "CNI_ARGS"))
		return cur_args;
	if (!strcmp(name, "CNI_CONTAINERID"))
		return "c1";
	if (!strcmp(name, "CNI_IFNAME"))
		return "eth0";
	if (!strcmp(name, "CNI_NETNS"))
		return "/proc/1/ns/net";
	if (!strcmp(name, "CNI_PATH"))
		return "/opt/cni/bin";
	return NULL;
}

/* Input: byte 0 picks the verb, then "CNI_ARGS value\n" and the configuration. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int codes[] = { CNI_ERR_VERSION, CNI_ERR_FIELD, CNI_ERR_ENV, CNI_ERR_DECODE, CNI_ERR_CONFIG,
				     CNI_ERR_INTERNAL };
	struct cni_error e;
	struct cni_env env;
	struct cni_conf c;
	char args[512] = "";
	const char *nl;
	size_t n;
	bool known = false;

	if (size < 1)
		return 0;
	cur_verb = verbs[data[0] % 6];
	data++;
	size--;
	nl = memchr(data, '\n', size);
	n = nl ? (size_t)(nl - (const char *)data) : 0;
	if (n >= sizeof(args) || memchr(data, '\0', n))
		return 0;
	memcpy(args, data, n);
	cur_args = args;
	if (nl) {
		data += n + 1;
		size -= n + 1;
	}
	if (cni_env_read(get, &env, &e) < 0)
		abort();	/* the fake environment is complete */
	if (cni_conf_parse((const char *)data, size, &env, &c, &e) < 0) {
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			known |= e.code == codes[i];
		if (!known || !e.msg[0] || strchr(e.msg, '\n'))
			abort();
		json_decref(cni_error_json(c.version, &e));
	} else if (env.cmd != CNI_CMD_VERSION) {
		struct sandbox_result r = { .n_addrs = c.sb.n_ips, .plen = { 24, 64 }, .default_route = true };
		json_t *j;

		memcpy(r.addr, c.sb.ip, sizeof(r.addr));
		memcpy(r.gateway, c.sb.ip, sizeof(r.gateway));
		j = c.mode == CNI_MODE_PLUGIN ? cni_result(&c, &env, &r) : cni_ipam_result(&c, &r);
		if (!j || c.sb.n_ports > SANDBOX_MAX_PORTS || c.sb.n_ips > NSNET_MAX_SUBNETS)
			abort();
		json_decref(j);
		/* CHECK's comparison with a prevResult: any one given, and the result just rendered. */
		if (env.cmd == CNI_CMD_CHECK && cni_check_prev(json_object_get(c.root, "prevResult"), &env, &r, &e) < 0 &&
		    (!e.msg[0] || strchr(e.msg, '\n')))
			abort();
	}
	cni_conf_free(&c);
	return 0;
}
