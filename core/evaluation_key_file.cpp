#include "core/evaluation_key_file.hpp"

#include <algorithm>
#include <optional>

#include "core/entities/ggsw_ciphertext.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/file_payload.hpp"
#include "core/internal/evaluation_key_layout.hpp"
#include "core/random.hpp"

namespace lutfhe {
namespace {

using namespace payload;

// Replays the mask stream of a seeded evaluation key in generation order: key-switching rows
// (mask of n values each), then every GGSW row (k mask polynomials of N values each).
struct EvaluationKeyLayout {
  std::size_t ks_rows;
  std::size_t ggsws;
  std::size_t ggsw_rows;
  std::size_t k;
  std::size_t big_n;
};

EvaluationKeyLayout layout_of(const ParameterSet& p) {
  return {p.big_dimension().value() * p.ks.levels.value(), p.bootstrap_ggsw_count(),
          (p.k.value() + 1) * p.pbs.levels.value(), p.k.value(), p.N.value()};
}

void check_evaluation_key_size(std::istream& is, const FileHeader& h, const ParameterSet& p,
                               const std::filesystem::path& path) {
  const bool seeded = (h.flags & kFlagSeeded) != 0;
  const bool none = (h.flags & kFlagNoBootstrapping) != 0;
  if (seeded && none) {
    throw FileFormatError(where(path) +
                          "an evaluation key without bootstrapping material has "
                          "no seeded form");
  }
  const std::uint64_t need = evaluation_key_body_bytes(p, h.flags);
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
  for (std::size_t i = 0; i < L.ggsws; ++i) {
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

using namespace payload;

std::uint64_t evaluation_key_body_bytes(const ParameterSet& p, std::uint32_t flags) {
  if ((flags & kFlagNoBootstrapping) != 0) return 0;
  const bool seeded = (flags & kFlagSeeded) != 0;
  const EvaluationKeyLayout L = layout_of(p);
  const std::uint64_t ks_values = L.ks_rows * (seeded ? 1 : p.n.value() + 1);
  const std::uint64_t bsk_values = L.ggsws * L.ggsw_rows * (seeded ? 1 : L.k + 1) * L.big_n;
  return (seeded ? sizeof(Seed) : 0) + 8 * (ks_values + bsk_values);
}

void write_evaluation_key(AtomicFile& out, const EvaluationKey& key, bool seeded) {
  if (seeded && !key.mask_seed && key.has_bootstrapping()) {
    throw InvalidArgument(
        "this evaluation key was not generated from a mask seed; it can only "
        "be stored in full");
  }
  const ParameterSet& p = key.params;
  if (!key.has_bootstrapping()) {
    write_object_file(out,
                      make_header(ObjectKind::kEvaluationKey, p, key.key_id, kFlagNoBootstrapping),
                      [&](std::ostream& os) {
                        OutArchive ar(os);
                        put_params(ar, p);
                        put_key_id(ar, key.key_id);
                      });
    return;
  }
  write_object_file(
      out, make_header(ObjectKind::kEvaluationKey, p, key.key_id, seeded ? kFlagSeeded : 0),
      [&](std::ostream& os) {
        OutArchive ar(os);
        put_params(ar, p);
        put_key_id(ar, key.key_id);
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
        for (std::size_t i = 0; i < key.bootstrap_key.ggsw_count(); ++i) {
          const GgswCiphertext& g = key.bootstrap_key.ggsw(i);
          for (std::size_t r = 0; r < g.row_count(); ++r) {
            const auto row = g.row(r);
            put_torus(ar, seeded ? row.subspan(k * big_n, big_n) : row);
          }
        }
      });
}

void save_evaluation_key(const std::filesystem::path& path, const EvaluationKey& key, bool seeded) {
  AtomicFile out(path, false);
  write_evaluation_key(out, key, seeded);
  out.commit();
}

EvaluationKey load_evaluation_key(const std::filesystem::path& path) {
  std::optional<EvaluationKey> out;
  read_object_file(path, ObjectKind::kEvaluationKey, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    check_evaluation_key_size(is, h, p, path);
    if ((h.flags & kFlagNoBootstrapping) != 0) {
      out.emplace(EvaluationKey{p, id, LweBootstrapKey(LweDimension(0), p.k, p.N, p.pbs),
                                LweKeyswitchKey(LweDimension(0), p.n, p.ks), std::nullopt});
      return;
    }
    out.emplace(EvaluationKey{p, id, LweBootstrapKey(p.n, p.k, p.N, p.pbs, p.grouping),
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
    if ((h.flags & kFlagNoBootstrapping) != 0) {
      out.emplace(ServerKey::from_parts(p, id,
                                        FourierBootstrapKey(LweDimension(0), p.k, p.N, p.pbs),
                                        CompactKeyswitchKey(LweDimension(0), p.n, p.ks)));
      return;
    }
    const NegacyclicFft& fft = NegacyclicFft::for_size(p.N.value());
    CompactKeyswitchKey ksk(p.big_dimension(), p.n, p.ks);
    FourierBootstrapKey bsk(p.n, p.k, p.N, p.pbs, p.grouping);
    std::optional<Seed> seed;
    read_evaluation_key_body(
        ar, p, (h.flags & kFlagSeeded) != 0, path, seed,
        [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
          ksk.set_row(i, level, row);
        },
        [&](std::size_t i, const GgswCiphertext& g) {
          bsk.set_ggsw(i, g, fft);
          if (progress) progress(i + 1, p.bootstrap_ggsw_count());
        });
    out.emplace(ServerKey::from_parts(p, id, std::move(bsk), std::move(ksk)));
  });
  return std::move(*out);
}

std::uint64_t evaluation_key_file_size(const ParameterSet& p, bool seeded) {
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) +
         evaluation_key_body_bytes(p, seeded ? kFlagSeeded : 0);
}

}  // namespace lutfhe
