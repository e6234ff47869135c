// The fingerprint of a parameter set: what files, keys and artifacts carry to say which
// parameters they belong to.
#pragma once

#include <array>
#include <cstdint>

#include "core/parameters.hpp"

namespace lutfhe {

using Digest = std::array<std::uint8_t, 32>;

// BLAKE2b-256 of the cryptographic content of a parameter set (dimensions, decompositions,
// noise): two sets that compute the same thing have the same fingerprint, whatever their name.
Digest parameter_fingerprint(const ParameterSet& p);

// The named set whose fingerprint this is, or nullptr.
const ParameterSet* find_parameter_set_by_fingerprint(const Digest& fingerprint);

}  // namespace lutfhe
