// Shared by the evaluation-key loader and describe_file: the size of an evaluation key's body.
#pragma once

#include <cstdint>

#include "core/parameters.hpp"

namespace lutfhe {

// The bytes after the key id: [seed] key-switching rows then GGSW rows, masks omitted when
// seeded (kFlagSeeded in `flags`), none at all with kFlagNoBootstrapping. Checked against the
// payload before any key memory is allocated, so a small file cannot make the loader reserve
// gigabytes.
std::uint64_t evaluation_key_body_bytes(const ParameterSet& p, std::uint32_t flags);

}  // namespace lutfhe
