/* The registry client's credentials: --creds, auth.json, and answers to a
 * 401's challenge (basic, or a bearer token from the realm). */
#include "config.h"

#include <curl/curl.h>
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
#include "fileutil.h"
#include "image.h"

/* ---- credentials ---- */

int
reg_split_creds (const char *creds, char **user, char **pass, struct oci_error *err)
{
  const char *colon = strchr (creds, ':');
  if (colon == NULL || colon == creds)
    return oci_error_set (err, 0, "credentials must be USER:PASSWORD");
  *user = strndup (creds, colon - creds);
  *pass = strdup (colon + 1);
  if (*user == NULL || *pass == NULL)
    return oci_error_set (err, ENOMEM, "credentials");
  return 0;
}

int
reg_authfile_lookup (const char *path, const char *host, char **user, char **pass, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  cleanup_json struct json_value *root = NULL;
  cleanup_free char *https = NULL;
  struct json_value *auths, *entry = NULL, *auth;
  size_t len;

  *user = *pass = NULL;
  if (oci_read_file (path, OCI_JSON_FILE_MAX, &text, &len, err) < 0 || json_parse (text, len, &root, err) < 0)
    return oci_error_prefix (err, "auth file %s", path);
  auths = json_object_get (root, "auths");
  if (auths == NULL)
    return 0;
  if (asprintf (&https, "https://%s", host) < 0)
    return oci_error_set (err, ENOMEM, "auth file %s", path);
  entry = json_object_get (auths, host);
  if (entry == NULL)
    entry = json_object_get (auths, https);
  if (entry == NULL && strcmp (host, "docker.io") == 0)
    entry = json_object_get (auths, "https://index.docker.io/v1/");
  auth = json_object_get (entry, "auth");
  if (auth == NULL)
    return 0;
  if (auth->type != JSON_STRING)
    return oci_error_set (err, 0, "auth file %s: auths.%s.auth: expected a string", path, host);
  cleanup_free unsigned char *plain = NULL;
  if (oci_base64_decode (auth->u.string, &plain, &len, err) < 0)
    return oci_error_prefix (err, "auth file %s: auths.%s.auth", path, host);
  if (strlen ((char *) plain) != len || reg_split_creds ((char *) plain, user, pass, err) < 0)
    return oci_error_set (err, 0, "auth file %s: auths.%s.auth: not base64 of USER:PASSWORD", path, host);
  return 0;
}

/* The value of key in a challenge's parameter list (key="value", ...). */
char *
reg_challenge_param (const char *params, const char *key)
{
  size_t klen = strlen (key);
  const char *p = params;

  while (*p)
    {
      while (*p == ' ' || *p == ',')
        p++;
      const char *eq = strchr (p, '=');
      if (eq == NULL)
        return NULL;
      bool match = (size_t) (eq - p) == klen && strncasecmp (p, key, klen) == 0;
      const char *v = eq + 1, *end;
      if (*v == '"')
        {
          v++;
          end = strchr (v, '"');
          if (end == NULL)
            return NULL;
          if (match)
            return strndup (v, end - v);
          p = end + 1;
        }
      else
        {
          end = v + strcspn (v, ",");
          if (match)
            return strndup (v, end - v);
          p = end;
        }
    }
  return NULL;
}

static int
basic_authorization (const char *user, const char *pass, char **out, struct oci_error *err)
{
  cleanup_free char *plain = NULL;
  cleanup_free char *b64 = NULL;
  if (asprintf (&plain, "%s:%s", user, pass) < 0 || (b64 = oci_base64_encode (plain, strlen (plain))) == NULL
      || asprintf (out, "Basic %s", b64) < 0)
    return oci_error_set (err, ENOMEM, "credentials");
  return 0;
}

/* Answers a 401's challenge: sets c->authorization.  Bearer: a token from
 * the realm (with our basic credentials when we have some). */
int
reg_authenticate (struct reg_client *c, const char *challenge, struct oci_error *err)
{
  if (challenge == NULL)
    return oci_error_set (err, 0, "registry %s: unauthorized: authentication required, without a challenge", c->host);
  if (strncasecmp (challenge, "Basic", 5) == 0)
    {
      if (c->user == NULL)
        return oci_error_set (
            err, 0, "registry %s: unauthorized: authentication required (give --creds or --authfile)", c->host);
      free (c->authorization);
      c->authorization = NULL;
      return basic_authorization (c->user, c->pass, &c->authorization, err);
    }
  if (strncasecmp (challenge, "Bearer", 6) != 0)
    return oci_error_set (err, 0, "registry %s: unsupported authentication scheme in \"%s\"", c->host, challenge);

  cleanup_free char *realm = reg_challenge_param (challenge + 6, "realm");
  cleanup_free char *service = reg_challenge_param (challenge + 6, "service");
  cleanup_free char *scope = reg_challenge_param (challenge + 6, "scope");
  cleanup_free char *url = NULL;
  cleanup_free char *basic = NULL;
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_json struct json_value *root = NULL;
  struct json_value *tok;
  struct strbuf u = STRBUF_INIT;

  if (realm == NULL || (strncmp (realm, "https://", 8) != 0 && strncmp (realm, "http://", 7) != 0))
    return oci_error_set (err, 0, "registry %s: bearer challenge without an http(s) realm: \"%s\"", c->host,
                          challenge);
  strbuf_adds (&u, realm);
  strbuf_addc (&u, strchr (realm, '?') ? '&' : '?');
  if (service)
    {
      char *e = curl_easy_escape (c->curl, service, 0);
      strbuf_adds (&u, "service=");
      strbuf_adds (&u, e ? e : "");
      curl_free (e);
    }
  /* Several scopes (a mount also asks to pull from the source) are
   * space-separated in the challenge, separate parameters for the realm. */
  bool first = service == NULL;
  for (const char *sc = scope; sc && *sc;)
    {
      size_t n = strcspn (sc, " ");
      cleanup_free char *one = strndup (sc, n);
      char *e = one ? curl_easy_escape (c->curl, one, 0) : NULL;
      if (n > 0)
        {
          strbuf_adds (&u, first ? "scope=" : "&scope=");
          strbuf_adds (&u, e ? e : "");
          first = false;
        }
      curl_free (e);
      sc += n;
      sc += strspn (sc, " ");
    }
  if (u.failed)
    {
      free (u.s);
      return oci_error_set (err, ENOMEM, "token url");
    }
  url = u.s;

  free (c->authorization);
  c->authorization = NULL;
  if (c->user && basic_authorization (c->user, c->pass, &basic, err) < 0)
    return -1;
  if (reg_perform (c, "GET", url, basic, NULL, NULL, &r, err) < 0)
    return oci_error_prefix (err, "registry %s: token", c->host);
  if (r.status == 401 || r.status == 403)
    return oci_error_set (err, 0,
                          "registry %s: unauthorized: authentication required (the token server %s answered %ld)",
                          c->host, realm, r.status);
  if (r.status != 200)
    return reg_http_failure (c, "GET", url, &r, err);
  if (r.body_too_large)
    return oci_error_set (err, 0, "registry %s: the token server %s answered more than %u bytes", c->host, realm,
                          REG_SMALL_BODY_MAX);
  if (json_parse (r.body.s ? r.body.s : "", r.body.len, &root, err) < 0)
    return oci_error_prefix (err, "registry %s: token from %s", c->host, realm);
  tok = json_object_get (root, "token");
  if (tok == NULL)
    tok = json_object_get (root, "access_token");
  if (tok == NULL || tok->type != JSON_STRING || tok->u.string[0] == '\0')
    return oci_error_set (err, 0, "registry %s: the token server %s gave no token", c->host, realm);
  if (asprintf (&c->authorization, "Bearer %s", tok->u.string) < 0)
    return oci_error_set (err, ENOMEM, "token");
  return 0;
}
