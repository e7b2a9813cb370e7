// SPDX-License-Identifier: MIT
// An overlay network's keys in etcd: definition, blocks and live hosts (see overlay.h).
#include "store/overlay.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

void overlay_key(char *out, const struct overlay_def *d, const char *what)
{
	snprintf(out, KEY_MAX, "/nsnet/overlay/%s/%s", d->name, what);
}

char *overlay_def_text(const struct overlay_def *d)
{
	char sub[NSNET_PREFIX_STRLEN];
	json_t *j = json_pack("{s:s, s:i, s:i, s:i}", "subnet", nsnet_prefix_str(&d->subnet, sub), "host_prefix",
			      (json_int_t)d->host_prefix, "vni", (json_int_t)d->vni, "port", (json_int_t)d->port);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	return s;
}

int overlay_def_publish(struct etcd *e, const struct overlay_def *d, struct nsnet_err *err)
{
	char k[KEY_MAX], *mine = overlay_def_text(d);
	struct etcd_kvs cur;
	json_t *j;
	int r;

	if (!mine)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	overlay_key(k, d, "config");
	r = etcd_create(e, k, mine, 0, err);
	free(mine);
	if (r != -EEXIST)
		return r;
	r = etcd_get(e, k, &cur, err);
	if (r < 0)
		return r;
	j = cur.n ? json_loads(cur.v[0].value, 0, NULL) : NULL;
	etcd_kvs_free(&cur);
	if (!json_is_object(j)) {
		json_decref(j);
		return nsnet_err_set(err, EPROTO, "overlay %s: the definition in the store (%s) is not a JSON object",
				     d->name, k);
	}
	/* Field by field, so the message names the one that differs. */
	const char *sub = json_string_value(json_object_get(j, "subnet"));
	char mysub[NSNET_PREFIX_STRLEN];
	struct {
		const char *flag;
		long long mine, theirs;
	} nums[] = {
		{ "--host-prefix", d->host_prefix, json_integer_value(json_object_get(j, "host_prefix")) },
		{ "--vni", d->vni, json_integer_value(json_object_get(j, "vni")) },
		{ "--port", d->port, json_integer_value(json_object_get(j, "port")) },
	};
	r = 0;
	nsnet_prefix_str(&d->subnet, mysub);
	if (!sub || strcmp(sub, mysub))
		r = nsnet_err_set(err, EINVAL, "overlay %s: --subnet %s, but the network in the store has %s", d->name,
				  mysub, sub ? sub : "none");
	for (size_t i = 0; !r && i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].mine != nums[i].theirs)
			r = nsnet_err_set(err, EINVAL, "overlay %s: %s %lld, but the network in the store has %lld",
					  d->name, nums[i].flag, nums[i].mine, nums[i].theirs);
	json_decref(j);
	return r;
}

/* Block @i of the subnet. */
static int block_nth(const struct overlay_def *d, uint64_t i, struct nsnet_prefix *out)
{
	out->len = d->host_prefix;
	return nsnet_prefix_nth(&d->subnet, i << (32 - d->host_prefix), &out->addr);
}

/* "blocks/10.244.3.0-24": a CIDR with '-' for '/', as one key segment. */
void overlay_block_key(char *out, const struct overlay_def *d, const struct nsnet_prefix *b)
{
	char s[NSNET_PREFIX_STRLEN], what[NSNET_PREFIX_STRLEN + 8];

	nsnet_prefix_str(b, s);
	*strchr(s, '/') = '-';
	snprintf(what, sizeof(what), "blocks/%s", s);
	overlay_key(out, d, what);
}

int overlay_block_claim(struct etcd *e, const struct overlay_def *d, const char *host, int64_t lease,
			struct nsnet_prefix *block, struct nsnet_err *err)
{
	char k[KEY_MAX], prefix[KEY_MAX];
	struct etcd_kvs held;
	uint64_t count;
	int r;

	if (d->subnet.addr.family != AF_INET || d->host_prefix < d->subnet.len || d->host_prefix > 30)
		return nsnet_err_set(err, EINVAL, "overlay %s: --host-prefix %u: expected %u to 30 (IPv4 subnets only)",
				     d->name, d->host_prefix, d->subnet.len);
	count = 1ull << (d->host_prefix - d->subnet.len);
	overlay_key(prefix, d, "blocks/");
	r = etcd_get_prefix(e, prefix, &held, err);
	if (r < 0)
		return r;
	/* The block this host holds already (it came back): keep it, under the new lease. */
	for (size_t i = 0; i < held.n; i++) {
		if (strcmp(held.v[i].value, host))
			continue;
		for (uint64_t b = 0; b < count; b++) {
			block_nth(d, b, block);
			overlay_block_key(k, d, block);
			if (!strcmp(k, held.v[i].key)) {
				etcd_kvs_free(&held);
				return etcd_put(e, k, host, lease, err);
			}
		}
	}
	r = -ENOSPC;
	for (uint64_t b = 0; b < count; b++) {
		bool taken = false;

		block_nth(d, b, block);
		overlay_block_key(k, d, block);
		for (size_t i = 0; i < held.n && !taken; i++)
			taken = !strcmp(k, held.v[i].key);
		if (taken)
			continue;
		r = etcd_create(e, k, host, lease, err);
		if (r != -EEXIST)
			break;	/* ours (0), or the store failed */
	}
	etcd_kvs_free(&held);
	if (r == -ENOSPC || r == -EEXIST) {
		char sub[NSNET_PREFIX_STRLEN];
		return nsnet_err_set(err, ENOSPC, "overlay %s: every /%u block of %s is taken (%llu hosts)", d->name,
				     d->host_prefix, nsnet_prefix_str(&d->subnet, sub), (unsigned long long)count);
	}
	return r;
}

int overlay_block_release(struct etcd *e, const struct overlay_def *d, const char *host,
			  const struct nsnet_prefix *block, struct nsnet_err *err)
{
	char k[KEY_MAX];

	overlay_block_key(k, d, block);
	return etcd_delete_if(e, k, host, err);
}

int overlay_host_announce(struct etcd *e, const struct overlay_def *d, const struct overlay_host *h,
			  int64_t lease, struct nsnet_err *err)
{
	char k[KEY_MAX], what[96], vtep[INET6_ADDRSTRLEN], blk[NSNET_PREFIX_STRLEN], mac[18], *s;
	json_t *j;
	int r;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
		 h->mac[4], h->mac[5]);
	j = json_pack("{s:s, s:s, s:s}", "vtep", nsnet_addr_str(&h->vtep, vtep), "mac", mac, "block",
		      nsnet_prefix_str(&h->block, blk));
	s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!s)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	snprintf(what, sizeof(what), "hosts/%s", h->id);
	overlay_key(k, d, what);
	r = etcd_put(e, k, s, lease, err);
	free(s);
	return r;
}

int overlay_host_withdraw(struct etcd *e, const struct overlay_def *d, const char *host, struct nsnet_err *err)
{
	char k[KEY_MAX], what[96];

	snprintf(what, sizeof(what), "hosts/%s", host);
	overlay_key(k, d, what);
	return etcd_delete(e, k, err);
}

int overlay_host_parse(const struct overlay_def *d, const char *id, const char *json, struct overlay_host *h)
{
	json_t *j = json_loads(json, 0, NULL);
	const char *vtep = json_string_value(json_object_get(j, "vtep"));
	const char *mac = json_string_value(json_object_get(j, "mac"));
	const char *blk = json_string_value(json_object_get(j, "block"));
	unsigned int m[6];
	int r = -EINVAL;

	memset(h, 0, sizeof(*h));
	if (id && strlen(id) < sizeof(h->id) && id[0] && !strchr(id, '/') && vtep && mac && blk &&
	    nsnet_addr_parse(vtep, &h->vtep, NULL) == 0 && nsnet_prefix_parse(blk, &h->block, NULL) == 0 &&
	    h->block.len == d->host_prefix && nsnet_prefix_overlap(&d->subnet, &h->block) &&
	    h->block.len >= d->subnet.len && strlen(mac) == 17 &&
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
		for (int i = 0; i < 6; i++)
			h->mac[i] = (uint8_t)m[i];
		snprintf(h->id, sizeof(h->id), "%s", id);
		r = 0;
	}
	json_decref(j);
	return r;
}

int overlay_hosts_list(struct etcd *e, const struct overlay_def *d, struct overlay_host **out, size_t *n,
		       size_t *skipped, int64_t *revision, struct nsnet_err *err)
{
	char prefix[KEY_MAX];
	struct etcd_kvs kvs;
	int r;

	*out = NULL;
	*n = *skipped = 0;
	overlay_key(prefix, d, "hosts/");
	r = etcd_get_prefix(e, prefix, &kvs, err);
	if (r < 0)
		return r;
	*revision = kvs.revision;
	*out = calloc(kvs.n ? kvs.n : 1, sizeof(**out));
	if (!*out) {
		etcd_kvs_free(&kvs);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < kvs.n; i++) {
		if (overlay_host_parse(d, kvs.v[i].key + strlen(prefix), kvs.v[i].value, &(*out)[*n]) == 0)
			(*n)++;
		else
			(*skipped)++;
	}
	etcd_kvs_free(&kvs);
	return 0;
}

int overlay_block_held(struct etcd *e, const struct overlay_def *d, const char *host, struct nsnet_prefix *block,
		       struct nsnet_err *err)
{
	char prefix[KEY_MAX];
	struct etcd_kvs held;
	int r;

	overlay_key(prefix, d, "blocks/");
	if ((r = etcd_get_prefix(e, prefix, &held, err)) < 0)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < held.n && r == -ENOENT; i++) {
		char s[NSNET_PREFIX_STRLEN + 1], *dash;

		if (strcmp(held.v[i].value, host) || strlen(held.v[i].key + strlen(prefix)) >= sizeof(s))
			continue;
		snprintf(s, sizeof(s), "%s", held.v[i].key + strlen(prefix));
		if ((dash = strchr(s, '-')))
			*dash = '/';
		if (nsnet_prefix_parse(s, block, NULL) == 0 && block->len == d->host_prefix &&
		    nsnet_prefix_contains(&d->subnet, &block->addr))
			r = 0;
	}
	etcd_kvs_free(&held);
	return r;
}
