#include "core/describe_file.hpp"

#include "core/errors.hpp"
#include "core/file_payload.hpp"
#include "core/internal/ciphertext_prologue.hpp"
#include "core/internal/evaluation_key_layout.hpp"
#include "core/lookup_table_file.hpp"

namespace lutfhe {

using namespace payload;

FileSummary describe_file(const std::filesystem::path& path) {
  FileSummary s;
  inspect_object_file(path, [&](const FileHeader& h, std::istream& is) {
    s.header = h;
    s.file_size = kHeaderSize + h.payload_size;
    switch (h.kind) {
      case ObjectKind::kParameters:
      case ObjectKind::kClientKey:
      case ObjectKind::kEvaluationKey:
      case ObjectKind::kGlweCiphertext:
      case ObjectKind::kLookupTable:
      case ObjectKind::kLweCiphertexts:
        break;
      default:
        return;  // a kind this layer does not parse (compiler artifacts): the header only
    }
    InArchive ar(is);
    if (h.kind == ObjectKind::kLweCiphertexts) {
      CiphertextPrologue pro = read_ciphertext_prologue(ar, is, h, path);
      s.params = std::move(pro.params);
      s.encoding = pro.encoding;
      s.count = pro.count;
      return;
    }
    s.params = get_checked_params(ar, h, path);
    const ParameterSet& p = *s.params;
    // The rest is not read, but its size must be the one the parameters imply.
    std::uint64_t rest = 0;
    switch (h.kind) {
      case ObjectKind::kClientKey:
        require_no_flags(h, path);
        get_key_id(ar, h, path);
        rest = (p.n.value() + 7) / 8 + (p.big_dimension().value() + 7) / 8;
        break;
      case ObjectKind::kEvaluationKey:
        get_key_id(ar, h, path);
        rest = evaluation_key_body_bytes(p, h.flags);
        break;
      case ObjectKind::kGlweCiphertext:
        require_no_flags(h, path);
        get_key_id(ar, h, path);
        rest = 8 * (p.k.value() + 1) * p.N.value();
        break;
      case ObjectKind::kLookupTable:
        require_no_flags(h, path);
        s.table_input_bits = get<std::uint32_t>(ar);
        s.table_functions = get<std::uint64_t>(ar);
        check_table_shape(*s.table_input_bits, *s.table_functions, p, path);
        rest = 8 * p.N.value();
        break;
      default:
        require_no_flags(h, path);
        break;
    }
    if (remaining(is, h, path) != rest) {
      throw FileFormatError(where(path) + "payload has " + std::to_string(remaining(is, h, path)) +
                            " bytes after its prologue, " + kind_with_article(h.kind) + " of " +
                            p.name + " has " + std::to_string(rest));
    }
  });
  return s;
}

}  // namespace lutfhe
