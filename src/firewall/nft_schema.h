/* SPDX-License-Identifier: MIT */
/* The one definition of table inet nsnet: names of its chains, sets and maps, and their key layouts. */
#ifndef NSNET_FIREWALL_NFT_SCHEMA_H
#define NSNET_FIREWALL_NFT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firewall/fw.h"
#include "util/inet.h"
#include "util/names.h"
#include "util/strbuf.h"

/*
 * Theory of operation. Every object of the nft backend is named here, from its family, protocol
 * and ids, and every set or map carries its key (and data) layout here: the fields of the
 * concatenation, how each is declared ("type ..." or "typeof ..."), written as nft text, and laid
 * out in bytes for the kernel. The text renderer (nft_change.c: --dry-run, the journal,
 * libnftables) and the libnftnl batch builder (the fast path) both go through these functions,
 * so a name or a layout cannot differ between the two.
 */

/* The table: family and name as nft text ("inet nsnet"). */
#define NFT_TABLE "inet " NSNET_NFT_TABLE

/* What nft calls a family's protocol and address type, and the suffix of its per-family objects. */
struct nft_family {
	int family;		/* AF_INET / AF_INET6 */
	const char *ip;		/* "ip" / "ip6" */
	const char *type;	/* "ipv4_addr" / "ipv6_addr" */
	const char *sfx;	/* "4" / "6" */
	const char *nfproto;	/* "ipv4" / "ipv6" (meta nfproto) */
	const char *loopback;	/* "127.0.0.0/8" / "::1" */
	uint8_t nfproto_num;	/* NFPROTO_IPV4 / NFPROTO_IPV6 */
};

extern const struct nft_family nft_families[2];	/* IPv4, IPv6 */
const struct nft_family *nft_family_of(int family);

/* The name of a chain, set or map ("natout-" + a network name is the longest). */
struct nft_name {
	char s[NSNET_NAME_MAX + 16];
};

/*
 * Chains. Base chains (hooked) are a fixed list; the others are named by what they serve:
 *   pick4t-N / picksep4t-N: the shared backend pick of VIPs with N backends (family, protocol, N)
 *   vip-ID, sep-ID-I: a VIP with affinity and its backend I;  pub-ID: a published port
 *   in-NET, out-NET, nat-NET, natout-NET: a network's filter and NAT chains
 */
enum nft_base_chain {
	NFT_CHAIN_SVC_PRE,
	NFT_CHAIN_SVC_OUT,
	NFT_CHAIN_SVC_FILTER_OUT,
	NFT_CHAIN_GUARD,
	NFT_CHAIN_FORWARD,
	NFT_CHAIN_POSTROUTING,
};

enum nft_net_chain {
	NFT_NET_IN,
	NFT_NET_OUT,
	NFT_NET_NAT,
	NFT_NET_NATOUT,
	NFT_NET_DNS,		/* who may query the network's resolver (chain `input` dispatches to it) */
	NFT_NET_VX,		/* an overlay's VXLAN filter: UDP from its known peers only (hook input) */
	NFT_NET_VXPEERS,	/* the set of those peers' underlay addresses (a set, not a chain) */
};

const char *nft_base_chain_name(enum nft_base_chain c);
/* "add chain inet nsnet NAME { type ... hook ... priority ... ; policy accept ; }" */
void nft_base_chain_decl(enum nft_base_chain c, struct strbuf *out);
struct nft_name nft_chain_pick(int family, uint8_t proto, size_t n_backends);
struct nft_name nft_chain_picksep(int family, uint8_t proto, size_t n_backends);
struct nft_name nft_chain_vip(unsigned int id);
struct nft_name nft_chain_sep(unsigned int id, size_t index);
struct nft_name nft_chain_pub(unsigned int id);
struct nft_name nft_chain_net(enum nft_net_chain c, const char *net);

/*
 * Key and data layouts: the fields of a concatenation, in order. In the kernel each field takes a
 * multiple of 4 bytes: an address its 4 or 16 bytes, a protocol 1 byte padded to 4, a port 2
 * bytes in network order padded to 4, a numgen index 4 bytes in host order, an interface name 16.
 */
enum nft_layout {
	NFT_LAYOUT_NONE,		/* a plain set: no data */
	NFT_LAYOUT_VERDICT,		/* data of a verdict map: jump/goto CHAIN */
	NFT_LAYOUT_IFNAME,		/* "br0" */
	NFT_LAYOUT_ADDR,		/* 10.0.0.1 */
	NFT_LAYOUT_ADDR_PROTO_PORT,	/* 10.0.0.1 . tcp . 80 */
	NFT_LAYOUT_PROTO_PORT,		/* tcp . 80 */
	NFT_LAYOUT_ADDR_PORT_INDEX,	/* 10.0.0.1 . 80 . 2 */
	NFT_LAYOUT_ADDR_PORT,		/* 10.0.0.1 . 80 */
	NFT_LAYOUT_GROUP,		/* an interface group (devgroup), 4 bytes in host order */
};

/* One value of a layout; a layout reads only its own fields. */
struct nft_value {
	struct nsnet_addr addr;
	uint8_t proto;
	uint16_t port;
	uint32_t index;
	const char *ifname;
	uint32_t group;
};

/* @v as nft writes it in an element ("10.0.0.1 . tcp . 80"). */
void nft_value_text(enum nft_layout l, const struct nft_value *v, struct strbuf *out);
/* @v as the kernel keeps it, into @buf (>= NFT_VALUE_MAX bytes); returns its length. */
#define NFT_VALUE_MAX 64
size_t nft_value_bytes(enum nft_layout l, const struct nft_value *v, uint8_t *buf);

/* Sets and maps of the table. */
enum nft_set_kind {
	NFT_SET_SVC,		/* svc4: (VIP or host address . proto . port) -> jump pick / vip / pub chain */
	NFT_SET_PUBANY,		/* pubany4: (proto . port) -> jump pub chain, ports on every address */
	NFT_SET_BACKENDS,	/* bk4t: (VIP . port . index) -> (backend address . port) */
	NFT_SET_SEPS,		/* sep4t: (VIP . port . index) -> goto sep chain (affinity) */
	NFT_SET_EMPTY,		/* empty4: VIPs without backends, rejected */
	NFT_SET_AFFINITY,	/* aff-ID-I: clients of backend I of a VIP with affinity (timeout) */
	NFT_SET_BRIDGES,	/* bridges: every nsnet bridge */
	NFT_SET_FWD_IN,		/* fwd_in, fwd_out, nat_in, nat_out: bridge -> a network's chain */
	NFT_SET_FWD_OUT,
	NFT_SET_NAT_IN,
	NFT_SET_NAT_OUT,
	NFT_SET_GROUPS,		/* groups: every routed network's interface group (network_group()) */
	NFT_SET_FWD_IN_G,	/* fwd_in_g, ...: a routed network's group -> its chain, as fwd_in for a bridge */
	NFT_SET_FWD_OUT_G,
	NFT_SET_NAT_IN_G,
	NFT_SET_NAT_OUT_G,
};

/* Which set: the kind, and what names it (only the fields its kind uses). */
struct nft_set_ref {
	enum nft_set_kind kind;
	int family;		/* SVC, PUBANY, BACKENDS, SEPS, EMPTY, AFFINITY */
	uint8_t proto;		/* BACKENDS, SEPS */
	unsigned int id;	/* AFFINITY: the VIP */
	size_t index;		/* AFFINITY: the backend */
	unsigned int timeout;	/* AFFINITY: seconds, in its declaration */
};

struct nft_name nft_set_name(const struct nft_set_ref *s);
enum nft_layout nft_set_key(const struct nft_set_ref *s);
enum nft_layout nft_set_data(const struct nft_set_ref *s);
/* "add set inet nsnet NAME { type ... ; }" or "add map ... { typeof ... : ... ; }" */
void nft_set_decl(const struct nft_set_ref *s, struct strbuf *out);

#endif
