/* Image references: see reference.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "distribution/reference.h"

#define REF_NAME_MAX 255
#define REF_TAG_MAX 128

static bool
is_alnum_lower (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum (char c)
{
  return is_alnum_lower (c) || (c >= 'A' && c <= 'Z');
}

/* One path component: alnum runs joined by '.', '_', "__" or '-'+. */
static bool
component_valid (const char *s, size_t n)
{
  size_t i = 0;
  if (n == 0 || !is_alnum_lower (s[0]) || !is_alnum_lower (s[n - 1]))
    return false;
  while (i < n)
    {
      if (is_alnum_lower (s[i]))
        {
          i++;
          continue;
        }
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < n && s[i] == '-')
          i++;
      else
        return false;
      if (i >= n || !is_alnum_lower (s[i]))
        return false;
    }
  return true;
}

/* A DNS name or an IPv4 address: components of letters and digits with
 * inner '-', joined by '.'. */
static bool
domain_name_valid (const char *s, size_t n)
{
  size_t start = 0;
  for (size_t i = 0; i <= n; i++)
    {
      if (i < n && s[i] != '.')
        {
          if (!is_alnum (s[i]) && s[i] != '-')
            return false;
          continue;
        }
      if (i == start || s[start] == '-' || s[i - 1] == '-')
        return false;
      start = i + 1;
    }
  return true;
}

/* host[:port], host a domain name, an IPv4 address or a bracketed IPv6
 * address: nothing that could change the URL it is put into. */
static bool
host_valid (const char *s, size_t n)
{
  size_t host_len;
  if (n > 0 && s[0] == '[')
    {
      const char *end = memchr (s, ']', n);
      if (end == NULL || end == s + 1 || strspn (s + 1, "0123456789abcdefABCDEF:.") < (size_t) (end - s - 1))
        return false;
      host_len = (size_t) (end - s) + 1;
    }
  else
    {
      const char *colon = memchr (s, ':', n);
      host_len = colon ? (size_t) (colon - s) : n;
      if (!domain_name_valid (s, host_len))
        return false;
    }
  if (host_len == n)
    return true;
  if (s[host_len] != ':' || n - host_len - 1 == 0 || n - host_len - 1 > 5)
    return false;
  for (size_t i = host_len + 1; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static bool
tag_valid (const char *t)
{
  size_t n = strlen (t);
  if (n == 0 || n > REF_TAG_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    {
      char c = t[i];
      bool word = is_alnum (c) || c == '_';
      if (!(word || (i > 0 && (c == '.' || c == '-'))))
        return false;
    }
  return true;
}

bool
bld_ref_has_host (const char *name)
{
  const char *slash = strchr (name, '/');
  size_t n = slash ? (size_t) (slash - name) : 0;
  return slash && (memchr (name, '.', n) || memchr (name, ':', n) || (n == 9 && memcmp (name, "localhost", 9) == 0));
}

const char *
bld_ref_tag_colon (const char *name)
{
  const char *slash = strrchr (name, '/');
  return strrchr (slash ? slash : name, ':');
}

static int
path_check (const char *s, const char *path, struct oci_error *err)
{
  for (const char *p = path;;)
    {
      const char *slash = strchr (p, '/');
      size_t n = slash ? (size_t) (slash - p) : strlen (p);
      if (!component_valid (p, n))
        {
          for (size_t i = 0; i < n; i++)
            if (p[i] >= 'A' && p[i] <= 'Z')
              return oci_error_set (err, EINVAL, "reference %s: invalid repository name \"%s\" (must be lowercase)",
                                    s, path);
          return oci_error_set (err, EINVAL, "reference %s: invalid repository name \"%s\"", s, path);
        }
      if (!slash)
        return 0;
      p = slash + 1;
    }
}

/* Fills r's host, repo and name from what was written before the tag:
 * the host, when there is one, is already checked. */
static int
names_fill (struct bld_reference *r, const char *host, const char *path)
{
  bool docker = host == NULL || strcmp (host, "docker.io") == 0 || strcmp (host, "index.docker.io") == 0;
  int n;

  r->host = strdup (docker ? "docker.io" : host);
  if (docker && strchr (path, '/') == NULL)
    n = asprintf (&r->repo, "library/%s", path);
  else
    n = asprintf (&r->repo, "%s", path);
  if (n < 0)
    r->repo = NULL;
  if (host == NULL)
    n = asprintf (&r->name, "%s", path);
  else if (!docker || bld_ref_has_host (path))
    n = asprintf (&r->name, "%s/%s", docker ? "docker.io" : host, path);
  else if (strncmp (path, "library/", 8) == 0 && strchr (path + 8, '/') == NULL)
    n = asprintf (&r->name, "%s", path + 8);
  else
    n = asprintf (&r->name, "%s", path);
  if (n < 0)
    r->name = NULL;
  return r->host && r->repo && r->name ? 0 : -1;
}

int
bld_reference_parse (const char *s, struct bld_reference *out, struct oci_error *err)
{
  cleanup_free char *copy = strdup (s);
  cleanup_reference struct bld_reference r = { 0 };
  char *at, *colon, *path, *host = NULL;

  memset (out, 0, sizeof *out);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "reference %s", s);
  at = strchr (copy, '@');
  if (at)
    {
      *at = '\0';
      if (oci_digest_validate (at + 1, err) < 0)
        return oci_error_prefix (err, "reference %s", s);
      if ((r.digest = strdup (at + 1)) == NULL)
        return oci_error_set (err, ENOMEM, "reference %s", s);
    }
  const char *tag_at = bld_ref_tag_colon (copy);
  colon = tag_at ? copy + (tag_at - copy) : NULL;
  if (colon)
    {
      *colon = '\0';
      if (!tag_valid (colon + 1))
        return oci_error_set (err, EINVAL, "reference %s: invalid tag \"%s\"", s, colon + 1);
      if ((r.tag = strdup (colon + 1)) == NULL)
        return oci_error_set (err, ENOMEM, "reference %s", s);
    }
  path = copy;
  if (bld_ref_has_host (copy))
    {
      host = copy;
      path = strchr (copy, '/');
      *path++ = '\0';
      if (!host_valid (host, strlen (host)))
        return oci_error_set (err, EINVAL, "reference %s: invalid registry host \"%s\"", s, host);
    }
  if (path_check (s, path, err) < 0)
    return -1;
  if (names_fill (&r, host, path) < 0)
    return oci_error_set (err, ENOMEM, "reference %s", s);
  if (strlen (r.name) > REF_NAME_MAX)
    return oci_error_set (err, EINVAL, "reference %s: name longer than %d characters", s, REF_NAME_MAX);
  *out = r;
  memset (&r, 0, sizeof r);
  return 0;
}

void
bld_reference_clear (struct bld_reference *r)
{
  free (r->host);
  free (r->repo);
  free (r->name);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof *r);
}

int
bld_ref_parse (const char *ref, char **name_out, char **tag_out, char **digest_out, struct oci_error *err)
{
  cleanup_reference struct bld_reference r = { 0 };

  *name_out = NULL;
  if (tag_out)
    *tag_out = NULL;
  if (digest_out)
    *digest_out = NULL;
  if (bld_reference_parse (ref ? ref : "", &r, err) < 0)
    return -1;
  if (r.tag && r.digest)
    return oci_error_set (err, EINVAL, "reference %s: both a tag and a digest", ref);
  if (r.digest == NULL && r.tag == NULL && (r.tag = strdup ("latest")) == NULL)
    return oci_error_set (err, ENOMEM, "reference %s", ref);
  *name_out = steal_pointer (&r.name);
  if (tag_out)
    *tag_out = steal_pointer (&r.tag);
  if (digest_out)
    *digest_out = steal_pointer (&r.digest);
  return 0;
}

int
bld_ref_normalize (const char *ref, char **out, struct oci_error *err)
{
  cleanup_free char *name = NULL;
  cleanup_free char *tag = NULL;
  cleanup_free char *digest = NULL;

  *out = NULL;
  if (bld_ref_parse (ref, &name, &tag, &digest, err) < 0)
    return -1;
  if (digest)
    return oci_error_set (err, EINVAL, "reference %s: a name cannot carry a digest here", ref);
  if (asprintf (out, "%s:%s", name, tag) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "reference %s", ref);
    }
  return 0;
}

int
bld_ref_qualified (const char *ref, char **out, struct oci_error *err)
{
  cleanup_reference struct bld_reference r = { 0 };

  *out = NULL;
  if (bld_reference_parse (ref, &r, err) < 0)
    return -1;
  if (asprintf (out, "%s/%s%s%s", r.host, r.repo, r.tag ? ":" : "", r.tag ? r.tag : "") < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "reference %s", ref);
    }
  return 0;
}
