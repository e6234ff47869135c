#include "core/lookup_table_file.hpp"

#include <bit>
#include <optional>
#include <vector>

#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/file_payload.hpp"
#include "core/fingerprint.hpp"

namespace lutfhe {

using namespace payload;

void check_table_shape(std::uint32_t bits, std::uint64_t count, const ParameterSet& p,
                       const std::filesystem::path& path) {
  const auto log2_n = static_cast<std::uint64_t>(std::countr_zero(p.N.value()));
  bool ok = count >= 1 && count <= 16 && std::has_single_bit(count) && bits <= kMaxMessageBits;
  if (ok && bits == 0) ok = count == 1;  // a negacyclic (sign) table
  if (ok && bits > 0) {
    ok = bits + 1 + static_cast<std::uint64_t>(std::countr_zero(count)) <= log2_n;
  }
  if (!ok) {
    throw FileFormatError(where(path) + "table of " + std::to_string(count) + " function(s) on " +
                          std::to_string(bits) +
                          " bits does not fit N=" + std::to_string(p.N.value()));
  }
}

void save_lookup_table(const std::filesystem::path& path, const ParameterSet& p,
                       const LookupTable& lut) {
  require_equal(lut.polynomial_size().value(), p.N.value(), "save_lookup_table", "table N",
                "parameters N");
  write_object_file(path, make_header(ObjectKind::kLookupTable, p, KeyId{}, 0), false,
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, p);
                      put<std::uint32_t>(ar, lut.input_bits());
                      put<std::uint64_t>(ar, lut.lut_count());
                      put_torus(ar, lut.polynomial());
                    });
}

LookupTable load_lookup_table(const std::filesystem::path& path, const ParameterSet& p) {
  std::optional<LookupTable> out;
  read_object_file(path, ObjectKind::kLookupTable, [&](const FileHeader& h, std::istream& is) {
    require_no_flags(h, path);
    InArchive ar(is);
    const ParameterSet fp = get_checked_params(ar, h, path);
    if (parameter_fingerprint(fp) != parameter_fingerprint(p)) {
      throw KeyMismatch(where(path) + "is for parameter set " + fp.name + ", expected " + p.name);
    }
    const auto bits = get<std::uint32_t>(ar);
    const auto count = get<std::uint64_t>(ar);
    check_table_shape(bits, count, fp, path);
    if (remaining(is, h, path) != 8 * fp.N.value()) {
      throw FileFormatError(where(path) + "table polynomial has " +
                            std::to_string(remaining(is, h, path)) +
                            " bytes, N=" + std::to_string(fp.N.value()) + " needs " +
                            std::to_string(8 * fp.N.value()));
    }
    std::vector<Torus> poly(fp.N.value());
    get_torus(ar, poly);
    out.emplace(fp.N, bits, count, std::move(poly));
  });
  return std::move(*out);
}

}  // namespace lutfhe
