/* The registry client and its HTTP exchanges: see registry_client.h.  One
 * curl easy handle per client (connections are reused); every request
 * goes through reg_request (), which answers a 401 once by authenticating
 * (registry_auth.c) and retrying. */
#include "config.h"

#include <curl/curl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "distribution/registry.h"
#include "distribution/registry_client.h"

/* ---- the client ---- */


void
reg_client_free (struct reg_client *c)
{
  if (c == NULL)
    return;
  if (c->curl)
    curl_easy_cleanup (c->curl);
  free (c->host);
  free (c->api_host);
  free (c->base);
  free (c->user);
  free (c->pass);
  free (c->authorization);
  free (c);
}

void
reg_client_freep (struct reg_client **c)
{
  reg_client_free (*c);
}

void
reg_response_reset (struct response *r)
{
  r->status = 0;
  free (r->location);
  free (r->www_authenticate);
  free (r->content_type);
  free (r->docker_digest);
  r->location = r->www_authenticate = r->content_type = r->docker_digest = NULL;
  free (r->body.s);
  r->body = (struct strbuf) STRBUF_INIT;
  r->body_too_large = false;
  oci_error_clear (&r->sink_err);
}

void
reg_response_clear (struct response *r)
{
  reg_response_reset (r);
}


bool
reg_status_line (const char *line, size_t len, long *status)
{
  *status = 0;
  if (len < 5 || memcmp (line, "HTTP/", 5) != 0)
    return false;
  /* curl hands the line over with its length, not NUL-terminated */
  const char *sp = memchr (line, ' ', len), *end = line + len;
  if (sp == NULL || end - sp < 4)
    return true;
  long v = 0;
  for (const char *d = sp + 1; d < sp + 4; d++)
    {
      if (*d < '0' || *d > '9')
        return true;
      v = v * 10 + (*d - '0');
    }
  if (sp + 4 == end || sp[4] == ' ' || sp[4] == '\r' || sp[4] == '\n')
    *status = v;
  return true;
}

size_t
reg_on_header (char *line, size_t size, size_t n, void *ctx)
{
  struct response *r = ctx;
  size_t len = size * n, name_len;
  char **slot = NULL;
  const char *colon, *v, *end;

  long status;
  if (reg_status_line (line, len, &status))
    {
      /* A new answer (after a redirect or a 100): forget the last one's. */
      reg_response_reset (r);
      r->status = status;
      return len;
    }
  colon = memchr (line, ':', len);
  if (colon == NULL)
    return len;
  name_len = colon - line;
  if (name_len == 8 && strncasecmp (line, "Location", 8) == 0)
    slot = &r->location;
  else if (name_len == 16 && strncasecmp (line, "WWW-Authenticate", 16) == 0)
    slot = &r->www_authenticate;
  else if (name_len == 12 && strncasecmp (line, "Content-Type", 12) == 0)
    slot = &r->content_type;
  else if (name_len == 21 && strncasecmp (line, "Docker-Content-Digest", 21) == 0)
    slot = &r->docker_digest;
  if (slot == NULL)
    return len;
  v = colon + 1;
  end = line + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  free (*slot);
  *slot = strndup (v, end - v);
  return *slot ? len : 0;
}

size_t
reg_on_body (char *data, size_t size, size_t n, void *ctx)
{
  struct response *r = ctx;
  size_t len = size * n;

  if (r->sink && r->status >= 200 && r->status < 300)
    return r->sink (r->sink_ctx, data, len, &r->sink_err) < 0 ? 0 : len;
  if (r->body.len + len > r->body_max)
    {
      r->body_too_large = true;
      return 0;
    }
  strbuf_add (&r->body, data, len);
  return r->body.failed ? 0 : len;
}

static size_t
on_read (char *buf, size_t size, size_t n, void *ctx)
{
  struct req_body *b = ctx;
  size_t want = size * n;
  uint64_t left = b->len - b->pos;

  if (want > left)
    want = left;
  if (want == 0)
    return 0;
  if (b->buf)
    memcpy (buf, b->buf + b->pos, want);
  else
    {
      ssize_t got = pread (b->fd, buf, want, b->off + b->pos);
      if (got <= 0)
        return CURL_READFUNC_ABORT;
      want = got;
    }
  b->pos += want;
  return want;
}

int
reg_absolute_url (struct reg_client *c, const char *path_or_url, char **out, struct oci_error *err)
{
  int n;
  if (strncmp (path_or_url, "http://", 7) == 0 || strncmp (path_or_url, "https://", 8) == 0)
    n = asprintf (out, "%s", path_or_url);
  else
    n = asprintf (out, "%s%s%s", c->base, path_or_url[0] == '/' ? "" : "/", path_or_url);
  if (n < 0)
    return oci_error_set (err, ENOMEM, "url");
  return 0;
}

static bool
add_header (struct curl_slist **list, const char *h)
{
  struct curl_slist *l = curl_slist_append (*list, h);
  if (l == NULL)
    return false;
  *list = l;
  return true;
}

/* One HTTP exchange, no retry.  Fills r; -1 only when no answer came. */
int
reg_perform (struct reg_client *c, const char *method, const char *url, const char *authorization,
             const char *const *headers, struct req_body *body, struct response *r, struct oci_error *err)
{
  struct curl_slist *list = NULL;
  cleanup_free char *auth = NULL;
  CURLcode rc;

  reg_response_reset (r);
  curl_easy_reset (c->curl);
  c->curl_error[0] = '\0';
  curl_easy_setopt (c->curl, CURLOPT_URL, url);
  curl_easy_setopt (c->curl, CURLOPT_ERRORBUFFER, c->curl_error);
  curl_easy_setopt (c->curl, CURLOPT_HEADERFUNCTION, reg_on_header);
  curl_easy_setopt (c->curl, CURLOPT_HEADERDATA, r);
  curl_easy_setopt (c->curl, CURLOPT_WRITEFUNCTION, reg_on_body);
  curl_easy_setopt (c->curl, CURLOPT_WRITEDATA, r);
  curl_easy_setopt (c->curl, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A registry that stops sending is given up on after two minutes. */
  curl_easy_setopt (c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c->curl, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt (c->curl, CURLOPT_USERAGENT, "builder/" PACKAGE_VERSION);
  curl_easy_setopt (c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!c->tls_verify)
    {
      curl_easy_setopt (c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (strcmp (method, "GET") == 0)
    {
      curl_easy_setopt (c->curl, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt (c->curl, CURLOPT_MAXREDIRS, 10L);
    }
  else if (strcmp (method, "HEAD") == 0)
    curl_easy_setopt (c->curl, CURLOPT_NOBODY, 1L);
  else if (body == NULL)
    {
      curl_easy_setopt (c->curl, CURLOPT_POST, 1L);
      curl_easy_setopt (c->curl, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt (c->curl, CURLOPT_POSTFIELDSIZE, 0L);
      curl_easy_setopt (c->curl, CURLOPT_CUSTOMREQUEST, method);
    }
  else
    {
      body->pos = 0;
      curl_easy_setopt (c->curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (c->curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (c->curl, CURLOPT_READDATA, body);
      curl_easy_setopt (c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) body->len);
      curl_easy_setopt (c->curl, CURLOPT_CUSTOMREQUEST, method);
    }
  /* No "Expect: 100-continue" round trip. */
  bool ok = add_header (&list, "Expect:");
  if (ok && authorization)
    ok = asprintf (&auth, "Authorization: %s", authorization) >= 0 && add_header (&list, auth);
  for (size_t i = 0; ok && headers && headers[i]; i++)
    ok = add_header (&list, headers[i]);
  if (!ok)
    {
      curl_slist_free_all (list);
      return oci_error_set (err, ENOMEM, "%s %s", method, url);
    }
  curl_easy_setopt (c->curl, CURLOPT_HTTPHEADER, list);
  rc = curl_easy_perform (c->curl);
  c->last_rc = rc;
  curl_slist_free_all (list);
  if (r->sink_err.msg)
    {
      oci_error_set (err, r->sink_err.errnum, "%s", r->sink_err.msg);
      oci_error_clear (&r->sink_err);
      return -1;
    }
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && r->body_too_large))
    return oci_error_set (err, 0, "%s %s: %s", method, url,
                          c->curl_error[0] ? c->curl_error : curl_easy_strerror (rc));
  return 0;
}

/* Appends the registry's text with control characters (a newline, an
 * escape) as spaces: an error is one line, and not the registry's lines. */
static void
strbuf_add_printable (struct strbuf *b, const char *s)
{
  for (; *s; s++)
    strbuf_addc (b, (unsigned char) *s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* "CODE: message" from a registry's JSON error body, else the status. */
char *
reg_describe_failure (const struct response *r)
{
  cleanup_json struct json_value *root = NULL;
  struct oci_error ignored = OCI_ERROR_INIT;
  struct strbuf b = STRBUF_INIT;
  char status[32];

  snprintf (status, sizeof status, "%ld", r->status);
  strbuf_adds (&b, status);
  if (r->body.len && json_parse (r->body.s, r->body.len, &root, &ignored) == 0)
    {
      struct json_value *errors = json_object_get (root, "errors");
      for (size_t i = 0; errors && errors->type == JSON_ARRAY && i < errors->u.array.len; i++)
        {
          struct json_value *code = json_object_get (errors->u.array.items[i], "code");
          struct json_value *msg = json_object_get (errors->u.array.items[i], "message");
          strbuf_adds (&b, i ? "; " : " ");
          if (code && code->type == JSON_STRING)
            strbuf_add_printable (&b, code->u.string);
          if (msg && msg->type == JSON_STRING)
            {
              strbuf_adds (&b, ": ");
              strbuf_add_printable (&b, msg->u.string);
            }
        }
    }
  oci_error_clear (&ignored);
  if (b.failed)
    {
      free (b.s);
      return NULL;
    }
  return b.s;
}

int
reg_http_failure (struct reg_client *c, const char *method, const char *url, const struct response *r,
                  struct oci_error *err)
{
  cleanup_free char *what = reg_describe_failure (r);
  if (r->status == 401)
    return oci_error_set (err, 0, "registry %s: unauthorized: authentication required (%s %s: %s)", c->host, method,
                          url, what ? what : "401");
  return oci_error_set (err, 0, "%s %s: %s", method, url, what ? what : "failed");
}

/* An exchange with one retry after authenticating on a 401. */
int
reg_request (struct reg_client *c, const char *method, const char *path_or_url, const char *const *headers,
             struct req_body *body, struct response *r, struct oci_error *err)
{
  cleanup_free char *url = NULL;
  size_t base_len = strlen (c->base);

  if (reg_absolute_url (c, path_or_url, &url, err) < 0)
    return -1;
  /* Credentials go to the registry only, not to another host a Location
   * points at. */
  bool ours = strncmp (url, c->base, base_len) == 0 && url[base_len] == '/';
  if (reg_perform (c, method, url, ours ? c->authorization : NULL, headers, body, r, err) < 0)
    return -1;
  if (r->status != 401 || !ours)
    return 0;
  /* Nor to a challenge from the host a redirect led to: its realm would
   * be sent our credentials. */
  char *final = NULL;
  if (curl_easy_getinfo (c->curl, CURLINFO_EFFECTIVE_URL, &final) != CURLE_OK || final == NULL
      || strncmp (final, c->base, base_len) != 0 || final[base_len] != '/')
    return 0;
  if (reg_authenticate (c, r->www_authenticate, err) < 0
      || reg_perform (c, method, url, c->authorization, headers, body, r, err) < 0)
    return -1;
  if (r->status == 401)
    return reg_http_failure (c, method, url, r, err);
  return 0;
}

static int
perform_ping (struct reg_client *c, struct response *r, struct oci_error *err)
{
  cleanup_free char *url = NULL;
  if (asprintf (&url, "%s/v2/", c->base) < 0)
    return oci_error_set (err, ENOMEM, "url");
  return reg_perform (c, "GET", url, NULL, NULL, NULL, r, err);
}

bool
reg_host_is_loopback (const char *host)
{
  cleanup_free char *h = NULL;
  struct in_addr a4;
  struct in6_addr a6;
  const char *colon;

  if (host[0] == '[')
    {
      const char *end = strchr (host, ']');
      if (end == NULL || (h = strndup (host + 1, (size_t) (end - host - 1))) == NULL)
        return false;
      return inet_pton (AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK (&a6);
    }
  colon = strchr (host, ':');
  h = colon ? strndup (host, (size_t) (colon - host)) : strdup (host);
  if (h == NULL)
    return false;
  if (strcasecmp (h, "localhost") == 0)
    return true;
  if (inet_pton (AF_INET, h, &a4) == 1)
    return (ntohl (a4.s_addr) >> 24) == 127;
  return inet_pton (AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK (&a6); /* a bare "::1" */
}

/* https failed: when the server answers plain http, err says so (docker:
 * "server gave HTTP response to HTTPS client") instead of the TLS error.
 * The probe carries no credentials. */
static void
plain_http_hint (struct reg_client *c, struct oci_error *err)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_free char *url = NULL;
  struct oci_error e = OCI_ERROR_INIT;

  /* Only a handshake that failed outright (a server speaking plain http
   * answers the ClientHello with text): a certificate that does not
   * verify is a TLS server, whatever it says to plain http. */
  if (c->last_rc != CURLE_SSL_CONNECT_ERROR)
    return;
  if (asprintf (&url, "http://%s/v2/", c->api_host) < 0)
    return;
  if (reg_perform (c, "GET", url, NULL, NULL, NULL, &r, &e) < 0)
    {
      oci_error_clear (&e);
      return;
    }
  oci_error_clear (err);
  oci_error_set (err, 0,
                 "the server answered plain HTTP to an HTTPS request: it is a plain-http registry "
                 "(--tls-verify=false uses http)");
}

int
reg_client_new (const char *host, const struct reg_options *o, struct reg_client **out, struct oci_error *err)
{
  static bool global_done;
  struct reg_client *c = calloc (1, sizeof *c);
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_free char *default_authfile = NULL;
  const char *authfile = o->authfile;

  *out = NULL;
  if (c == NULL)
    return oci_error_set (err, ENOMEM, "registry %s", host);
  if (!global_done)
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      global_done = true;
    }
  c->curl = curl_easy_init ();
  c->host = strdup (host);
  c->api_host = strdup (strcmp (host, "docker.io") == 0 ? "registry-1.docker.io" : host);
  c->tls_verify = o->tls_verify && (o->tls_verify_set || !reg_host_is_loopback (host));
  c->chunk_size = o->chunk_size ? o->chunk_size : REG_DEFAULT_CHUNK;
  if (c->curl == NULL || c->host == NULL || c->api_host == NULL || asprintf (&c->base, "https://%s", c->api_host) < 0)
    {
      reg_client_free (c);
      return oci_error_set (err, ENOMEM, "registry %s", host);
    }
  if (o->creds && reg_split_creds (o->creds, &c->user, &c->pass, err) < 0)
    goto fail;
  if (authfile == NULL && getenv ("XDG_RUNTIME_DIR")
      && asprintf (&default_authfile, "%s/containers/auth.json", getenv ("XDG_RUNTIME_DIR")) >= 0
      && access (default_authfile, R_OK) == 0)
    authfile = default_authfile;
  if (c->user == NULL && authfile && reg_authfile_lookup (authfile, host, &c->user, &c->pass, err) < 0)
    goto fail;

  /* The version check picks the scheme; any HTTP answer will do. */
  if (perform_ping (c, &r, err) < 0)
    {
      if (c->tls_verify)
        {
          plain_http_hint (c, err);
          goto fail;
        }
      free (c->base);
      if (asprintf (&c->base, "http://%s", c->api_host) < 0)
        {
          c->base = NULL;
          oci_error_set (err, ENOMEM, "registry %s", host);
          goto fail;
        }
      oci_error_clear (err);
      if (perform_ping (c, &r, err) < 0)
        goto fail;
    }
  *out = c;
  return 0;

fail:
  reg_client_free (c);
  return oci_error_prefix (err, "registry %s", host);
}
