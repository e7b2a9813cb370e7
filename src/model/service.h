/* SPDX-License-Identifier: MIT */
/* Services: virtual IPs with backends, and published ports; their parsers and JSON forms. */
#ifndef NSNET_MODEL_SERVICE_H
#define NSNET_MODEL_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

#define NSNET_MAX_BACKENDS 64
#define NSNET_AFFINITY_MAX 86400	/* seconds, as Kubernetes' ClientIP timeout */
#define NSNET_KEY_MAX 80		/* "tcp-" + address + "-" + port */

struct nsnet_endpoint {
	struct nsnet_addr addr;
	uint16_t port;
};

struct nsnet_backend {
	struct nsnet_endpoint ep;
	char ns[NSNET_NAME_MAX + 1];	/* given as NS:PORT ("" when given as IP:PORT) */
};

struct nsnet_vip {
	unsigned int id;		/* names its nft chain and map keys; stable while it exists */
	char name[NSNET_NAME_MAX + 1];	/* optional label */
	struct nsnet_endpoint vip;
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	unsigned int affinity;		/* seconds a client keeps its backend; 0: random per connection */
	size_t n_backends;
	char project[NSNET_NAME_MAX + 1];	/* made by `nsnet apply` of this project ("": by hand) */
	/*
	 * Last, so that a VIP can be allocated with only its n_backends slots (vip_size()): a VIP
	 * loaded from its record (vip_from_json_new()) is, and then must never be copied whole
	 * (`*v`): vip_copy() copies what it holds.
	 */
	struct nsnet_backend backend[NSNET_MAX_BACKENDS];
};

struct nsnet_port {
	unsigned int id;
	char ns[NSNET_NAME_MAX + 1];
	char net[NSNET_NAME_MAX + 1];	/* the network through which it is reached */
	struct nsnet_addr host_ip;	/* family 0: every local address of the host */
	uint16_t host_port;
	uint16_t port;
	uint8_t proto;
	struct nsnet_addr target;	/* the namespace's address on @net */
	char project[NSNET_NAME_MAX + 1];	/* made by `nsnet apply` of this project ("": by hand) */
};

/* "tcp"/"udp" for IPPROTO_TCP/UDP. */
const char *proto_name(uint8_t proto);

/*
 * Parse a port number "1".."65535". @what names it in the message ("port 0 of 10.0.0.1:0:
 * expected 1-65535"). Returns 0 or -EINVAL.
 */
int port_parse(const char *s, const char *what, uint16_t *out, struct nsnet_err *err);

/*
 * Parse "ADDR:PORT[/PROTO]" (IPv6 as "[ADDR]:PORT"). @proto may be NULL, then no "/PROTO" is
 * allowed; otherwise it gets IPPROTO_TCP by default. Returns 0 or -EINVAL naming the value.
 */
int endpoint_parse(const char *s, struct nsnet_endpoint *ep, uint8_t *proto, struct nsnet_err *err);

/*
 * Parse a backend "NS:PORT", "IP:PORT" or "[IP6]:PORT". For NS:PORT, b->ns is set and b->ep.addr
 * left unset (the caller resolves it). Returns 0, -EINVAL (malformed) or -EADDRNOTAVAIL (an IP that
 * cannot be a backend: loopback, unspecified, multicast, broadcast or another special range).
 */
int backend_parse(const char *s, struct nsnet_backend *b, struct nsnet_err *err);

/*
 * Parse a publish spec "[HOSTIP:]HOSTPORT:PORT[/PROTO]" (HOSTIP of IPv6 in brackets) into @p's
 * host_ip, host_port, port and proto; an unspecified HOSTIP (0.0.0.0, [::]) is the same as none.
 * Returns 0 or -EINVAL.
 */
int port_spec_parse(const char *s, struct nsnet_port *p, struct nsnet_err *err);

/* Record keys (file names): "tcp-10.100.0.1-80", "udp-any-53", "tcp-fd00__1-80" (':' -> '_'). */
void vip_key(const struct nsnet_vip *v, char *out);
void vip_key_of(uint8_t proto, const struct nsnet_endpoint *ep, char *out);
void port_key(const struct nsnet_port *p, char *out);
void port_key_of(uint8_t proto, const struct nsnet_addr *host_ip, uint16_t host_port, char *out);

/* "10.0.0.1:80" / "[fd00::1]:80" into @out (NSNET_KEY_MAX bytes). */
const char *endpoint_str(const struct nsnet_endpoint *ep, char *out);

/* Bytes of a VIP with @n_backends backend slots (at most NSNET_MAX_BACKENDS). */
size_t vip_size(size_t n_backends);
/* @v's fields and its n_backends backends into @to, which has room for them. */
void vip_copy(struct nsnet_vip *to, const struct nsnet_vip *v);

json_t *vip_to_json(const struct nsnet_vip *v);
/* Parse a VIP record into @v (a whole struct nsnet_vip). Returns 0 or -EBADMSG. */
int vip_from_json(const json_t *j, struct nsnet_vip *v, struct nsnet_err *err);
/*
 * The same into a VIP allocated with as many backend slots as the record has (*out, for free()):
 * a full load of 10,000 VIPs then touches about 400 bytes each, not 6 KiB. Returns 0, -EBADMSG or
 * -ENOMEM.
 */
int vip_from_json_new(const json_t *j, struct nsnet_vip **out, struct nsnet_err *err);
json_t *port_to_json(const struct nsnet_port *p);
int port_from_json(const json_t *j, struct nsnet_port *p, struct nsnet_err *err);

#endif
