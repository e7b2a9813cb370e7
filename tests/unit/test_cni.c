// SPDX-License-Identifier: MIT
// Unit tests for the CNI layer: environment and configuration parsing, results per spec version.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "unit.h"

/* A fake environment: NULL-terminated "KEY=VALUE" table read by env_get(). */
static const char *const *fake_env;

static const char *env_get(const char *name)
{
	size_t n = strlen(name);

	for (const char *const *e = fake_env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static const char *const env_add[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/proc/1/ns/net",
				       "CNI_IFNAME=eth0", "CNI_PATH=/opt/cni/bin", NULL };

/* Parse @conf for @env; returns the CNI error code (0: parsed). */
static int parse(const char *const *env_tab, const char *conf, struct cni_conf *c, struct cni_error *e)
{
	struct cni_env env;

	fake_env = env_tab;
	memset(e, 0, sizeof(*e));
	if (cni_env_read(env_get, &env, e) < 0)
		return e->code;
	if (cni_conf_parse(conf, strlen(conf), &env, c, e) < 0)
		return e->code;
	return 0;
}

static int parse_code(const char *const *env_tab, const char *conf)
{
	struct cni_conf c;
	struct cni_error e;
	int code = parse(env_tab, conf, &c, &e);

	cni_conf_free(&c);
	return code;
}

TEST(test_env)
{
	struct cni_env env;
	struct cni_error e;

	fake_env = (const char *const[]){ NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK_EQ_INT(e.code, CNI_ERR_ENV);
	fake_env = (const char *const[]){ "CNI_COMMAND=FROB", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK_EQ_INT(e.code, CNI_ERR_ENV);
	CHECK(strstr(e.msg, "FROB") != NULL);
	fake_env = (const char *const[]){ "CNI_COMMAND=VERSION", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), 0);
	fake_env = (const char *const[]){ "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0",
					  "CNI_PATH=/x", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK(strstr(e.msg, "CNI_NETNS") != NULL);
	/* DEL may come without a namespace. */
	fake_env = (const char *const[]){ "CNI_COMMAND=DEL", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0",
					  "CNI_PATH=/x", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), 0);
	fake_env = (const char *const[]){ "CNI_COMMAND=DEL", "CNI_CONTAINERID=a/b", "CNI_IFNAME=eth0",
					  "CNI_PATH=/x", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK(strstr(e.msg, "CNI_CONTAINERID") != NULL);
	fake_env = (const char *const[]){ "CNI_COMMAND=DEL", "CNI_CONTAINERID=c1", "CNI_IFNAME=this-is-too-long0",
					  "CNI_PATH=/x", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK_EQ_INT(e.code, CNI_ERR_ENV);
	fake_env = (const char *const[]){ "CNI_COMMAND=GC", NULL };
	CHECK_EQ_INT(cni_env_read(env_get, &env, &e), -1);
	CHECK(strstr(e.msg, "CNI_PATH") != NULL);
}

TEST(test_versions)
{
	const char *ok[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
	char conf[256];

	for (size_t i = 0; i < 5; i++) {
		snprintf(conf, sizeof(conf), "{\"cniVersion\":\"%s\",\"name\":\"n\",\"type\":\"nsnet\",\"subnet\":\"10.0.0.0/24\"}", ok[i]);
		CHECK_EQ_INT(parse_code(env_add, conf), 0);
	}
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_VERSION);
	CHECK_EQ_INT(parse_code(env_add, "{\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_VERSION);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":1,\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_DECODE);
	/* CHECK from 0.4.0 on, GC and STATUS only in 1.1.0. */
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=CHECK", "CNI_CONTAINERID=c", "CNI_NETNS=/x",
						       "CNI_IFNAME=eth0", "CNI_PATH=/p", NULL },
				"{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_VERSION);
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=GC", "CNI_PATH=/p", NULL },
				"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_VERSION);
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=STATUS", "CNI_PATH=/p", NULL },
				"{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_VERSION);
	/* VERSION takes any version and answers with a supported one. */
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=VERSION", NULL }, "{\"cniVersion\":\"0.1.0\"}"), 0);
}

TEST(test_decode)
{
	CHECK_EQ_INT(parse_code(env_add, ""), CNI_ERR_DECODE);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":"), CNI_ERR_DECODE);
	CHECK_EQ_INT(parse_code(env_add, "[1,2]"), CNI_ERR_DECODE);
	CHECK_EQ_INT(parse_code(env_add, "{\"a\":1,\"a\":2}"), CNI_ERR_DECODE);
}

TEST(test_config_values)
{
	struct cni_conf c;
	struct cni_error e;
	int code;

	code = parse(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"lan\",\"type\":\"nsnet\",\"bridge\":\"br9\","
			      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"gateway\":\"10.1.0.254\"}],[{\"subnet\":\"fd00:1::/64\"}]],"
			      "\"ipMasq\":false,\"isGateway\":false,\"mtu\":1400,\"hairpinMode\":false,\"internal\":false,"
			      "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"udp\"}],"
			      "\"ips\":[\"10.1.0.9/24\"],\"mac\":\"02:00:00:00:00:09\",\"dns\":{\"servers\":[\"192.0.2.53\"]}}}",
		     &c, &e);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(c.mode, CNI_MODE_PLUGIN);
	CHECK_EQ_STR(c.sb.net.bridge, "br9");
	CHECK_EQ_INT(c.sb.net.n_subnets, 2);
	CHECK_EQ_INT(c.sb.net.n_gateways, 1);
	CHECK_EQ_INT(c.sb.net.no_nat, 1);
	CHECK_EQ_INT(c.sb.net.mtu, 1400);
	CHECK_EQ_INT(c.sb.no_default_route, 1);
	CHECK_EQ_INT(c.sb.no_hairpin, 1);
	CHECK_EQ_INT(c.sb.n_ports, 1);
	CHECK_EQ_INT(c.ports[0].host_port, 8080);
	CHECK_EQ_INT(c.ports[0].port, 80);
	CHECK_EQ_INT(c.ports[0].proto, IPPROTO_UDP);
	CHECK_EQ_INT(c.sb.n_ips, 1);
	CHECK_EQ_INT(c.sb.mac_set, 1);
	CHECK_EQ_INT(c.sb.mac[5], 9);
	CHECK_EQ_INT(json_array_size(json_object_get(c.dns, "nameservers")), 1);
	CHECK_EQ_INT(c.sb.given & (SANDBOX_GIVEN_BRIDGE | SANDBOX_GIVEN_NAT | SANDBOX_GIVEN_MTU | SANDBOX_GIVEN_GATEWAY),
		     SANDBOX_GIVEN_BRIDGE | SANDBOX_GIVEN_NAT | SANDBOX_GIVEN_MTU | SANDBOX_GIVEN_GATEWAY);
	cni_conf_free(&c);

	/* Bad values name the key. */
	code = parse(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"lan\",\"type\":\"nsnet\",\"subnet\":\"10.1.0.5/24\"}", &c, &e);
	CHECK_EQ_INT(code, CNI_ERR_CONFIG);
	CHECK(strstr(e.msg, "subnet") && strstr(e.msg, "10.1.0.0/24"));
	cni_conf_free(&c);
	code = parse(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"lan\",\"type\":\"nsnet\",\"ipMasq\":\"yes\"}", &c, &e);
	CHECK_EQ_INT(code, CNI_ERR_CONFIG);
	CHECK(strstr(e.msg, "ipMasq") != NULL);
	cni_conf_free(&c);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"a b\",\"type\":\"nsnet\"}"), CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\"}"), CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"mtu\":10}"), CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"isolate\":false}"), CNI_ERR_FIELD);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"vlan\":5}"), CNI_ERR_FIELD);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\","
					 "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.5\"}]]}"), CNI_ERR_FIELD);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"runtimeConfig\":"
					 "{\"portMappings\":[{\"hostPort\":1,\"containerPort\":1,\"protocol\":\"sctp\"}]}}"), CNI_ERR_FIELD);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"runtimeConfig\":"
					 "{\"portMappings\":[{\"hostPort\":0,\"containerPort\":1}]}}"), CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"runtimeConfig\":"
					 "{\"ips\":[\"10.0.0.2\",\"10.0.0.3\"]}}"), CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"ipam\":{\"type\":\"../x\"}}"),
		     CNI_ERR_CONFIG);
}

TEST(test_static_ips)
{
	struct cni_conf c;
	struct cni_error e;

	CHECK_EQ_INT(parse(env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\",\"args\":{\"cni\":{\"ips\":[\"10.0.0.7\"]}}}",
			   &c, &e), 0);
	CHECK_EQ_INT(c.sb.n_ips, 1);
	CHECK_EQ_INT(c.sb.ip[0].b[3], 7);
	cni_conf_free(&c);
	CHECK_EQ_INT(parse((const char *const[]){ "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/n", "CNI_IFNAME=eth0",
						  "CNI_PATH=/p", "CNI_ARGS=IgnoreUnknown=1;IP=10.0.0.8,fd00::8;K8S_POD_NAME=x", NULL },
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\"}", &c, &e), 0);
	CHECK_EQ_INT(c.sb.n_ips, 2);
	CHECK_EQ_INT(c.sb.ip[0].b[3], 8);
	CHECK_EQ_INT(c.sb.ip[1].family, AF_INET6);
	cni_conf_free(&c);
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/n", "CNI_IFNAME=eth0",
						       "CNI_PATH=/p", "CNI_ARGS=IP=10.0.0.300", NULL },
				"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_ENV);
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/n", "CNI_IFNAME=eth0",
						       "CNI_PATH=/p", "CNI_ARGS=garbage", NULL },
				"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_ENV);
}

/* ADD with CNI_ARGS @args and runtimeConfig @rt (may be ""): the aliases, space-separated ("-": not parsed). */
static void pod_names(const char *args, const char *rt, const char *type, char *out, size_t len)
{
	char conf[512], env_args[256];
	struct cni_conf c;
	struct cni_error e;

	snprintf(env_args, sizeof(env_args), "CNI_ARGS=%s", args);
	snprintf(conf, sizeof(conf), "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",%s%s%s}", type,
		 rt[0] ? ",\"runtimeConfig\":" : "", rt);
	out[0] = '\0';
	if (parse((const char *const[]){ "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/n", "CNI_IFNAME=eth0",
					 "CNI_PATH=/p", env_args, NULL }, conf, &c, &e) != 0) {
		snprintf(out, len, "-");
		return;
	}
	for (size_t i = 0; i < c.sb.n_aliases; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", c.sb.aliases[i]);
	cni_conf_free(&c);
}

TEST(test_pod_name)
{
	const char *plugin = "\"type\":\"nsnet\"";
	char got[256];

	/* Podman's CNI_ARGS: the container's name is its first name on the resolver. */
	pod_names("IgnoreUnknown=1;K8S_POD_NAME=web1", "", plugin, got, sizeof(got));
	CHECK_EQ_STR(got, "web1");
	pod_names("IgnoreUnknown=1;K8S_POD_NAME=web1", "{\"aliases\":{\"n\":[\"www\",\"x\",\"web1\",\"y\"]}}", plugin, got,
		  sizeof(got));
	CHECK_EQ_STR(got, "web1 www x y");
	pod_names("K8S_POD_NAME=web1", "{\"aliases\":{\"n\":[\"www\"],\"other\":[\"x\"]}}", plugin, got, sizeof(got));
	CHECK_EQ_STR(got, "web1 www");
	/* Not a valid name: someone else's key, ignored, not refused. */
	pod_names("K8S_POD_NAME=a/b;K8S_POD_NAMESPACE=default", "", plugin, got, sizeof(got));
	CHECK_EQ_STR(got, "");
	pod_names("K8S_POD_NAME=-x", "", plugin, got, sizeof(got));
	CHECK_EQ_STR(got, "");
	pod_names("K8S_POD_NAME=", "", plugin, got, sizeof(got));
	CHECK_EQ_STR(got, "");
	/* Eight aliases already: no room, the aliases stay as given. */
	pod_names("K8S_POD_NAME=p",
		  "{\"aliases\":{\"n\":[\"a1\",\"a2\",\"a3\",\"a4\",\"a5\",\"a6\",\"a7\",\"a8\"]}}", plugin, got,
		  sizeof(got));
	CHECK_EQ_STR(got, "a1 a2 a3 a4 a5 a6 a7 a8");
	/* nsnet as an IPAM plugin serves no names. */
	pod_names("K8S_POD_NAME=web1", "", "\"type\":\"bridge\",\"ipam\":{\"type\":\"nsnet\",\"subnet\":\"10.5.0.0/16\"}",
		  got, sizeof(got));
	CHECK_EQ_STR(got, "");
}

TEST(test_ipam_mode_and_gc)
{
	struct cni_conf c;
	struct cni_error e;

	CHECK_EQ_INT(parse(env_add, "{\"cniVersion\":\"0.4.0\",\"name\":\"br\",\"type\":\"bridge\",\"ipam\":{\"type\":\"nsnet\","
				    "\"subnet\":\"10.5.0.0/16\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}", &c, &e), 0);
	CHECK_EQ_INT(c.mode, CNI_MODE_IPAM);
	CHECK_EQ_INT(c.pool.n_subnets, 1);
	CHECK_EQ_INT(json_array_size(c.ipam_routes), 1);
	cni_conf_free(&c);
	CHECK_EQ_INT(parse_code(env_add, "{\"cniVersion\":\"0.4.0\",\"name\":\"br\",\"type\":\"bridge\",\"ipam\":{\"type\":\"nsnet\"}}"),
		     CNI_ERR_CONFIG);
	CHECK_EQ_INT(parse((const char *const[]){ "CNI_COMMAND=GC", "CNI_PATH=/p", NULL },
			   "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"nsnet\",\"cni.dev/valid-attachments\":"
			   "[{\"containerID\":\"a\",\"ifname\":\"eth0\"},{\"containerID\":\"b\",\"ifname\":\"net1\"}]}", &c, &e), 0);
	CHECK_EQ_INT(c.n_valid, 2);
	CHECK_EQ_STR(c.valid[1], "b/net1");
	cni_conf_free(&c);
	CHECK_EQ_INT(parse_code((const char *const[]){ "CNI_COMMAND=GC", "CNI_PATH=/p", NULL },
				"{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"nsnet\"}"), CNI_ERR_CONFIG);
}

/* A result for 10.0.0.2/24 and fd00::2/64 through gateways .1 and ::1. */
static void sample(struct sandbox_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->host_ifname, sizeof(r->host_ifname), "nv12345678");
	snprintf(r->ifname, sizeof(r->ifname), "eth0");
	r->host_mac[0] = 0xaa;
	r->mac[0] = 0x02;
	r->mac[5] = 0x05;
	r->n_addrs = 2;
	nsnet_addr_parse("10.0.0.2", &r->addr[0], NULL);
	nsnet_addr_parse("10.0.0.1", &r->gateway[0], NULL);
	r->plen[0] = 24;
	nsnet_addr_parse("fd00::2", &r->addr[1], NULL);
	nsnet_addr_parse("fd00::1", &r->gateway[1], NULL);
	r->plen[1] = 64;
	r->default_route = true;
	r->mtu = 1500;
}

static char *render(const char *version, bool ipam)
{
	struct cni_conf c = { 0 };
	struct cni_env env = { .netns = "/var/run/netns/x" };
	struct sandbox_result r;
	json_t *j;
	char *s;

	c.ver = (enum cni_ver)cni_version_parse(version);
	sample(&r);
	j = ipam ? cni_ipam_result(&c, &r) : cni_result(&c, &env, &r);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

TEST(test_results)
{
	char *s;

	s = render("0.3.1", false);
	CHECK_EQ_STR(s, "{\"cniVersion\":\"0.3.1\",\"dns\":{},\"interfaces\":[{\"mac\":\"aa:00:00:00:00:00\",\"name\":\"nv12345678\"},"
			"{\"mac\":\"02:00:00:00:00:05\",\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/x\"}],"
			"\"ips\":[{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\",\"interface\":1,\"version\":\"4\"},"
			"{\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\",\"interface\":1,\"version\":\"6\"}],"
			"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}]}");
	free(s);
	s = render("0.4.0", false);
	CHECK(s && strstr(s, "\"version\":\"4\""));
	free(s);
	s = render("1.0.0", false);
	CHECK(s && !strstr(s, "\"version\"") && strstr(s, "\"interface\":1") && !strstr(s, "\"mtu\""));
	free(s);
	s = render("1.1.0", false);
	CHECK(s && !strstr(s, "\"version\"") && strstr(s, "\"mtu\":1500") && strstr(s, "\"cniVersion\":\"1.1.0\""));
	free(s);
	s = render("0.3.0", true);
	CHECK_EQ_STR(s, "{\"cniVersion\":\"0.3.0\",\"dns\":{},\"ips\":[{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\",\"version\":\"4\"},"
			"{\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\",\"version\":\"6\"}],\"routes\":[]}");
	free(s);
	s = render("1.1.0", true);
	CHECK(s && !strstr(s, "interface") && !strstr(s, "\"version\""));
	free(s);
}

/* cni_check_prev() of @prev_json against sample() with @present routes ("DST[ GW]" each): the CNI code (0: agrees). */
static int check_prev(const char *prev_json, const char *const *present, bool more, struct cni_error *e)
{
	struct cni_env env = { .cmd = CNI_CMD_CHECK, .ifname = "eth0", .netns = "/var/run/netns/x" };
	struct sandbox_result r;
	json_t *prev = json_loads(prev_json, 0, NULL);
	int code;

	sample(&r);
	for (; present && *present; present++) {
		char dst[NSNET_PREFIX_STRLEN], *gw;
		struct sandbox_route *rt = &r.present[r.n_present++];

		snprintf(dst, sizeof(dst), "%s", *present);
		if ((gw = strchr(dst, ' ')))
			*gw++ = 0;
		nsnet_prefix_parse(dst, &rt->dst, NULL);
		if (gw)
			nsnet_addr_parse(gw, &rt->gw, NULL);
	}
	r.present_more = more;
	memset(e, 0, sizeof(*e));
	code = cni_check_prev(prev, &env, &r, e) < 0 ? e->code : 0;
	json_decref(prev);
	return code;
}

TEST(test_check_prev_routes)
{
	static const char *const present[] = { "0.0.0.0/0 10.0.0.1", "10.0.0.0/24", "::/0 fd00::1", "fd00::/64", NULL };
	struct cni_error e;

	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"},{\"dst\":\"::/0\"},"
				"{\"dst\":\"10.0.0.0/24\"}]}", present, false, &e), 0);
	/* Another gateway, a destination the namespace lacks, another prefix length. */
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.9\"}]}", present, false, &e),
		     CNI_ERR_INTERNAL);
	CHECK_EQ_STR(e.msg, "prevResult: route 0.0.0.0/0 via 10.0.0.9 is not in the container's namespace");
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"192.0.2.0/24\"}]}", present, false, &e), CNI_ERR_INTERNAL);
	CHECK_EQ_STR(e.msg, "prevResult: route 192.0.2.0/24 is not in the container's namespace");
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"10.0.0.0/16\"}]}", present, false, &e), CNI_ERR_INTERNAL);
	/* A gateway route found by destination alone; none asked for, none present. */
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"::/0\"}]}", present, false, &e), 0);
	CHECK_EQ_INT(check_prev("{\"routes\":[]}", NULL, false, &e), 0);
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"::/0\"}]}", NULL, false, &e), CNI_ERR_INTERNAL);
	/* A list the core cut short cannot tell a route is missing. */
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"192.0.2.0/24\"}]}", present, true, &e), 0);
	/* Malformed routes. */
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"gw\":\"10.0.0.1\"}]}", present, false, &e), CNI_ERR_DECODE);
	CHECK_EQ_STR(e.msg, "prevResult: routes[0].dst: expected a CIDR");
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"10.0.0.5/24\"}]}", present, false, &e), CNI_ERR_DECODE);
	CHECK_EQ_INT(check_prev("{\"routes\":[{\"dst\":\"10.0.0.0/24\",\"gw\":\"x\"}]}", present, false, &e),
		     CNI_ERR_DECODE);
}

TEST(test_version_and_errors)
{
	struct cni_error e;
	json_t *j = cni_version_result("0.4.0");
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	CHECK_EQ_STR(s, "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
	free(s);
	json_decref(j);
	j = cni_version_result("7.0.0");
	CHECK_EQ_STR(json_string_value(json_object_get(j, "cniVersion")), "1.1.0");
	json_decref(j);
	cni_fail(&e, CNI_ERR_VERSION, "cniVersion '%s'", "a\nb\x7f");
	CHECK_EQ_STR(e.msg, "cniVersion 'a\\x0ab\\x7f'");
	cni_fail(&e, CNI_ERR_CONFIG, "bad %s", "thing");
	j = cni_error_json("0.3.1", &e);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "{\"cniVersion\":\"0.3.1\",\"code\":7,\"msg\":\"bad thing\"}");
	free(s);
	json_decref(j);
}

int main(void)
{
	RUN(test_env);
	RUN(test_versions);
	RUN(test_decode);
	RUN(test_config_values);
	RUN(test_static_ips);
	RUN(test_pod_name);
	RUN(test_ipam_mode_and_gc);
	RUN(test_results);
	RUN(test_check_prev_routes);
	RUN(test_version_and_errors);
	return unit_done();
}
