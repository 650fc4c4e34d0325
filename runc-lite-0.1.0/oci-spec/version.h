/* What --version prints: the package version, the commit it was built
 * from, and the versions of the specifications implemented. */
#ifndef OCI_VERSION_H
#define OCI_VERSION_H

/* runtime-spec and image-spec releases the types follow (shared/specs). */
#define OCI_RUNTIME_SPEC_VERSION "1.3.0"
#define OCI_IMAGE_SPEC_VERSION "1.1.1"

const char *oci_version_package (void);
const char *oci_version_commit (void);

#endif
