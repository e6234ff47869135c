#include "core/server_key.hpp"

#include "core/modulus_switch.hpp"

#include "core/blind_rotate.hpp"
#include "core/errors.hpp"
#include "core/keyswitch.hpp"

namespace lutfhe {

ServerKey::ServerKey(const EvaluationKey& key)
    : params_(key.params),
      key_id_(key.key_id),
      bsk_(key.bootstrap_key, NegacyclicFft::for_size(key.params.N.value())),
      ksk_(key.keyswitch_key),
      fft_(&NegacyclicFft::for_size(key.params.N.value())) {
  check_consistency();
}

ServerKey::ServerKey(const ParameterSet& params, const KeyId& id, FourierBootstrapKey bsk,
                     CompactKeyswitchKey ksk)
    : params_(params),
      key_id_(id),
      bsk_(std::move(bsk)),
      ksk_(std::move(ksk)),
      fft_(&NegacyclicFft::for_size(params.N.value())) {
  check_consistency();
}

void ServerKey::check_consistency() const {
  if (!can_bootstrap()) {
    require_equal(ksk_.input_dimension().value(), 0, "server key without bootstrapping",
                  "key-switching key input n", "0");
    return;
  }
  require_equal(ksk_.input_dimension().value(), params_.big_dimension().value(), "server key",
                "key-switching key input n", "parameters k·N");
  require_equal(ksk_.output_dimension().value(), params_.n.value(), "server key",
                "key-switching key output n", "parameters n");
  require_equal(bsk_.input_dimension().value(), params_.n.value(), "server key", "bootstrap key n",
                "parameters n");
  require_equal(bsk_.grouping(), params_.grouping, "server key", "bootstrap key grouping factor",
                "parameters grouping factor");
  require_equal(bsk_.polynomial_size().value(), params_.N.value(), "server key", "bootstrap key N",
                "parameters N");
  require_equal(bsk_.glwe_dimension().value(), params_.k.value(), "server key", "bootstrap key k",
                "parameters k");
}

std::size_t ServerKey::scratch_size() const {
  const std::size_t big = params_.big_dimension().value() + 1;
  return scratch_bytes<Torus>(params_.n.value() + 1) +  // key-switched ciphertext
         compact_keyswitch_scratch_size(params_.n) +
         2 * scratch_bytes<Torus>(big) +  // gate linear combinations
         programmable_bootstrap_scratch_size(bsk_);
}

std::size_t ServerKey::batch_scratch_size(std::size_t batch) const {
  const std::size_t polys = params_.k.value() + 1;
  const std::size_t views = 2 * scratch_bytes<std::span<Torus>>(batch) +
                            scratch_bytes<std::span<const std::uint64_t>>(batch) +
                            2 * scratch_bytes<std::span<const Torus>>(batch);
  return scratch_size() + views + compact_keyswitch_batch_scratch_size(params_.n, batch) +
         batch * (scratch_bytes<Torus>(params_.n.value() + 1) +  // key-switched
                  scratch_bytes<std::uint64_t>(switched_size(params_.n.value(),
                                                             params_.grouping)) +  // switched
                  scratch_bytes<Torus>(polys * params_.N.value()));                // accumulator
}

}  // namespace lutfhe
