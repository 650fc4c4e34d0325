/* Interruption by SIGINT, SIGTERM or SIGHUP: the handler only sets a
 * flag; long loops (a build's steps, the layer writer and compressor
 * between chunks, push's and save's blobs) check it and stop with an
 * error, so cleanups run and the store stays consistent. */
#ifndef BUILDER_INTERRUPT_H
#define BUILDER_INTERRUPT_H

#include <signal.h>

#include "error.h"

/* The signal that interrupted the command, 0 while none did. */
extern volatile sig_atomic_t bld_interrupted;
/* SIGINT, SIGTERM, SIGHUP set bld_interrupted (no SA_RESTART). */
void bld_catch_signals (void);
/* -1 with an "interrupted" error once a signal came. */
int bld_check_interrupted (struct oci_error *err);

#endif
