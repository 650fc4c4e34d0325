/* Image references: the one parser of "[HOST[:PORT]/]PATH[:TAG][@DIGEST]"
 * for the store, the registry client and the image transports, after the
 * distribution reference grammar (distribution/reference):
 *
 *   - The first '/'-separated component is a registry host when it
 *     contains '.' or ':' or is "localhost": a DNS name (components of
 *     letters, digits and inner '-', joined by '.'), an IPv4 address or a
 *     bracketed IPv6 address, with an optional port of 1-5 digits.
 *   - PATH is one or more components of lowercase letters and digits,
 *     separated inside a component by '.', '_', "__" or runs of '-'.
 *     Upper case in a path component is an error, not folded.
 *   - TAG is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: what follows the last ':'
 *     after the last '/'.  DIGEST is an OCI digest (digest.h).
 *   - index.docker.io is docker.io; without a host the registry is
 *     docker.io, whose one-component repositories live under library/.
 *
 * Two spellings of the name come out of a parse: the registry's (host and
 * repository, "docker.io" + "library/busybox") and the store's short
 * canonical one, which drops "docker.io/" and then "library/" from what
 * was written ("busybox"), but keeps "docker.io/" before a path whose
 * first component has a host's shape (docker.io/localhost/a), so that
 * canonicalising is idempotent.  Nothing is prefixed to the short form.
 * The short name is at most 255 characters. */
#ifndef BUILDER_REFERENCE_H
#define BUILDER_REFERENCE_H

#include <stdbool.h>

#include "error.h"

struct bld_reference
{
  char *host;   /* "docker.io" when none was written */
  char *repo;   /* the repository on host, e.g. "library/busybox" */
  char *name;   /* the store's short canonical name, e.g. "busybox" */
  char *tag;    /* NULL when none was written */
  char *digest; /* NULL unless @digest */
};

/* Parses s (both a tag and a digest may be there, as the grammar allows;
 * callers decide what that means).  Errors read "reference S: ...". */
int bld_reference_parse (const char *s, struct bld_reference *out, struct oci_error *err);
void bld_reference_clear (struct bld_reference *r);
#define cleanup_reference __attribute__ ((cleanup (bld_reference_clear)))

/* Whether name's first component, before a '/', is a registry host
 * (contains '.' or ':' or is "localhost"). */
bool bld_ref_has_host (const char *name);

/* The store's reading of "NAME[:TAG]" or "NAME@DIGEST": the canonical short
 * name (newly allocated) and the tag (default "latest") or the digest
 * (one of them NULL); a tag and a digest together are refused. */
int bld_ref_parse (const char *ref, char **name, char **tag, char **digest, struct oci_error *err);
/* The canonical "NAME:TAG" of ref (NAME@DIGEST is refused). */
int bld_ref_normalize (const char *ref, char **out, struct oci_error *err);
/* The fully qualified "HOST/REPO[:TAG]" of ref (docker.io/library/X:T for
 * X:T), the tag only when ref has one. */
int bld_ref_qualified (const char *ref, char **out, struct oci_error *err);
/* The ':' that starts the tag of NAME[:TAG] (after its last '/'; a
 * pointer into name), NULL when it has none. */
const char *bld_ref_tag_colon (const char *name);

#endif
