// SPDX-License-Identifier: MIT
// The firewall interface: dispatch to the nft or iptables backend (theory of each in fw.h).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/fw.h"
#include "model/service.h"

const char *fw_backend_name(enum fw_backend be)
{
	return be == FW_IPT ? "iptables" : "nft";
}

int fw_backend_parse(const char *s, enum fw_backend *be)
{
	if (!strcmp(s, "nft") || !strcmp(s, "nftables"))
		*be = FW_NFT;
	else if (!strcmp(s, "iptables"))
		*be = FW_IPT;
	else
		return -EINVAL;
	return 0;
}

void fw_base(enum fw_backend be, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_base : fw_nft_base)(out);
}

void fw_network_add(enum fw_backend be, const struct nsnet_network *net, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_network_add : fw_nft_network_add)(net, out);
}

void fw_network_del(enum fw_backend be, const struct nsnet_network *net, bool last, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_network_del : fw_nft_network_del)(net, last, out);
}

void fw_vip_add(enum fw_backend be, const struct nsnet_vip *v, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_vip_add : fw_nft_vip_add)(v, out);
}

void fw_vip_del(enum fw_backend be, const struct nsnet_vip *v, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_vip_del : fw_nft_vip_del)(v, out);
}

void fw_port_add(enum fw_backend be, const struct nsnet_port *p, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_port_add : fw_nft_port_add)(p, out);
}

void fw_port_del(enum fw_backend be, const struct nsnet_port *p, struct strbuf *out)
{
	(be == FW_IPT ? fw_ipt_port_del : fw_nft_port_del)(p, out);
}

void fw_teardown(enum fw_backend be, struct strbuf *out)
{
	if (be == FW_IPT) {
		fw_ipt_teardown(out);
		return;
	}
	out->len = 0;
	if (out->s)
		out->s[0] = 0;
	strbuf_printf(out, "delete table inet %s\n", NSNET_NFT_TABLE);
}

int fw_chain_names(enum fw_backend be, char ***names, struct nsnet_err *err)
{
	return be == FW_IPT ? fw_ipt_chain_names(names, err) : fw_nft_chain_names(names, err);
}

int fw_exists(enum fw_backend be, struct nsnet_err *err)
{
	char **names;
	int n;

	if (be == FW_NFT)
		return fw_nft_table_exists(err);
	if ((n = fw_ipt_chain_names(&names, err)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n > 0;
}

int fw_network_chains(enum fw_backend be, const struct nsnet_network *net, char names[4][NSNET_NAME_MAX + 16])
{
	if (be == FW_IPT) {
		fw_ipt_network_chain(net, true, names[0], sizeof(names[0]));
		fw_ipt_network_chain(net, false, names[1], sizeof(names[1]));
		return 2;
	}
	snprintf(names[0], sizeof(names[0]), "in-%s", net->name);
	snprintf(names[1], sizeof(names[1]), "out-%s", net->name);
	snprintf(names[2], sizeof(names[2]), "nat-%s", net->name);
	snprintf(names[3], sizeof(names[3]), "natout-%s", net->name);
	return 4;
}

bool fw_vip_chain(enum fw_backend be, const struct nsnet_vip *v, char *buf, size_t len)
{
	if (be == FW_IPT)
		fw_ipt_vip_chain(v, buf, len);
	else if (v->affinity)
		snprintf(buf, len, "vip-%u", v->id);
	else
		return false;
	return true;
}

void fw_port_chain(enum fw_backend be, const struct nsnet_port *p, char *buf, size_t len)
{
	if (be == FW_IPT)
		fw_ipt_port_chain(p, buf, len);
	else
		snprintf(buf, len, "pub-%u", p->id);
}
