// SPDX-License-Identifier: MIT
// resolv.conf for namespaces: given nameservers, their networks' resolvers, or the host's that a namespace can reach.
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "util/strbuf.h"

/* Loopback resolvers (systemd-resolved's 127.0.0.53, dnsmasq on 127.0.0.1, ::1) live in the
 * host's namespace: from a container namespace those addresses are its own loopback. */
static bool resolv_is_loopback(const struct nsnet_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->b[0] == 127;
	return !memcmp(a->b, v6_loopback, 16);
}

void core_resolv_conf(const struct nsnet_addr *dns, size_t n_dns, const struct nsnet_opts *o,
		      struct strbuf *out)
{
	char line[1024], buf[INET6_ADDRSTRLEN];
	size_t kept = 0;
	FILE *f;

	if (n_dns) {
		for (size_t i = 0; i < n_dns; i++)
			strbuf_printf(out, "nameserver %s\n", nsnet_addr_str(&dns[i], buf));
		return;
	}
	f = fopen("/etc/resolv.conf", "re");
	if (!f) {
		op_note(o, 1, "no /etc/resolv.conf on the host; namespace gets none (use --dns)");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char word[16], value[INET6_ADDRSTRLEN + 16];
		struct nsnet_addr a;

		if (sscanf(line, "%15s %61s", word, value) != 2)
			continue;
		if (!strcmp(word, "search") || !strcmp(word, "domain") || !strcmp(word, "options")) {
			strbuf_printf(out, "%s", line);
			if (line[strlen(line) - 1] != '\n')
				strbuf_printf(out, "\n");
			continue;
		}
		if (strcmp(word, "nameserver") || nsnet_addr_parse(value, &a, NULL) < 0)
			continue;
		if (resolv_is_loopback(&a)) {
			op_note(o, 1, "skipping host nameserver %s: a loopback resolver is not reachable from a namespace (use --dns)",
				value);
			continue;
		}
		if (kept++ < NSNET_MAX_DNS)
			strbuf_printf(out, "nameserver %s\n", nsnet_addr_str(&a, buf));
	}
	fclose(f);
	if (!kept) {
		/* Search/options alone would be useless; glibc would then try 127.0.0.1 anyway. */
		out->len = 0;
		if (out->s)
			out->s[0] = '\0';
		op_note(o, 1, "the host has no nameserver a namespace can reach; no resolv.conf written (use --dns)");
	}
}

void core_resolv_conf_nets(const struct nsnet_network *nets, size_t n, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];
	size_t kept = 0, searched = 0;

	/* glibc asks at most three nameservers: each network's IPv4 resolver first, then IPv6 ones. */
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < nets[i].n_subnets && nets[i].dns; k++)
				if (nets[i].gateway[k].family == (fam ? AF_INET6 : AF_INET) && kept < NSNET_MAX_DNS) {
					strbuf_printf(out, "nameserver %s\n", nsnet_addr_str(&nets[i].gateway[k], buf));
					kept++;
				}
	for (size_t i = 0; i < n; i++)
		if (nets[i].dns)
			strbuf_printf(out, "%s%s", searched++ ? " " : "search ", nets[i].domain);
	if (searched)
		strbuf_printf(out, "\n");
}
