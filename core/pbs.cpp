#include "core/pbs.hpp"

#include <algorithm>
#include <bit>
#include <vector>

#include "core/blind_rotate.hpp"
#include "core/errors.hpp"
#include "core/keyswitch.hpp"
#include "core/modulus_switch.hpp"
#include "core/parallel.hpp"
#include "core/sample_extract.hpp"

namespace lutfhe {
namespace {

void require_bootstrapping(const ServerKey& key) {
  if (!key.can_bootstrap()) {
    throw KeyMismatch(
        "this evaluation key holds no bootstrapping key (it was made for a circuit "
        "without lookups)");
  }
}

}  // namespace

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               Scratch& scratch) {
  require_equal(outputs.size(), inputs.size(), "keyswitch_bootstrap_batch", "outputs", "inputs");
  require_equal(luts.size(), inputs.size(), "keyswitch_bootstrap_batch", "tables", "inputs");
  require_bootstrapping(key);
  const FourierBootstrapKey& bsk = key.bootstrap_key();
  const std::size_t count = inputs.size();
  const std::size_t n = key.parameters().n.value();
  const std::size_t big_n = bsk.polynomial_size().value();
  const std::size_t polys = bsk.glwe_dimension().value() + 1;
  const auto log2_two_n = static_cast<unsigned>(std::countr_zero(big_n)) + 1;
  Scratch::Frame frame(scratch);
  auto accs = scratch.take<std::span<Torus>>(count);
  auto switched = scratch.take<std::span<const std::uint64_t>>(count);
  auto tables = scratch.take<std::span<const Torus>>(count);
  auto small = scratch.take<std::span<Torus>>(count);
  auto big = scratch.take<std::span<const Torus>>(count);
  for (std::size_t b = 0; b < count; ++b) {
    if (luts[b]->lut_count() != 1) {
      throw InvalidArgument("keyswitch_bootstrap_batch takes single-function tables, got " +
                            std::to_string(luts[b]->lut_count()) + " functions");
    }
    small[b] = scratch.take<Torus>(n + 1);
    big[b] = inputs[b].data();
  }
  keyswitch_batch(small, big, key.keyswitch_key(), scratch);
  for (std::size_t b = 0; b < count; ++b) {
    auto ms = scratch.take<std::uint64_t>(switched_size(n, bsk.grouping()));
    modulus_switch_for_rotation(ms, small[b], log2_two_n, 0, key.parameters().modulus_switch,
                                bsk.grouping());
    switched[b] = ms;
    accs[b] = scratch.take<Torus>(polys * big_n);
    tables[b] = luts[b]->polynomial();
  }
  blind_rotate_batch(accs, switched, tables, bsk, key.fft(), scratch);
  for (std::size_t b = 0; b < count; ++b) {
    sample_extract(outputs[b].data(), accs[b], bsk.polynomial_size(), 0);
  }
}

void keyswitch_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch) {
  require_bootstrapping(key);
  Scratch::Frame frame(scratch);
  auto small = scratch.take<Torus>(key.parameters().n.value() + 1);
  keyswitch(small, in, key.keyswitch_key(), scratch);
  programmable_bootstrap(outputs, small, lut, key.bootstrap_key(), key.fft(), scratch,
                         key.parameters().modulus_switch);
}

void keyswitch_bootstrap(std::span<LweCiphertext> outputs, const LweCiphertext& in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch) {
  std::span<Torus> views[16];
  if (outputs.size() > 16) throw InvalidArgument("at most 16 functions per bootstrap");
  for (std::size_t f = 0; f < outputs.size(); ++f) views[f] = outputs[f].data();
  keyswitch_bootstrap(std::span<const std::span<Torus>>(views, outputs.size()), in.data(), lut, key,
                      scratch);
}

void keyswitch_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                         const ServerKey& key, Scratch& scratch) {
  keyswitch_bootstrap(std::span<LweCiphertext>(&out, 1), in, lut, key, scratch);
}

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs, const LookupTable& lut,
                               const ServerKey& key, int threads) {
  const std::vector<const LookupTable*> same(inputs.size(), &lut);
  keyswitch_bootstrap_batch(outputs, inputs, same, key, threads);
}

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               int threads) {
  require_equal(outputs.size(), inputs.size(), "keyswitch_bootstrap_batch", "outputs", "inputs");
  require_equal(luts.size(), inputs.size(), "keyswitch_bootstrap_batch", "tables", "inputs");
  const std::size_t batch = kBootstrapBatch;
  const std::size_t groups = (inputs.size() + batch - 1) / batch;
  parallel_for(
      groups, threads, [&] { return key.make_batch_scratch(batch); },
      [&](std::size_t g, Scratch& scratch) {
        const std::size_t first = g * batch;
        const std::size_t count = std::min(batch, inputs.size() - first);
        keyswitch_bootstrap_batch(outputs.subspan(first, count), inputs.subspan(first, count),
                                  luts.subspan(first, count), key, scratch);
      });
}

}  // namespace lutfhe
