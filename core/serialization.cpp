#include "core/serialization.hpp"

#include <sodium.h>

#include <bit>
#include <cereal/archives/portable_binary.hpp>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/encoding.hpp"
#include "core/lwe.hpp"

namespace lutfhe {
namespace {

using OutArchive = cereal::PortableBinaryOutputArchive;
using InArchive = cereal::PortableBinaryInputArchive;

// What a file may hold, checked when writing and when reading: bounds that keep every size
// derived from a file checkable against its payload, strings that are safe to print, noise
// the sampler can draw.
constexpr std::uint64_t kMaxString = 4096;
constexpr std::uint64_t kMaxLweDimension = 1 << 16;
constexpr std::uint64_t kMaxGlweDimension = 16;
constexpr std::uint64_t kMaxPolynomialSize = 1 << 17;
constexpr std::uint64_t kMaxBigDimension = 1 << 18;
// Larger deviations are useless for TFHE and overflow the Gaussian sampler's int64 cast.
constexpr double kMaxGaussianStdDev = 0x1p-5;

bool dimensions_in_range(std::uint64_t n, std::uint64_t k, std::uint64_t big_n, std::uint64_t pbs_b,
                         std::uint64_t pbs_l, std::uint64_t ks_b, std::uint64_t ks_l) {
  return n >= 1 && n <= kMaxLweDimension && k >= 1 && k <= kMaxGlweDimension && big_n >= 4 &&
         big_n <= kMaxPolynomialSize && k * big_n <= kMaxBigDimension && pbs_b <= 64 &&
         pbs_l <= 64 && ks_b <= 64 && ks_l <= 64;
}

// Names and sources are printed in messages and by `lutfhe info`: no control characters (a
// newline or a terminal escape sequence smuggled into one line of output).
bool printable(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return s.size() <= kMaxString;
}

// Refuses, before writing, a set that the loaders would refuse.
void check_storable(const ParameterSet& p) {
  const std::string what = "parameter set '" + p.name + "' cannot be stored: ";
  for (const std::string* s : {&p.name, &p.version, &p.security_source, &p.source}) {
    if (!printable(*s)) {
      throw InvalidArgument(what + "a name or source is too long or has control characters");
    }
  }
  if (!dimensions_in_range(p.n.value(), p.k.value(), p.N.value(), p.pbs.base_log.value(),
                           p.pbs.levels.value(), p.ks.base_log.value(), p.ks.levels.value())) {
    throw InvalidArgument(what + "dimensions beyond what files hold (n <= 2^16, k <= 16, " +
                          "N <= 2^17, k*N <= 2^18)");
  }
  for (const NoiseDistribution* d : {&p.lwe_noise, &p.glwe_noise}) {
    if (d->kind == NoiseDistribution::Kind::kGaussian && d->std_dev > kMaxGaussianStdDev) {
      throw InvalidArgument(what + "Gaussian noise deviation above 2^-5");
    }
  }
  if (p.message_bits > kMaxMessageBits) throw InvalidArgument(what + "message bits above 16");
}

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
  if (!printable(s)) {
    throw FileFormatError(where(path) + "string field contains control characters");
  }
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
  if (kind == 0 && std_dev > kMaxGaussianStdDev) {
    throw FileFormatError(where(path) + "Gaussian noise deviation " + std::to_string(std_dev) +
                          " is implausibly large (more than 2^-5)");
  }
  try {
    if (kind == 0) return NoiseDistribution::gaussian(std_dev);
    if (kind == 1) return NoiseDistribution::tuniform(bound);
  } catch (const InvalidArgument& e) {
    throw FileFormatError(where(path) + e.what());
  }
  throw FileFormatError(where(path) + "unknown noise distribution kind " + std::to_string(kind));
}

void put_params(OutArchive& ar, const ParameterSet& p) {
  check_storable(p);
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
  if (!dimensions_in_range(n, k, big_n, pbs_b, pbs_l, ks_b, ks_l)) {
    throw FileFormatError(
        where(path) + "parameter dimensions out of range (n=" + std::to_string(n) +
        ", k=" + std::to_string(k) + ", N=" + std::to_string(big_n) + ", PBS base 2^" +
        std::to_string(pbs_b) + " x " + std::to_string(pbs_l) + ", KS base 2^" +
        std::to_string(ks_b) + " x " + std::to_string(ks_l) + ")");
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
ParameterSet get_checked_params(InArchive& ar, [[maybe_unused]] const FileHeader& h,
                                const std::filesystem::path& path) {
  ParameterSet p = get_params(ar, path);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // (Fuzzing builds skip this and the key-id check below so that mutated parameters reach the
  // parsers behind them; unit tests cover both checks.)
  if (parameter_fingerprint(p) != h.parameters) {
    throw FileFormatError(where(path) + "parameters do not match the header's fingerprint");
  }
#endif
  return p;
}

KeyId get_key_id(InArchive& ar, [[maybe_unused]] const FileHeader& h,
                 [[maybe_unused]] const std::filesystem::path& path) {
  KeyId id{};
  ar(cereal::binary_data(id.data(), id.size()));
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  if (id != h.key_id) throw FileFormatError(where(path) + "key id does not match the header");
#endif
  return id;
}

// Kinds without a seeded form carry no flags.
void require_no_flags(const FileHeader& h, const std::filesystem::path& path) {
  if (h.flags != 0) {
    throw FileFormatError(where(path) + kind_with_article(h.kind) +
                          " has no seeded form, but the header says seeded");
  }
}

// Payload bytes not yet read.
std::uint64_t remaining(std::istream& is, const FileHeader& h, const std::filesystem::path& path) {
  const auto pos = is.tellg();
  if (pos < 0 || static_cast<std::uint64_t>(pos) > h.payload_size) {
    throw FileFormatError(where(path) + "payload position lost");
  }
  return h.payload_size - static_cast<std::uint64_t>(pos);
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

// The bytes after the key id: [seed] key-switching rows then GGSW rows, masks omitted when
// seeded. Checked against the payload before any key memory is allocated, so a small file
// cannot make the loader reserve gigabytes.
std::uint64_t evaluation_key_body_bytes(const ParameterSet& p, bool seeded) {
  const EvaluationKeyLayout L = layout_of(p);
  const std::uint64_t ks_values = L.ks_rows * (seeded ? 1 : L.n + 1);
  const std::uint64_t bsk_values = L.n * L.ggsw_rows * (seeded ? 1 : L.k + 1) * L.big_n;
  return (seeded ? sizeof(Seed) : 0) + 8 * (ks_values + bsk_values);
}

void check_evaluation_key_size(std::istream& is, const FileHeader& h, const ParameterSet& p,
                               const std::filesystem::path& path) {
  const bool seeded = (h.flags & kFlagSeeded) != 0;
  const std::uint64_t need = evaluation_key_body_bytes(p, seeded);
  const std::uint64_t have = remaining(is, h, path);
  if (have != need) {
    throw FileFormatError(where(path) + "evaluation key body has " + std::to_string(have) +
                          " bytes, parameters " + p.name + (seeded ? " (seeded)" : "") + " need " +
                          std::to_string(need));
  }
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
    require_no_flags(h, path);
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
    require_no_flags(h, path);
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
    check_evaluation_key_size(is, h, p, path);
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
    check_evaluation_key_size(is, h, p, path);
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

namespace {

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

// Everything in front of the ciphertexts themselves.
struct CiphertextPrologue {
  ParameterSet params;
  KeyId key_id;
  MessageEncoding encoding;
  std::uint64_t count;
};

CiphertextPrologue get_ciphertext_prologue(InArchive& ar, std::istream& is, const FileHeader& h,
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

}  // namespace

CiphertextBatch load_ciphertexts(const std::filesystem::path& path) {
  std::optional<CiphertextBatch> out;
  read_object_file(path, ObjectKind::kLweCiphertexts, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    CiphertextPrologue pro = get_ciphertext_prologue(ar, is, h, path);
    const ParameterSet& p = pro.params;
    const bool seeded = (h.flags & kFlagSeeded) != 0;
    out.emplace(CiphertextBatch{p, pro.key_id, pro.encoding, {}, std::nullopt});
    auto& cts = out->ciphertexts;
    cts.reserve(pro.count);
    std::optional<RandomStream> masks;
    if (seeded) {
      Seed seed{};
      ar(cereal::binary_data(seed.data(), seed.size()));
      out->mask_seed = seed;
      masks.emplace(seed, StreamPurpose::kMask);
    }
    for (std::uint64_t i = 0; i < pro.count; ++i) {
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

namespace {

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

}  // namespace

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

namespace {

// Bytes of the archive's endianness tag plus the parameter set, as every payload starts.
std::uint64_t parameters_prefix_bytes(const ParameterSet& p) {
  std::ostringstream os;
  {
    OutArchive ar(os);
    put_params(ar, p);
  }
  return os.str().size();
}

}  // namespace

std::uint64_t client_key_file_size(const ParameterSet& p) {
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) + (p.n.value() + 7) / 8 +
         (p.big_dimension().value() + 7) / 8;
}

std::uint64_t evaluation_key_file_size(const ParameterSet& p, bool seeded) {
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) +
         evaluation_key_body_bytes(p, seeded);
}

std::uint64_t ciphertexts_file_size(const ParameterSet& p, std::uint64_t count, bool seeded) {
  const std::uint64_t per_ct = seeded ? 8 : 8 * (p.big_dimension().value() + 1);
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) + 1 + 4 + 8 + 8 +
         (seeded ? sizeof(Seed) : 0) + count * per_ct;
}

const ParameterSet* find_parameter_set_by_fingerprint(const Digest& fingerprint) {
  for (const auto& p : parameter_sets()) {
    if (parameter_fingerprint(p) == fingerprint) return &p;
  }
  return nullptr;
}

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
      CiphertextPrologue pro = get_ciphertext_prologue(ar, is, h, path);
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
        rest = evaluation_key_body_bytes(p, (h.flags & kFlagSeeded) != 0);
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
