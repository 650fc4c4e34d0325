/* oci-spec/runtime.c: config.json (and state.json) parse -> validate ->
 * emit -> parse -> emit, and the two emitted texts are equal. */
#include "config.h"

#include "cleanup.h"
#include "runtime.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *text = fuzz_bytes (data, size);

  FUZZ_ROUND_TRIP (oci_runtime_config, struct oci_runtime_config, text, size);
  FUZZ_ROUND_TRIP (oci_runtime_state, struct oci_runtime_state, text, size);
  return 0;
}
