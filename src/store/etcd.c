// SPDX-License-Identifier: MIT
// etcd v3 over its JSON gateway: ranges, transactions, leases and watches, with libcurl and jansson.
#include "store/etcd.h"
#include "store/etcd_int.h"

#include <dlfcn.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ETCD_RESPONSE_MAX (64u << 20)

const struct etcd_curl *etcd_curl;

/* Loads libcurl and its functions once; a missing library or symbol is a clear error. */
static int curl_load(struct nsnet_err *err)
{
	static struct etcd_curl c;
	static const struct {
		const char *name;
		size_t off;
	} fns[] = {
		{ "curl_global_init", offsetof(struct etcd_curl, global_init) },
		{ "curl_easy_init", offsetof(struct etcd_curl, easy_init) },
		{ "curl_easy_setopt", offsetof(struct etcd_curl, easy_setopt) },
		{ "curl_easy_perform", offsetof(struct etcd_curl, easy_perform) },
		{ "curl_easy_getinfo", offsetof(struct etcd_curl, easy_getinfo) },
		{ "curl_easy_cleanup", offsetof(struct etcd_curl, easy_cleanup) },
		{ "curl_easy_strerror", offsetof(struct etcd_curl, easy_strerror) },
		{ "curl_slist_append", offsetof(struct etcd_curl, slist_append) },
		{ "curl_slist_free_all", offsetof(struct etcd_curl, slist_free_all) },
	};
	void *lib;

	if (etcd_curl)
		return 0;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return nsnet_err_set(err, ENOPKG, "etcd: cannot load libcurl.so.4 (%s): install Debian's libcurl4", dlerror());
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(lib, fns[i].name);

		if (!f) {
			dlclose(lib);
			return nsnet_err_set(err, ENOPKG, "etcd: libcurl.so.4 has no %s", fns[i].name);
		}
		memcpy((char *)&c + fns[i].off, &f, sizeof(f));
	}
	c.global_init(CURL_GLOBAL_DEFAULT);
	etcd_curl = &c;
	return 0;
}

/* ---- base64 (the gateway's encoding of keys and values, RFC 4648 with padding) ---- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *s, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;

	return p ? (int)(p - b64chars) : -1;
}

/* Decodes @s into a new NUL-terminated buffer; NULL on malformed input (the store is untrusted). */
static char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), k = 0;
	char *out;

	if (n % 4)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_val(s[i]), b = b64_val(s[i + 1]);
		int c = s[i + 2] == '=' ? 0 : b64_val(s[i + 2]), d = s[i + 3] == '=' ? 0 : b64_val(s[i + 3]);
		int pad = (s[i + 2] == '=') + (s[i + 3] == '=');

		if (a < 0 || b < 0 || c < 0 || d < 0 || (pad && i + 4 != n) ||
		    (s[i + 2] == '=' && s[i + 3] != '=')) {
			free(out);
			return NULL;
		}
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		out[k++] = (char)(v >> 16);
		if (pad < 2)
			out[k++] = (char)(v >> 8);
		if (pad < 1)
			out[k++] = (char)v;
	}
	out[k] = '\0';
	*len = k;
	return out;
}

/* ---- JSON helpers: the gateway writes int64 as strings ---- */

int64_t etcd_j_i64(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_string(v))
		return (int64_t)strtoll(json_string_value(v), NULL, 10);
	return 0;
}

int etcd_j_put_b64(json_t *o, const char *name, const char *s, size_t n)
{
	char *b = b64_encode((const unsigned char *)s, n);

	if (!b || json_object_set_new(o, name, json_string(b)) < 0) {
		free(b);
		return -ENOMEM;
	}
	free(b);
	return 0;
}

static int j_put_i64(json_t *o, const char *name, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_object_set_new(o, name, json_string(buf)) < 0 ? -ENOMEM : 0;
}

/* The end of the range of every key starting with @prefix: the prefix with its last byte + 1. */
int etcd_range_end(const char *prefix, char *out, size_t size)
{
	size_t n = strlen(prefix);

	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(out, prefix, n + 1);
	while (n > 0 && (unsigned char)out[n - 1] == 0xff)
		out[--n] = '\0';
	if (n == 0)
		return -EINVAL;
	out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
	return (int)n;
}

/* ---- HTTP ---- */

struct body {
	char *buf;
	size_t len, cap;
	int too_big;
};

static size_t body_write(char *data, size_t sz, size_t nm, void *ctx)
{
	struct body *b = ctx;
	size_t n = sz * nm;

	if (b->len + n + 1 > ETCD_RESPONSE_MAX) {
		b->too_big = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return 0;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static int connect_failed(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
	       c == CURLE_OPERATION_TIMEDOUT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	       c == CURLE_GOT_NOTHING || c == CURLE_SSL_CONNECT_ERROR;
}

/*
 * Sets up one POST of @json to @path on endpoint @i. The caller performs it; the write callback
 * and its context are the caller's.
 */
void etcd_http_setup(struct etcd *e, size_t i, const char *path, const char *json, struct curl_slist *h,
		       curl_write_callback wr, void *ctx, long timeout_ms)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", e->eps[i], path);
	etcd_curl->easy_setopt(e->curl, CURLOPT_URL, url);
	etcd_curl->easy_setopt(e->curl, CURLOPT_POSTFIELDS, json);
	etcd_curl->easy_setopt(e->curl, CURLOPT_HTTPHEADER, h);
	etcd_curl->easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, wr);
	etcd_curl->easy_setopt(e->curl, CURLOPT_WRITEDATA, ctx);
	etcd_curl->easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
}

struct curl_slist *etcd_headers(const struct etcd *e)
{
	struct curl_slist *h = etcd_curl->slist_append(NULL, "Content-Type: application/json");
	char auth[1024];

	if (h && e->token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", e->token);
		h = etcd_curl->slist_append(h, auth);
	}
	return h;
}

/* POSTs @json to @path and parses the answer into *@resp; tries each endpoint in turn. */
static int http_post(struct etcd *e, const char *path, const char *json, json_t **resp, struct nsnet_err *err)
{
	struct curl_slist *h = etcd_headers(e);
	CURLcode c = CURLE_OK;
	long status = 0;
	int r = 0;

	*resp = NULL;
	if (!h)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	for (size_t k = 0; k < e->n_eps; k++) {
		size_t i = (e->cur + k) % e->n_eps;
		struct body b = { 0 };

		etcd_http_setup(e, i, path, json, h, body_write, &b, e->timeout_ms);
		e->errbuf[0] = '\0';
		c = etcd_curl->easy_perform(e->curl);
		if (c != CURLE_OK) {
			free(b.buf);
			if (b.too_big) {
				r = nsnet_err_set(err, EMSGSIZE, "etcd %s: answer to %s larger than %u bytes",
						  e->eps[i], path, ETCD_RESPONSE_MAX);
				break;
			}
			r = nsnet_err_set(err, connect_failed(c) ? EHOSTUNREACH : EIO, "etcd %s: %s",
					  e->eps[i], e->errbuf[0] ? e->errbuf : etcd_curl->easy_strerror(c));
			if (connect_failed(c))
				continue;
			break;
		}
		e->cur = i;
		etcd_curl->easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
		json_error_t je;
		json_t *j = b.buf ? json_loads(b.buf, 0, &je) : NULL;
		if (status != 200) {
			const char *m = json_string_value(json_object_get(j, "message"));
			if (!m)
				m = json_string_value(json_object_get(j, "error"));
			/* Not the gateway's JSON: the answer's first bytes (the message formatter escapes them). */
			if (!m && b.buf)
				b.buf[strcspn(b.buf, "\r\n")] = '\0';
			r = nsnet_err_set(err, status == 401 || status == 403 ? EACCES : EIO,
					  "etcd %s: %s: HTTP %ld: %.200s%s", e->eps[i], path, status,
					  m ? m : b.buf && b.buf[0] ? b.buf : "no message",
					  b.buf && strstr(b.buf, "CommonName of client") ?
					  " (etcd's JSON gateway takes client certificates without a Common Name only)" : "");
			free(b.buf);
			json_decref(j);
			break;
		}
		free(b.buf);
		if (!json_is_object(j)) {
			json_decref(j);
			r = nsnet_err_set(err, EPROTO, "etcd %s: %s: the answer is not a JSON object", e->eps[i], path);
			break;
		}
		*resp = j;
		r = 0;
		break;
	}
	etcd_curl->slist_free_all(h);
	return r;
}

/* Trades the user and password for a token (etcd's simple tokens live in the server's memory). */
static int authenticate(struct etcd *e, struct nsnet_err *err)
{
	json_t *req = json_pack("{s:s, s:s}", "name", e->user, "password", e->password ? e->password : ""), *resp;
	char *json = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int r;

	json_decref(req);
	free(e->token);
	e->token = NULL;
	if (!json)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = http_post(e, "/v3/auth/authenticate", json, &resp, err);
	explicit_bzero(json, strlen(json));
	free(json);
	if (r < 0)
		return r;
	const char *t = json_string_value(json_object_get(resp, "token"));
	e->token = t ? strdup(t) : NULL;
	json_decref(resp);
	return e->token ? 0 : nsnet_err_set(err, EACCES, "etcd %s: user %s: no token in the answer", etcd_endpoint(e), e->user);
}

/*
 * POSTs @req (consumed) to @path; with a user, a token etcd no longer knows (it restarted, or the
 * token's TTL passed) is traded for a new one and the request sent once more.
 */
static int http_call(struct etcd *e, const char *path, json_t *req, json_t **resp, struct nsnet_err *err)
{
	char *json = json_dumps(req, JSON_COMPACT);
	int r;

	json_decref(req);
	*resp = NULL;
	if (!json)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = http_post(e, path, json, resp, err);
	if (r == -EACCES && e->user && e->token) {
		struct nsnet_err first = *err;

		r = authenticate(e, err) < 0 ? (*err = first, -EACCES) : http_post(e, path, json, resp, err);
	}
	free(json);
	return r;
}

/* ---- open/close ---- */

int etcd_open(struct etcd **out, const struct etcd_opts *o, struct nsnet_err *err)
{
	struct etcd *e = calloc(1, sizeof(*e));
	char *list, *tok, *save = NULL;
	int r = 0;

	*out = NULL;
	if (!e)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = curl_load(err);
	if (r < 0) {
		free(e);
		return r;
	}
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	e->curl = etcd_curl->easy_init();
	list = strdup(o->endpoints ? o->endpoints : "");
	if (!e->curl || !list) {
		free(list);
		etcd_close(e);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(tok);
		char **v;

		while (n && tok[n - 1] == '/')
			tok[--n] = '\0';
		if ((strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8)) || n > 400) {
			r = nsnet_err_set(err, EINVAL, "store endpoint '%s': expected http://HOST:PORT or https://HOST:PORT", tok);
			break;
		}
		v = realloc(e->eps, (e->n_eps + 1) * sizeof(*v));
		if (!v || !(v[e->n_eps] = strdup(tok))) {
			if (v)
				e->eps = v;
			r = nsnet_err_set(err, ENOMEM, "etcd: out of memory");
			break;
		}
		e->eps = v;
		e->n_eps++;
	}
	free(list);
	if (!r && e->n_eps == 0)
		r = nsnet_err_set(err, EINVAL, "store '%s': expected one or more endpoints, separated by commas",
				  o->endpoints ? o->endpoints : "");
	if (r < 0) {
		etcd_close(e);
		return r;
	}
	etcd_curl->easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	etcd_curl->easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	etcd_curl->easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->cacert)
		etcd_curl->easy_setopt(e->curl, CURLOPT_CAINFO, o->cacert);
	if (o->cert)
		etcd_curl->easy_setopt(e->curl, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		etcd_curl->easy_setopt(e->curl, CURLOPT_SSLKEY, o->key);
	etcd_curl->easy_setopt(e->curl, CURLOPT_ERRORBUFFER, e->errbuf);
	/* HTTP/1.1 over https too: the protocol the watch's streamed answer is read and tested with over http. */
	etcd_curl->easy_setopt(e->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (o->user) {
		e->user = strdup(o->user);
		e->password = strdup(o->password ? o->password : "");
		r = e->user && e->password ? authenticate(e, err) : nsnet_err_set(err, ENOMEM, "etcd: out of memory");
		if (r < 0) {
			etcd_close(e);
			return r;
		}
	}
	*out = e;
	return 0;
}

void etcd_close(struct etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		etcd_curl->easy_cleanup(e->curl);
	for (size_t i = 0; i < e->n_eps; i++)
		free(e->eps[i]);
	free(e->eps);
	free(e->token);
	free(e->user);
	if (e->password)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e);
}

const char *etcd_endpoint(const struct etcd *e)
{
	return e->n_eps ? e->eps[e->cur] : "";
}

/* ---- keys ---- */

int etcd_kv_parse(const json_t *j, struct etcd_kv *kv)
{
	const char *k = json_string_value(json_object_get(j, "key"));
	const char *v = json_string_value(json_object_get(j, "value"));
	size_t klen = 0;

	memset(kv, 0, sizeof(*kv));
	if (!k || !(kv->key = b64_decode(k, &klen)) || strlen(kv->key) != klen)
		goto bad;
	kv->value = v ? b64_decode(v, &kv->value_len) : strdup("");
	if (!kv->value)
		goto bad;
	kv->create_rev = etcd_j_i64(j, "create_revision");
	kv->mod_rev = etcd_j_i64(j, "mod_revision");
	kv->lease = etcd_j_i64(j, "lease");
	return 0;
bad:
	free(kv->key);
	kv->key = NULL;
	return -EPROTO;
}

static int range(struct etcd *e, const char *key, int prefix, struct etcd_kvs *out, struct nsnet_err *err)
{
	json_t *req = json_object(), *resp, *kvs;
	char end[512];
	int r;

	memset(out, 0, sizeof(*out));
	if (!req)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = etcd_j_put_b64(req, "key", key, strlen(key));
	if (!r && prefix) {
		r = etcd_range_end(key, end, sizeof(end));
		r = r < 0 ? nsnet_err_set(err, EINVAL, "etcd: key prefix '%s': expected 1 to 500 bytes", key)
			  : etcd_j_put_b64(req, "range_end", end, (size_t)r);
		if (!r)
			r = json_object_set_new(req, "sort_order", json_string("ASCEND")) < 0 ? -ENOMEM : 0;
	}
	if (r < 0) {
		json_decref(req);
		return r == -ENOMEM ? nsnet_err_set(err, ENOMEM, "etcd: out of memory") : r;
	}
	r = http_call(e, "/v3/kv/range", req, &resp, err);
	if (r < 0)
		return r;
	out->revision = etcd_j_i64(json_object_get(resp, "header"), "revision");
	kvs = json_object_get(resp, "kvs");
	if (json_is_array(kvs) && json_array_size(kvs)) {
		out->v = calloc(json_array_size(kvs), sizeof(*out->v));
		if (!out->v)
			r = nsnet_err_set(err, ENOMEM, "etcd: out of memory");
		for (size_t i = 0; !r && i < json_array_size(kvs); i++) {
			if (etcd_kv_parse(json_array_get(kvs, i), &out->v[i]) < 0)
				r = nsnet_err_set(err, EPROTO, "etcd %s: a key under '%s' is not valid base64 text",
						  etcd_endpoint(e), key);
			else
				out->n++;
		}
	}
	json_decref(resp);
	if (r < 0)
		etcd_kvs_free(out);
	return r;
}

int etcd_get(struct etcd *e, const char *key, struct etcd_kvs *out, struct nsnet_err *err)
{
	return range(e, key, 0, out, err);
}

int etcd_get_prefix(struct etcd *e, const char *prefix, struct etcd_kvs *out, struct nsnet_err *err)
{
	return range(e, prefix, 1, out, err);
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	memset(kvs, 0, sizeof(*kvs));
}

static json_t *put_request(const char *key, const char *value, int64_t lease)
{
	json_t *p = json_object();

	if (!p || etcd_j_put_b64(p, "key", key, strlen(key)) < 0 || etcd_j_put_b64(p, "value", value, strlen(value)) < 0 ||
	    (lease && j_put_i64(p, "lease", lease) < 0)) {
		json_decref(p);
		return NULL;
	}
	return p;
}

int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease, struct nsnet_err *err)
{
	json_t *req = put_request(key, value, lease), *resp;
	int r;

	if (!req)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = http_call(e, "/v3/kv/put", req, &resp, err);
	json_decref(resp);
	return r;
}

/* A transaction of one comparison on @key and one request on success; *ok says which branch ran. */
static int txn(struct etcd *e, json_t *compare, const char *op, json_t *request, int *ok, struct nsnet_err *err)
{
	json_t *req = json_pack("{s:[o], s:[{s:o}]}", "compare", compare, "success", op, request), *resp;
	int r;

	if (!req)
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	r = http_call(e, "/v3/kv/txn", req, &resp, err);
	if (r < 0)
		return r;
	*ok = json_is_true(json_object_get(resp, "succeeded"));
	json_decref(resp);
	return 0;
}

int etcd_create(struct etcd *e, const char *key, const char *value, int64_t lease, struct nsnet_err *err)
{
	json_t *cmp = json_pack("{s:s, s:s, s:s}", "target", "CREATE", "result", "EQUAL", "create_revision", "0");
	json_t *put = put_request(key, value, lease);
	int ok = 0, r;

	if (!cmp || !put || etcd_j_put_b64(cmp, "key", key, strlen(key)) < 0) {
		json_decref(cmp);
		json_decref(put);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = txn(e, cmp, "request_put", put, &ok, err);
	if (r < 0)
		return r;
	return ok ? 0 : nsnet_err_set(err, EEXIST, "etcd %s: key %s exists already", etcd_endpoint(e), key);
}

int etcd_delete_if(struct etcd *e, const char *key, const char *value, struct nsnet_err *err)
{
	json_t *cmp = json_pack("{s:s, s:s}", "target", "VALUE", "result", "EQUAL");
	json_t *del = json_object();
	struct etcd_kvs cur;
	int ok = 0, r;

	if (!cmp || !del || etcd_j_put_b64(cmp, "key", key, strlen(key)) < 0 ||
	    etcd_j_put_b64(cmp, "value", value, strlen(value)) < 0 || etcd_j_put_b64(del, "key", key, strlen(key)) < 0) {
		json_decref(cmp);
		json_decref(del);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = txn(e, cmp, "request_delete_range", del, &ok, err);
	if (r < 0 || ok)
		return r;
	/* Not deleted: gone already (fine), or someone else's value now. */
	r = etcd_get(e, key, &cur, err);
	if (r < 0)
		return r;
	r = cur.n ? nsnet_err_set(err, ESTALE, "etcd %s: key %s holds another value now", etcd_endpoint(e), key) : 0;
	etcd_kvs_free(&cur);
	return r;
}

int etcd_delete(struct etcd *e, const char *key, struct nsnet_err *err)
{
	json_t *req = json_object(), *resp;
	int r;

	if (!req || etcd_j_put_b64(req, "key", key, strlen(key)) < 0) {
		json_decref(req);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = http_call(e, "/v3/kv/deleterange", req, &resp, err);
	json_decref(resp);
	return r;
}

/* ---- leases ---- */

int etcd_lease_grant(struct etcd *e, int ttl_s, int64_t *id, struct nsnet_err *err)
{
	json_t *req = json_object(), *resp;
	int r;

	if (!req || j_put_i64(req, "TTL", ttl_s) < 0) {
		json_decref(req);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = http_call(e, "/v3/lease/grant", req, &resp, err);
	if (r < 0)
		return r;
	*id = etcd_j_i64(resp, "ID");
	json_decref(resp);
	return *id ? 0 : nsnet_err_set(err, EPROTO, "etcd %s: lease grant: no lease ID in the answer", etcd_endpoint(e));
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, int *ttl_left, struct nsnet_err *err)
{
	json_t *req = json_object(), *resp, *res;
	int r;

	if (!req || j_put_i64(req, "ID", id) < 0) {
		json_decref(req);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = http_call(e, "/v3/lease/keepalive", req, &resp, err);
	if (r < 0)
		return r;
	/* The gateway streams keepalive answers: {"result": {"ID", "TTL"}}; TTL absent or 0 = expired. */
	res = json_object_get(resp, "result");
	*ttl_left = (int)etcd_j_i64(res ? res : resp, "TTL");
	json_decref(resp);
	if (*ttl_left <= 0)
		return nsnet_err_set(err, ENOENT, "etcd %s: lease %" PRId64 " has expired", etcd_endpoint(e), id);
	return 0;
}

int etcd_lease_revoke(struct etcd *e, int64_t id, struct nsnet_err *err)
{
	json_t *req = json_object(), *resp;
	int r;

	if (!req || j_put_i64(req, "ID", id) < 0) {
		json_decref(req);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	r = http_call(e, "/v3/lease/revoke", req, &resp, err);
	json_decref(resp);
	return r;
}
