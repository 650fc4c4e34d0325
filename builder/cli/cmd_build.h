/* builder build (cmd_build.c). */
#ifndef BUILDER_CMD_BUILD_H
#define BUILDER_CMD_BUILD_H

#include "error.h"

int cmd_build (const char *store_dir, int argc, char **argv, struct oci_error *err);

#endif
