/* oci-spec/image.c: every image document (descriptor, manifest, index,
 * config, oci-layout) parse -> emit -> parse -> emit, equal. */
#include "config.h"

#include "cleanup.h"
#include "image.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *text = fuzz_bytes (data, size);

  FUZZ_ROUND_TRIP (oci_image_descriptor, struct oci_image_descriptor, text, size);
  FUZZ_ROUND_TRIP (oci_image_manifest, struct oci_image_manifest, text, size);
  FUZZ_ROUND_TRIP (oci_image_index, struct oci_image_index, text, size);
  FUZZ_ROUND_TRIP (oci_image_config, struct oci_image_config, text, size);
  FUZZ_ROUND_TRIP (oci_image_layout, struct oci_image_layout, text, size);
  return 0;
}
