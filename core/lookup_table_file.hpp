// Lookup-table files: a test polynomial and how it was made (input bits, function count).
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/entities/lookup_table.hpp"
#include "core/parameters.hpp"

namespace lutfhe {

void save_lookup_table(const std::filesystem::path& path, const ParameterSet& p,
                       const LookupTable& lut);
LookupTable load_lookup_table(const std::filesystem::path& path, const ParameterSet& p);

// FileFormatError unless `count` functions on `bits` input bits fit the set's N.
void check_table_shape(std::uint32_t bits, std::uint64_t count, const ParameterSet& p,
                       const std::filesystem::path& path);

}  // namespace lutfhe
