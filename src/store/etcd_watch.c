// SPDX-License-Identifier: MIT
// etcd watches over the JSON gateway: one streamed POST, answers parsed line by line as they come.
#include "store/etcd_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_LINE_MAX (16u << 20)

struct watch {
	struct etcd *e;
	etcd_watch_cb cb;
	void *ctx;
	char *buf;
	size_t len, cap;
	int64_t next;
	int stop;		/* what the callback returned, or a -errno of the stream */
	struct nsnet_err *err;
};

static int watch_event(struct watch *w, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	struct etcd_event e = { .type = type && !strcmp(type, "DELETE") ? ETCD_DELETE : ETCD_PUT };
	int r;

	if (etcd_kv_parse(json_object_get(ev, "kv"), &e.kv) < 0)
		return nsnet_err_set(w->err, EPROTO, "etcd %s: watch: an event's key is not valid base64 text",
				     etcd_endpoint(w->e));
	r = w->cb(w->ctx, &e, e.kv.mod_rev);
	if (e.kv.mod_rev >= w->next)
		w->next = e.kv.mod_rev + 1;
	free(e.kv.key);
	free(e.kv.value);
	return r;
}

/* One answer of the stream: {"result": {"header", "created", "canceled", "compact_revision", "events"}}. */
static int watch_line(struct watch *w, const char *line)
{
	json_error_t je;
	json_t *j = json_loads(line, 0, &je), *res, *evs;
	int r = 0;

	res = json_object_get(j, "result");
	if (!json_is_object(res)) {
		const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		r = nsnet_err_set(w->err, EPROTO, "etcd %s: watch: %s", etcd_endpoint(w->e),
				  m ? m : "an answer without a result");
		json_decref(j);
		return r;
	}
	if (etcd_j_i64(res, "compact_revision") > 0) {
		r = nsnet_err_set(w->err, ERANGE, "etcd %s: watch from revision %" PRId64 ": compacted (now %" PRId64 ")",
				  etcd_endpoint(w->e), w->next, etcd_j_i64(res, "compact_revision"));
	} else if (json_is_true(json_object_get(res, "canceled"))) {
		r = nsnet_err_set(w->err, ECANCELED, "etcd %s: watch canceled by the server", etcd_endpoint(w->e));
	} else {
		evs = json_object_get(res, "events");
		for (size_t i = 0; !r && i < json_array_size(evs); i++)
			r = watch_event(w, json_array_get(evs, i));
	}
	json_decref(j);
	return r;
}

static size_t watch_write(char *data, size_t sz, size_t nm, void *ctx)
{
	struct watch *w = ctx;
	size_t n = sz * nm;
	char *nl;

	if (w->len + n + 1 > WATCH_LINE_MAX) {
		w->stop = nsnet_err_set(w->err, EMSGSIZE, "etcd %s: watch: an answer larger than %u bytes",
					etcd_endpoint(w->e), WATCH_LINE_MAX);
		return 0;
	}
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *p;

		while (cap < w->len + n + 1)
			cap *= 2;
		p = realloc(w->buf, cap);
		if (!p) {
			w->stop = nsnet_err_set(w->err, ENOMEM, "etcd: out of memory");
			return 0;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
	w->buf[w->len] = '\0';
	while ((nl = memchr(w->buf, '\n', w->len))) {
		size_t used = (size_t)(nl - w->buf) + 1;

		*nl = '\0';
		if (w->buf[0] && (w->stop = watch_line(w, w->buf)) != 0)
			return 0;
		memmove(w->buf, w->buf + used, w->len - used + 1);
		w->len -= used;
	}
	return n;
}

int etcd_watch(struct etcd *e, const char *prefix, int64_t from, long timeout_ms, etcd_watch_cb cb,
	       void *ctx, int64_t *next, struct nsnet_err *err)
{
	struct watch w = { .e = e, .cb = cb, .ctx = ctx, .next = from, .err = err };
	json_t *create = json_object(), *req;
	struct curl_slist *h = etcd_headers(e);
	char end[512], start[24], *json = NULL;
	int n = etcd_range_end(prefix, end, sizeof(end));
	CURLcode c;

	if (n < 0) {
		json_decref(create);
		etcd_curl->slist_free_all(h);
		return nsnet_err_set(err, EINVAL, "etcd: key prefix '%s': expected 1 to 500 bytes", prefix);
	}
	snprintf(start, sizeof(start), "%" PRId64, from);
	req = json_pack("{s:o}", "create_request", create);
	if (!h || !req || etcd_j_put_b64(create, "key", prefix, strlen(prefix)) < 0 ||
	    etcd_j_put_b64(create, "range_end", end, (size_t)n) < 0 ||
	    (from > 0 && json_object_set_new(create, "start_revision", json_string(start)) < 0) ||
	    !(json = json_dumps(req, JSON_COMPACT))) {
		json_decref(req);
		etcd_curl->slist_free_all(h);
		return nsnet_err_set(err, ENOMEM, "etcd: out of memory");
	}
	json_decref(req);
	/* Only the endpoint that answered last: a watch is not retried on another one here. */
	etcd_http_setup(e, e->cur, "/v3/watch", json, h, watch_write, &w, timeout_ms);
	c = etcd_curl->easy_perform(e->curl);
	free(json);
	free(w.buf);
	etcd_curl->slist_free_all(h);
	*next = w.next;
	if (w.stop)
		return w.stop;
	if (c != CURLE_OK && c != CURLE_OPERATION_TIMEDOUT)
		return nsnet_err_set(err, EHOSTUNREACH, "etcd %s: watch: %s", etcd_endpoint(e), etcd_curl->easy_strerror(c));
	return 0;
}
