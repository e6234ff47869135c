#include "core/ciphertext_files.hpp"

#include <exception>
#include <optional>

#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/file_payload.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"
#include "core/internal/ciphertext_prologue.hpp"

namespace lutfhe {

using namespace payload;

MessageEncoding get_encoding(InArchive& ar, const std::filesystem::path& path) {
  MessageEncoding enc;
  const auto boolean = get<std::uint8_t>(ar);
  enc.bits = get<std::uint32_t>(ar);
  if (boolean > 1) {
    throw FileFormatError(where(path) + "encoding flag " + std::to_string(boolean) +
                          " is neither 0 (integers) nor 1 (booleans)");
  }
  enc.boolean = boolean == 1;
  if (enc.boolean && enc.bits != 0) {
    throw FileFormatError(where(path) + "boolean ciphertexts with " + std::to_string(enc.bits) +
                          " message bits");
  }
  if (!enc.boolean && (enc.bits < 1 || enc.bits > kMaxMessageBits)) {
    throw FileFormatError(where(path) + "message precision " + std::to_string(enc.bits) +
                          " is out of range (1.." + std::to_string(kMaxMessageBits) + ")");
  }
  return enc;
}

CiphertextPrologue read_ciphertext_prologue(InArchive& ar, std::istream& is, const FileHeader& h,
                                            const std::filesystem::path& path) {
  ParameterSet p = get_checked_params(ar, h, path);
  const KeyId id = get_key_id(ar, h, path);
  const MessageEncoding enc = get_encoding(ar, path);
  const auto count = get<std::uint64_t>(ar);
  const auto dim = get<std::uint64_t>(ar);
  if (dim != p.big_dimension().value()) {
    throw FileFormatError(where(path) + "ciphertexts have n=" + std::to_string(dim) +
                          ", parameters " + p.name +
                          " need k·N=" + std::to_string(p.big_dimension().value()));
  }
  if ((h.flags & ~kFlagSeeded) != 0) {
    throw FileFormatError(where(path) + "a ciphertext batch has no flag but 'seeded'");
  }
  const bool seeded = (h.flags & kFlagSeeded) != 0;
  const std::uint64_t per_ct = seeded ? 8 : 8 * (dim + 1);
  const std::uint64_t have = remaining(is, h, path);
  const std::uint64_t fixed = seeded ? sizeof(Seed) : 0;
  if (have < fixed || count > (have - fixed) / per_ct || fixed + count * per_ct != have) {
    throw FileFormatError(where(path) + "header of the batch says " + std::to_string(count) +
                          " ciphertexts, the payload holds " + std::to_string(have) +
                          " bytes for them");
  }
  return {std::move(p), id, enc, count};
}

void require_same_key(const std::filesystem::path& what, const ParameterSet& file_params,
                      const KeyId& file_key, const ParameterSet& params, const KeyId& key) {
  const Digest file_fp = parameter_fingerprint(file_params);
  const Digest fp = parameter_fingerprint(params);
  if (file_fp != fp) {
    // Two sets may share a name (custom files): then the fingerprints tell them apart.
    const bool same_name = file_params.name == params.name;
    throw KeyMismatch(where(what) + "is for parameter set " + file_params.name +
                      (same_name ? " (fingerprint " + to_hex(file_fp, 6) + ")" : "") +
                      ", the key is for " + params.name +
                      (same_name ? " (fingerprint " + to_hex(fp, 6) + ")" : ""));
  }
  if (file_key != key) {
    throw KeyMismatch(where(what) + "was made with key " + to_hex(file_key, 6) + ", this key is " +
                      to_hex(key, 6));
  }
}

void write_ciphertexts_in_chunks(
    const std::filesystem::path& path, const CiphertextBatchInfo& info,
    const std::function<void(const CiphertextChunkSink& emit)>& produce) {
  const std::size_t dim = info.params.big_dimension().value();
  const bool seeded = info.mask_seed.has_value();
  write_object_file(
      path,
      make_header(ObjectKind::kLweCiphertexts, info.params, info.key_id, seeded ? kFlagSeeded : 0),
      false, [&](std::ostream& os) {
        OutArchive ar(os);
        put_params(ar, info.params);
        put_key_id(ar, info.key_id);
        put<std::uint8_t>(ar, info.encoding.boolean ? 1 : 0);
        put<std::uint32_t>(ar, info.encoding.bits);
        put<std::uint64_t>(ar, info.count);
        put<std::uint64_t>(ar, dim);
        if (seeded) ar(cereal::binary_data(info.mask_seed->data(), info.mask_seed->size()));
        std::uint64_t written = 0;
        produce([&](const std::vector<LweCiphertext>& chunk) {
          if (chunk.size() > info.count - written) {
            throw InvalidArgument(where(path) + "more than the " + std::to_string(info.count) +
                                  " ciphertexts announced");
          }
          for (const auto& ct : chunk) {
            require_equal(ct.dimension().value(), dim, "save_ciphertexts", "ciphertext n",
                          "parameters k·N");
            if (seeded) {
              put<std::uint64_t>(ar, ct.body());
            } else {
              put_torus(ar, ct.data());
            }
          }
          written += chunk.size();
        });
        if (written != info.count) {
          throw InvalidArgument(where(path) + std::to_string(written) + " ciphertexts of the " +
                                std::to_string(info.count) + " announced");
        }
      });
}

void save_ciphertexts(const std::filesystem::path& path, const CiphertextBatch& batch,
                      bool seeded) {
  if (seeded && !batch.mask_seed) {
    throw InvalidArgument(
        "these ciphertexts were not encrypted from a mask seed; they can only "
        "be stored in full");
  }
  const CiphertextBatchInfo info{batch.params, batch.key_id, batch.encoding,
                                 batch.ciphertexts.size(), seeded ? batch.mask_seed : std::nullopt};
  write_ciphertexts_in_chunks(path, info,
                              [&](const CiphertextChunkSink& emit) { emit(batch.ciphertexts); });
}

namespace {

// Reads the prologue, then hands the ciphertexts over `chunk` at a time. An exception from
// `consume` is kept in `failure` (read_object_file would rename it) and reading stops.
void read_chunks(
    const std::filesystem::path& path, std::size_t chunk,
    const std::function<void(const CiphertextBatchInfo&, std::vector<LweCiphertext>&&)>& consume,
    std::exception_ptr& failure) {
  read_object_file(path, ObjectKind::kLweCiphertexts, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    CiphertextPrologue pro = read_ciphertext_prologue(ar, is, h, path);
    CiphertextBatchInfo info{std::move(pro.params), pro.key_id, pro.encoding, pro.count, {}};
    std::optional<RandomStream> masks;
    if ((h.flags & kFlagSeeded) != 0) {
      Seed seed{};
      ar(cereal::binary_data(seed.data(), seed.size()));
      info.mask_seed = seed;
      masks.emplace(seed, StreamPurpose::kMask);
    }
    const auto dim = info.params.big_dimension();
    for (std::uint64_t first = 0; first < info.count || (first == 0 && chunk == 0);) {
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(chunk == 0 ? info.count : chunk, info.count - first));
      std::vector<LweCiphertext> cts;
      cts.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        cts.emplace_back(dim);
        if (masks) {
          masks->fill(cts.back().mask());
          cts.back().body() = get<std::uint64_t>(ar);
        } else {
          get_torus(ar, cts.back().data());
        }
      }
      first += n;
      try {
        consume(info, std::move(cts));
      } catch (...) {
        failure = std::current_exception();
        return;
      }
      if (n == 0) break;
    }
  });
}

}  // namespace

void read_ciphertexts_in_chunks(
    const std::filesystem::path& path, std::size_t chunk,
    const std::function<void(const CiphertextBatchInfo&, std::vector<LweCiphertext>&&)>& consume) {
  std::exception_ptr failure;
  try {
    read_chunks(path, chunk, consume, failure);
  } catch (...) {
    if (!failure) throw;  // stopping early leaves bytes unread: the consumer's error comes first
  }
  if (failure) std::rethrow_exception(failure);
}

CiphertextBatchInfo read_ciphertexts_info(const std::filesystem::path& path) {
  std::optional<CiphertextBatchInfo> out;
  inspect_object_file(path, [&](const FileHeader& h, std::istream& is) {
    if (h.kind != ObjectKind::kLweCiphertexts) {
      throw KeyMismatch(where(path) + "is " + kind_with_article(h.kind) + " file, expected " +
                        kind_with_article(ObjectKind::kLweCiphertexts));
    }
    InArchive ar(is);
    CiphertextPrologue pro = read_ciphertext_prologue(ar, is, h, path);
    out.emplace(
        CiphertextBatchInfo{std::move(pro.params), pro.key_id, pro.encoding, pro.count, {}});
    if ((h.flags & kFlagSeeded) != 0) {
      Seed seed{};
      ar(cereal::binary_data(seed.data(), seed.size()));
      out->mask_seed = seed;
    }
  });
  return std::move(*out);
}

CiphertextBatch load_ciphertexts(const std::filesystem::path& path) {
  std::optional<CiphertextBatch> out;
  read_ciphertexts_in_chunks(
      path, 0, [&](const CiphertextBatchInfo& info, std::vector<LweCiphertext>&& cts) {
        out.emplace(CiphertextBatch{info.params, info.key_id, info.encoding, std::move(cts),
                                    info.mask_seed});
      });
  return std::move(*out);
}

void save_glwe_ciphertext(const std::filesystem::path& path, const ParameterSet& p,
                          const KeyId& key_id, const GlweCiphertext& ct) {
  require_equal(ct.glwe_dimension().value(), p.k.value(), "save_glwe_ciphertext", "k",
                "parameters k");
  require_equal(ct.polynomial_size().value(), p.N.value(), "save_glwe_ciphertext", "N",
                "parameters N");
  write_object_file(path, make_header(ObjectKind::kGlweCiphertext, p, key_id, 0), false,
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, p);
                      put_key_id(ar, key_id);
                      put_torus(ar, ct.data());
                    });
}

GlweCiphertextFile load_glwe_ciphertext_file(const std::filesystem::path& path) {
  std::optional<GlweCiphertextFile> out;
  read_object_file(path, ObjectKind::kGlweCiphertext, [&](const FileHeader& h, std::istream& is) {
    require_no_flags(h, path);
    InArchive ar(is);
    ParameterSet fp = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    const std::uint64_t need = 8 * (fp.k.value() + 1) * fp.N.value();
    if (remaining(is, h, path) != need) {
      throw FileFormatError(where(path) + "GLWE ciphertext has " +
                            std::to_string(remaining(is, h, path)) + " bytes, parameters " +
                            fp.name + " need " + std::to_string(need));
    }
    GlweCiphertext ct(fp.k, fp.N);
    get_torus(ar, ct.data());
    out.emplace(GlweCiphertextFile{std::move(fp), id, std::move(ct)});
  });
  return std::move(*out);
}

GlweCiphertext load_glwe_ciphertext(const std::filesystem::path& path, const ParameterSet& p,
                                    const KeyId& key_id) {
  GlweCiphertextFile f = load_glwe_ciphertext_file(path);
  require_same_key(path, f.params, f.key_id, p, key_id);
  return std::move(f.ciphertext);
}

std::uint64_t ciphertexts_file_size(const ParameterSet& p, std::uint64_t count, bool seeded) {
  const std::uint64_t per_ct = seeded ? 8 : 8 * (p.big_dimension().value() + 1);
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) + 1 + 4 + 8 + 8 +
         (seeded ? sizeof(Seed) : 0) + count * per_ct;
}

}  // namespace lutfhe
