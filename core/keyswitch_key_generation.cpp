#include "core/keyswitch_key_generation.hpp"

#include <algorithm>

#include "core/decomposition.hpp"
#include "core/errors.hpp"
#include "core/lwe_encryption.hpp"

namespace lutfhe {

void generate_keyswitch_rows(
    const LweSecretKey& input_key, const LweSecretKey& output_key, DecompositionParams d,
    const NoiseDistribution& noise, EncryptionRandomness& rng,
    const std::function<void(std::size_t, std::size_t, std::span<const Torus>)>& emit) {
  check_decomposition(d);
  const std::size_t beta = d.base_log.value();
  LweCiphertext row(output_key.dimension());
  const auto s_in = input_key.bits();
  for (std::size_t i = 0; i < s_in.size(); ++i) {
    for (std::size_t level = 1; level <= d.levels.value(); ++level) {
      encrypt_lwe(row, s_in[i] << (64 - beta * level), output_key, noise, rng);
      emit(i, level, row.data());
    }
  }
}

void generate_keyswitch_key(LweKeyswitchKey& out, const LweSecretKey& input_key,
                            const LweSecretKey& output_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng) {
  require_equal(out.input_dimension().value(), input_key.dimension().value(),
                "generate_keyswitch_key", "key input n", "input key n");
  require_equal(out.output_dimension().value(), output_key.dimension().value(),
                "generate_keyswitch_key", "key output n", "output key n");
  generate_keyswitch_rows(input_key, output_key, out.decomposition(), noise, rng,
                          [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
                            std::copy(row.begin(), row.end(), out.row(i, level).begin());
                          });
}

}  // namespace lutfhe
