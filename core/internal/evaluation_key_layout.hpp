// Shared by the evaluation-key loader and describe_file: the size of an evaluation key's body.
#pragma once

#include <cstdint>

#include "core/parameters.hpp"

namespace lutfhe {

// The bytes after the key id: [seed] key-switching rows then GGSW rows, masks omitted when
// seeded. Checked against the payload before any key memory is allocated, so a small file
// cannot make the loader reserve gigabytes.
std::uint64_t evaluation_key_body_bytes(const ParameterSet& p, bool seeded);

}  // namespace lutfhe
