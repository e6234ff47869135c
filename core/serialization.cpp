#include "core/serialization.hpp"

#include <sodium.h>

#include <bit>
#include <cereal/archives/portable_binary.hpp>
#include <cmath>
#include <cstring>

#include "core/encoding.hpp"
#include "core/lwe.hpp"

namespace lutfhe {
namespace {

using OutArchive = cereal::PortableBinaryOutputArchive;
using InArchive = cereal::PortableBinaryInputArchive;

constexpr std::uint64_t kMaxString = 4096;

std::string where(const std::filesystem::path& path) {
  return path.string() + ": ";
}

template <class T>
void put(OutArchive& ar, T v) {
  ar(v);
}
template <class T>
T get(InArchive& ar) {
  T v{};
  ar(v);
  return v;
}

void put_string(OutArchive& ar, const std::string& s) {
  put<std::uint64_t>(ar, s.size());
  ar(cereal::binary_data(s.data(), s.size()));
}
std::string get_string(InArchive& ar, const std::filesystem::path& path) {
  const auto size = get<std::uint64_t>(ar);
  if (size > kMaxString) {
    throw FileFormatError(where(path) + "string field of " + std::to_string(size) +
                          " bytes is implausible");
  }
  std::string s(size, '\0');
  ar(cereal::binary_data(s.data(), s.size()));
  return s;
}

void put_torus(OutArchive& ar, std::span<const Torus> values) {
  ar(cereal::binary_data(values.data(), values.size() * sizeof(Torus)));
}
void get_torus(InArchive& ar, std::span<Torus> values) {
  ar(cereal::binary_data(values.data(), values.size() * sizeof(Torus)));
}

void put_noise(OutArchive& ar, const NoiseDistribution& d) {
  put<std::uint32_t>(ar, d.kind == NoiseDistribution::Kind::kTUniform ? 1 : 0);
  put<double>(ar, d.std_dev);
  put<std::uint32_t>(ar, d.log2_bound);
}
NoiseDistribution get_noise(InArchive& ar, const std::filesystem::path& path) {
  const auto kind = get<std::uint32_t>(ar);
  const auto std_dev = get<double>(ar);
  const auto bound = get<std::uint32_t>(ar);
  try {
    if (kind == 0) return NoiseDistribution::gaussian(std_dev);
    if (kind == 1) return NoiseDistribution::tuniform(bound);
  } catch (const InvalidArgument& e) {
    throw FileFormatError(where(path) + e.what());
  }
  throw FileFormatError(where(path) + "unknown noise distribution kind " + std::to_string(kind));
}

void put_params(OutArchive& ar, const ParameterSet& p) {
  put_string(ar, p.name);
  put_string(ar, p.version);
  put<std::uint64_t>(ar, p.n.value());
  put<std::uint64_t>(ar, p.k.value());
  put<std::uint64_t>(ar, p.N.value());
  put<std::uint64_t>(ar, p.pbs.base_log.value());
  put<std::uint64_t>(ar, p.pbs.levels.value());
  put<std::uint64_t>(ar, p.ks.base_log.value());
  put<std::uint64_t>(ar, p.ks.levels.value());
  put_noise(ar, p.lwe_noise);
  put_noise(ar, p.glwe_noise);
  put<std::uint32_t>(ar, p.message_bits);
  put<std::uint8_t>(ar, p.boolean ? 1 : 0);
  put<std::uint8_t>(ar, p.insecure ? 1 : 0);
  put<double>(ar, p.claimed_security_bits);
  put_string(ar, p.security_source);
  put_string(ar, p.source);
  put<double>(ar, p.published_log2_pfail);
}

ParameterSet get_params(InArchive& ar, const std::filesystem::path& path) {
  std::string name = get_string(ar, path);
  std::string version = get_string(ar, path);
  const auto n = get<std::uint64_t>(ar);
  const auto k = get<std::uint64_t>(ar);
  const auto big_n = get<std::uint64_t>(ar);
  const auto pbs_b = get<std::uint64_t>(ar);
  const auto pbs_l = get<std::uint64_t>(ar);
  const auto ks_b = get<std::uint64_t>(ar);
  const auto ks_l = get<std::uint64_t>(ar);
  // Bounds before anything is sized from these numbers.
  if (n < 1 || n > (1U << 16) || k < 1 || k > 16 || big_n < 4 || big_n > (1U << 17) ||
      k * big_n > (1U << 18) || pbs_b > 64 || pbs_l > 64 || ks_b > 64 || ks_l > 64) {
    throw FileFormatError(where(path) +
                          "parameter dimensions out of range (n=" + std::to_string(n) +
                          ", k=" + std::to_string(k) + ", N=" + std::to_string(big_n) + ")");
  }
  ParameterSet p{std::move(name),
                 std::move(version),
                 LweDimension(n),
                 GlweDimension(k),
                 PolynomialSize(big_n),
                 {DecompositionBaseLog(pbs_b), DecompositionLevelCount(pbs_l)},
                 {DecompositionBaseLog(ks_b), DecompositionLevelCount(ks_l)},
                 get_noise(ar, path),
                 get_noise(ar, path),
                 0,
                 false,
                 false,
                 0.0,
                 {},
                 {},
                 0.0};
  p.message_bits = get<std::uint32_t>(ar);
  p.boolean = get<std::uint8_t>(ar) != 0;
  p.insecure = get<std::uint8_t>(ar) != 0;
  p.claimed_security_bits = get<double>(ar);
  p.security_source = get_string(ar, path);
  p.source = get_string(ar, path);
  p.published_log2_pfail = get<double>(ar);
  if (p.message_bits > kMaxMessageBits) {
    throw FileFormatError(where(path) + "message precision " + std::to_string(p.message_bits) +
                          " is out of range");
  }
  try {
    check_parameters(p);
  } catch (const InvalidArgument& e) {
    throw FileFormatError(where(path) + e.what());
  }
  return p;
}

// The parameters stored in a payload must be the ones the header names.
ParameterSet get_checked_params(InArchive& ar, const FileHeader& h,
                                const std::filesystem::path& path) {
  ParameterSet p = get_params(ar, path);
  if (parameter_fingerprint(p) != h.parameters) {
    throw FileFormatError(where(path) + "parameters do not match the header's fingerprint");
  }
  return p;
}

KeyId get_key_id(InArchive& ar, const FileHeader& h, const std::filesystem::path& path) {
  KeyId id{};
  ar(cereal::binary_data(id.data(), id.size()));
  if (id != h.key_id) throw FileFormatError(where(path) + "key id does not match the header");
  return id;
}

FileHeader make_header(ObjectKind kind, const ParameterSet& p, const KeyId& key,
                       std::uint32_t flags) {
  FileHeader h;
  h.kind = kind;
  h.flags = flags;
  h.parameters = parameter_fingerprint(p);
  h.key_id = key;
  return h;
}

std::string short_hex(const KeyId& id) {
  return to_hex(id).substr(0, 12);
}

// Bits packed eight to a byte, in wiped buffers.
void put_bits(OutArchive& ar, std::span<const Torus> bits) {
  SecureVector<std::uint8_t> packed((bits.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    packed[i / 8] |= static_cast<std::uint8_t>((bits[i] & 1) << (i % 8));
  }
  ar(cereal::binary_data(packed.data(), packed.size()));
}
SecureVector<Torus> get_bits(InArchive& ar, std::size_t count) {
  SecureVector<std::uint8_t> packed((count + 7) / 8, 0);
  ar(cereal::binary_data(packed.data(), packed.size()));
  SecureVector<Torus> bits(count, 0);
  for (std::size_t i = 0; i < count; ++i) bits[i] = (packed[i / 8] >> (i % 8)) & 1;
  return bits;
}

// Replays the mask stream of a seeded evaluation key in generation order: key-switching rows
// (mask of n values each), then every GGSW row (k mask polynomials of N values each).
struct EvaluationKeyLayout {
  std::size_t ks_rows;
  std::size_t n;
  std::size_t ggsw_rows;
  std::size_t k;
  std::size_t big_n;
};

EvaluationKeyLayout layout_of(const ParameterSet& p) {
  return {p.big_dimension().value() * p.ks.levels.value(), p.n.value(),
          (p.k.value() + 1) * p.pbs.levels.value(), p.k.value(), p.N.value()};
}

// Calls on_ks_row(i, level, row) and on_ggsw(i, ggsw) while reading an evaluation key.
template <class OnKsRow, class OnGgsw>
void read_evaluation_key_body(InArchive& ar, const ParameterSet& p, bool seeded,
                              const std::filesystem::path& path, std::optional<Seed>& mask_seed,
                              OnKsRow on_ks_row, OnGgsw on_ggsw) {
  std::optional<RandomStream> masks;
  if (seeded) {
    Seed seed{};
    ar(cereal::binary_data(seed.data(), seed.size()));
    mask_seed = seed;
    masks.emplace(seed, StreamPurpose::kMask);
  }
  const EvaluationKeyLayout L = layout_of(p);
  LweCiphertext row(p.n);
  for (std::size_t i = 0; i < p.big_dimension().value(); ++i) {
    for (std::size_t level = 1; level <= p.ks.levels.value(); ++level) {
      if (seeded) {
        masks->fill(row.mask());
        row.body() = get<std::uint64_t>(ar);
      } else {
        get_torus(ar, row.data());
      }
      on_ks_row(i, level, row.data());
    }
  }
  (void)path;
  GgswCiphertext ggsw(p.k, p.N, p.pbs);
  for (std::size_t i = 0; i < L.n; ++i) {
    for (std::size_t r = 0; r < L.ggsw_rows; ++r) {
      auto data = ggsw.row(r);
      if (seeded) {
        for (std::size_t c = 0; c < L.k; ++c) masks->fill(data.subspan(c * L.big_n, L.big_n));
        get_torus(ar, data.subspan(L.k * L.big_n, L.big_n));
      } else {
        get_torus(ar, data);
      }
    }
    on_ggsw(i, ggsw);
  }
}

}  // namespace

Digest parameter_fingerprint(const ParameterSet& p) {
  std::vector<std::uint8_t> bytes;
  auto add = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto add_noise = [&](const NoiseDistribution& d) {
    add(d.kind == NoiseDistribution::Kind::kTUniform ? 1 : 0);
    add(std::bit_cast<std::uint64_t>(d.kind == NoiseDistribution::Kind::kGaussian ? d.std_dev
                                                                                  : 0.0));
    add(d.kind == NoiseDistribution::Kind::kTUniform ? d.log2_bound : 0);
  };
  static constexpr char kContext[] = "lutfhe parameters v1";
  bytes.insert(bytes.end(), kContext, kContext + sizeof(kContext) - 1);
  add(p.n.value());
  add(p.k.value());
  add(p.N.value());
  add(p.pbs.base_log.value());
  add(p.pbs.levels.value());
  add(p.ks.base_log.value());
  add(p.ks.levels.value());
  add_noise(p.lwe_noise);
  add_noise(p.glwe_noise);
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  Digest d{};
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return d;
}

void require_same_key(const std::filesystem::path& what, const ParameterSet& file_params,
                      const KeyId& file_key, const ParameterSet& params, const KeyId& key) {
  if (parameter_fingerprint(file_params) != parameter_fingerprint(params)) {
    throw KeyMismatch(where(what) + "is for parameter set " + file_params.name +
                      ", the key is for " + params.name);
  }
  if (file_key != key) {
    throw KeyMismatch(where(what) + "was made with key " + short_hex(file_key) + ", this key is " +
                      short_hex(key));
  }
}

CiphertextBatch encrypt_batch(const ClientKey& key, std::span<const std::uint64_t> messages,
                              MessageEncoding encoding, bool seeded) {
  CiphertextBatch batch{key.parameters(), key.key_id(), encoding, {}, std::nullopt};
  std::optional<Seed> seed;
  if (seeded) seed = random_seed();
  EncryptionRandomness rng =
      seeded ? EncryptionRandomness::with_mask_seed(*seed) : EncryptionRandomness::from_os();
  batch.ciphertexts.reserve(messages.size());
  for (std::uint64_t m : messages) {
    if (encoding.boolean) {
      if (m > 1) throw InvalidArgument("boolean value " + std::to_string(m) + " is not 0 or 1");
      batch.ciphertexts.push_back(key.encrypt_bool(m != 0, rng));
    } else {
      batch.ciphertexts.push_back(key.encrypt(m, encoding.bits, rng));
    }
  }
  batch.mask_seed = seed;
  return batch;
}

void save_parameters(const std::filesystem::path& path, const ParameterSet& p) {
  write_object_file(path, make_header(ObjectKind::kParameters, p, KeyId{}, 0), false,
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, p);
                    });
}

ParameterSet load_parameters(const std::filesystem::path& path) {
  std::optional<ParameterSet> out;
  read_object_file(path, ObjectKind::kParameters, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    out = get_checked_params(ar, h, path);
  });
  return *out;
}

void save_client_key(const std::filesystem::path& path, const ClientKey& key) {
  const ParameterSet& p = key.parameters();
  write_object_file(path, make_header(ObjectKind::kClientKey, p, key.key_id(), 0), true,
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, p);
                      ar(cereal::binary_data(key.key_id().data(), key.key_id().size()));
                      put_bits(ar, key.small_key().bits());
                      put_bits(ar, key.glwe_key().bits());
                    });
}

ClientKey load_client_key(const std::filesystem::path& path) {
  std::optional<ClientKey> out;
  read_object_file(path, ObjectKind::kClientKey, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    LweSecretKey small(get_bits(ar, p.n.value()));
    GlweSecretKey glwe(p.k, p.N, get_bits(ar, p.big_dimension().value()));
    out.emplace(p, std::move(small), std::move(glwe), id);
  });
  return std::move(*out);
}

void save_evaluation_key(const std::filesystem::path& path, const EvaluationKey& key, bool seeded) {
  if (seeded && !key.mask_seed) {
    throw InvalidArgument(
        "this evaluation key was not generated from a mask seed; it can only "
        "be stored in full");
  }
  const ParameterSet& p = key.params;
  write_object_file(
      path, make_header(ObjectKind::kEvaluationKey, p, key.key_id, seeded ? kFlagSeeded : 0), false,
      [&](std::ostream& os) {
        OutArchive ar(os);
        put_params(ar, p);
        ar(cereal::binary_data(key.key_id.data(), key.key_id.size()));
        if (seeded) ar(cereal::binary_data(key.mask_seed->data(), key.mask_seed->size()));
        const auto& ksk = key.keyswitch_key;
        for (std::size_t i = 0; i < ksk.input_dimension().value(); ++i) {
          for (std::size_t level = 1; level <= ksk.decomposition().levels.value(); ++level) {
            const auto row = ksk.row(i, level);
            if (seeded) {
              put<std::uint64_t>(ar, row.back());
            } else {
              put_torus(ar, row);
            }
          }
        }
        const std::size_t k = p.k.value();
        const std::size_t big_n = p.N.value();
        for (std::size_t i = 0; i < p.n.value(); ++i) {
          const GgswCiphertext& g = key.bootstrap_key.ggsw(i);
          for (std::size_t r = 0; r < g.row_count(); ++r) {
            const auto row = g.row(r);
            put_torus(ar, seeded ? row.subspan(k * big_n, big_n) : row);
          }
        }
      });
}

EvaluationKey load_evaluation_key(const std::filesystem::path& path) {
  std::optional<EvaluationKey> out;
  read_object_file(path, ObjectKind::kEvaluationKey, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    out.emplace(EvaluationKey{p, id, LweBootstrapKey(p.n, p.k, p.N, p.pbs),
                              LweKeyswitchKey(p.big_dimension(), p.n, p.ks), std::nullopt});
    EvaluationKey& key = *out;
    read_evaluation_key_body(
        ar, p, (h.flags & kFlagSeeded) != 0, path, key.mask_seed,
        [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
          std::copy(row.begin(), row.end(), key.keyswitch_key.row(i, level).begin());
        },
        [&](std::size_t i, const GgswCiphertext& g) {
          std::copy(g.data().begin(), g.data().end(), key.bootstrap_key.ggsw(i).data().begin());
        });
  });
  return std::move(*out);
}

ServerKey load_server_key(const std::filesystem::path& path, const ProgressCallback& progress) {
  std::optional<ServerKey> out;
  read_object_file(path, ObjectKind::kEvaluationKey, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    const NegacyclicFft& fft = NegacyclicFft::for_size(p.N.value());
    CompactKeyswitchKey ksk(p.big_dimension(), p.n, p.ks);
    FourierBootstrapKey bsk(p.n, p.k, p.N, p.pbs);
    std::optional<Seed> seed;
    read_evaluation_key_body(
        ar, p, (h.flags & kFlagSeeded) != 0, path, seed,
        [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
          ksk.set_row(i, level, row);
        },
        [&](std::size_t i, const GgswCiphertext& g) {
          bsk.set_ggsw(i, g, fft);
          if (progress) progress(i + 1, p.n.value());
        });
    out.emplace(ServerKey::from_parts(p, id, std::move(bsk), std::move(ksk)));
  });
  return std::move(*out);
}

void save_ciphertexts(const std::filesystem::path& path, const CiphertextBatch& batch,
                      bool seeded) {
  if (seeded && !batch.mask_seed) {
    throw InvalidArgument(
        "these ciphertexts were not encrypted from a mask seed; they can only "
        "be stored in full");
  }
  const std::size_t dim = batch.params.big_dimension().value();
  for (const auto& ct : batch.ciphertexts) {
    require_equal(ct.dimension().value(), dim, "save_ciphertexts", "ciphertext n",
                  "parameters k·N");
  }
  write_object_file(path,
                    make_header(ObjectKind::kLweCiphertexts, batch.params, batch.key_id,
                                seeded ? kFlagSeeded : 0),
                    false, [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, batch.params);
                      ar(cereal::binary_data(batch.key_id.data(), batch.key_id.size()));
                      put<std::uint8_t>(ar, batch.encoding.boolean ? 1 : 0);
                      put<std::uint32_t>(ar, batch.encoding.bits);
                      put<std::uint64_t>(ar, batch.ciphertexts.size());
                      put<std::uint64_t>(ar, dim);
                      if (seeded) {
                        ar(cereal::binary_data(batch.mask_seed->data(), batch.mask_seed->size()));
                        for (const auto& ct : batch.ciphertexts) put<std::uint64_t>(ar, ct.body());
                      } else {
                        for (const auto& ct : batch.ciphertexts) put_torus(ar, ct.data());
                      }
                    });
}

CiphertextBatch load_ciphertexts(const std::filesystem::path& path) {
  std::optional<CiphertextBatch> out;
  read_object_file(path, ObjectKind::kLweCiphertexts, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    MessageEncoding enc;
    enc.boolean = get<std::uint8_t>(ar) != 0;
    enc.bits = get<std::uint32_t>(ar);
    if (!enc.boolean && (enc.bits < 1 || enc.bits > kMaxMessageBits)) {
      throw FileFormatError(where(path) + "message precision " + std::to_string(enc.bits) +
                            " is out of range");
    }
    const auto count = get<std::uint64_t>(ar);
    const auto dim = get<std::uint64_t>(ar);
    if (dim != p.big_dimension().value()) {
      throw FileFormatError(where(path) + "ciphertexts have n=" + std::to_string(dim) +
                            ", parameters " + p.name +
                            " need k·N=" + std::to_string(p.big_dimension().value()));
    }
    const bool seeded = (h.flags & kFlagSeeded) != 0;
    const std::uint64_t per_ct = seeded ? 8 : 8 * (dim + 1);
    if (count > h.payload_size / per_ct) {
      throw FileFormatError(where(path) + std::to_string(count) +
                            " ciphertexts cannot fit in the payload");
    }
    out.emplace(CiphertextBatch{p, id, enc, {}, std::nullopt});
    auto& cts = out->ciphertexts;
    cts.reserve(count);
    std::optional<RandomStream> masks;
    if (seeded) {
      Seed seed{};
      ar(cereal::binary_data(seed.data(), seed.size()));
      out->mask_seed = seed;
      masks.emplace(seed, StreamPurpose::kMask);
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      cts.emplace_back(p.big_dimension());
      if (seeded) {
        masks->fill(cts.back().mask());
        cts.back().body() = get<std::uint64_t>(ar);
      } else {
        get_torus(ar, cts.back().data());
      }
    }
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
                      ar(cereal::binary_data(key_id.data(), key_id.size()));
                      put_torus(ar, ct.data());
                    });
}

GlweCiphertext load_glwe_ciphertext(const std::filesystem::path& path, const ParameterSet& p,
                                    const KeyId& key_id) {
  std::optional<GlweCiphertext> out;
  read_object_file(path, ObjectKind::kGlweCiphertext, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet fp = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    require_same_key(path, fp, id, p, key_id);
    out.emplace(fp.k, fp.N);
    get_torus(ar, out->data());
  });
  return std::move(*out);
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
    InArchive ar(is);
    const ParameterSet fp = get_checked_params(ar, h, path);
    if (parameter_fingerprint(fp) != parameter_fingerprint(p)) {
      throw KeyMismatch(where(path) + "is for parameter set " + fp.name + ", expected " + p.name);
    }
    const auto bits = get<std::uint32_t>(ar);
    const auto count = get<std::uint64_t>(ar);
    if (bits > kMaxMessageBits || count == 0 || count > fp.N.value() ||
        !std::has_single_bit(count)) {
      throw FileFormatError(where(path) + "table shape out of range");
    }
    std::vector<Torus> poly(fp.N.value());
    get_torus(ar, poly);
    out.emplace(fp.N, bits, count, std::move(poly));
  });
  return std::move(*out);
}

}  // namespace lutfhe
