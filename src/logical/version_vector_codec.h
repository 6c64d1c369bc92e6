// Readers for a VersionVector embedded in a larger encoding (dotted version vectors).
#pragma once

#include "kairos/logical/version_vector.h"
#include "logical/text_reader.h"
#include "logical/varint.h"

namespace kairos::logical::internal {

Result<VersionVector> read_version_vector(ByteReader& r);
Result<VersionVector> read_version_vector_text(TextReader& r);

}  // namespace kairos::logical::internal
