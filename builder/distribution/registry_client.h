/* The registry client's inside, shared by registry.c (push and pull),
 * registry_http.c (the client, its HTTP exchanges and the parsing of what
 * a server answers) and registry_auth.c (credentials, challenges, tokens);
 * tests/fuzz/fuzz-registry.c drives the parsers through it.  Not for
 * other callers: registry.h is the client's interface. */
#ifndef BUILDER_REGISTRY_CLIENT_H
#define BUILDER_REGISTRY_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "common/strbuf.h"
#include "distribution/registry.h"

#define REG_DEFAULT_CHUNK (64u * 1024 * 1024)
/* Error bodies and token answers are small; more is not worth keeping. */
#define REG_SMALL_BODY_MAX (1u << 20)

struct reg_client
{
  CURL *curl;
  char *host;     /* as in references, for messages and auth.json */
  char *api_host; /* where requests go (docker.io -> registry-1.docker.io) */
  char *base;     /* "https://api_host" or "http://api_host" */
  bool tls_verify;
  char *user, *pass;
  char *authorization; /* the header value that worked last, or NULL */
  uint64_t chunk_size;
  char curl_error[CURL_ERROR_SIZE];
  CURLcode last_rc; /* of the last exchange (CURLE_SSL_CONNECT_ERROR: TLS failed before any certificate) */
};

/* A request body: a buffer, or len bytes of fd from off. */
struct req_body
{
  const char *buf;
  int fd;
  uint64_t off, len, pos;
};

/* Where a 2xx answer's body goes, instead of the small buffer. */
typedef int (*body_sink_fn) (void *ctx, const void *buf, size_t n, struct oci_error *err);

struct response
{
  long status;
  char *location, *www_authenticate, *content_type, *docker_digest;
  struct strbuf body;
  size_t body_max;
  bool body_too_large;
  body_sink_fn sink;
  void *sink_ctx;
  struct oci_error sink_err;
};

void reg_response_reset (struct response *r);
void reg_response_clear (struct response *r);
#define cleanup_response __attribute__ ((cleanup (reg_response_clear)))

/* curl's header and body callbacks (ctx: the struct response): a header
 * line is len bytes, not NUL-terminated; a status line starts a new
 * answer.  A 2xx body goes to the sink when there is one, else into
 * body, up to body_max bytes. */
size_t reg_on_header (char *line, size_t size, size_t n, void *ctx);
size_t reg_on_body (char *data, size_t size, size_t n, void *ctx);

/* "CODE: message" from a registry's JSON error body, else the status, on
 * one line (NULL: out of memory). */
char *reg_describe_failure (const struct response *r);
/* Sets err from a failed answer; returns -1. */
int reg_http_failure (struct reg_client *c, const char *method, const char *url, const struct response *r,
                      struct oci_error *err);

/* path_or_url made absolute against the client's base. */
int reg_absolute_url (struct reg_client *c, const char *path_or_url, char **out, struct oci_error *err);
/* One HTTP exchange, no retry.  Fills r; -1 only when no answer came. */
int reg_perform (struct reg_client *c, const char *method, const char *url, const char *authorization,
                 const char *const *headers, struct req_body *body, struct response *r, struct oci_error *err);
/* An exchange with one retry after authenticating on a 401. */
int reg_request (struct reg_client *c, const char *method, const char *path_or_url, const char *const *headers,
                 struct req_body *body, struct response *r, struct oci_error *err);

/* "USER:PASSWORD" into two new strings. */
int reg_split_creds (const char *creds, char **user, char **pass, struct oci_error *err);
/* The value of key in a challenge's parameter list (key="value", ...),
 * newly allocated; NULL when absent. */
char *reg_challenge_param (const char *params, const char *key);
/* Answers a 401's challenge: sets c->authorization. */
int reg_authenticate (struct reg_client *c, const char *challenge, struct oci_error *err);

#endif
