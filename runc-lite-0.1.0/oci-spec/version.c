#include "config.h"
#include "version.h"
#include "git-commit.h"

const char *
oci_version_package (void)
{
  return PACKAGE_VERSION;
}

const char *
oci_version_commit (void)
{
  return OCI_GIT_COMMIT;
}
