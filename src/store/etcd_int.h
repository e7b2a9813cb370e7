/* SPDX-License-Identifier: MIT */
/* What etcd.c shares with etcd_watch.c: the client's state and its JSON and HTTP helpers. */
#ifndef NSNET_STORE_ETCD_INT_H
#define NSNET_STORE_ETCD_INT_H

/* libcurl is dlopen'ed by the first etcd_open(): only overlay networks need it, and linking it would
 * make every nsnet run (a CNI ADD, a namespace add) map its dozen libraries. No type-checking macros:
 * the calls go through the table below. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <jansson.h>

#include "store/etcd.h"

struct etcd {
	CURL *curl;
	char **eps;
	size_t n_eps, cur;
	char *token;
	char *user, *password;	/* to authenticate again when etcd forgets the token (a restart) */
	long timeout_ms;
	char errbuf[CURL_ERROR_SIZE];	/* libcurl's detail of the last failure ("SSL certificate problem: ...") */
};

struct etcd_curl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The loaded libcurl (set by etcd_open). */
extern const struct etcd_curl *etcd_curl;

/* An int64 field of a gateway answer (written as a string, or as a number); 0 when absent. */
int64_t etcd_j_i64(const json_t *o, const char *name);
/* Sets @name to the base64 of @s (@n bytes). */
int etcd_j_put_b64(json_t *o, const char *name, const char *s, size_t n);
/* Writes into @out the end of the range of the keys under @prefix; returns its length or -EINVAL. */
int etcd_range_end(const char *prefix, char *out, size_t size);
/* Decodes one {"key", "value", ...} of an answer; -EPROTO when it is not valid base64 text. */
int etcd_kv_parse(const json_t *j, struct etcd_kv *kv);
/* The request headers (JSON, and the auth token when there is one); NULL when out of memory. */
struct curl_slist *etcd_headers(const struct etcd *e);
/* Prepares a POST of @json to @path on endpoint @i, the answer going to @wr(@ctx). */
void etcd_http_setup(struct etcd *e, size_t i, const char *path, const char *json, struct curl_slist *h,
		     curl_write_callback wr, void *ctx, long timeout_ms);

#endif
