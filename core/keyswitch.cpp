#include "core/keyswitch.hpp"

#include <algorithm>
#include <array>

#include "core/decomposition.hpp"
#include "core/errors.hpp"
#include "core/lwe.hpp"

namespace lutfhe {

void keyswitch(LweCiphertext& out, const LweCiphertext& in, const LweKeyswitchKey& key) {
  keyswitch(out.data(), in.data(), key);
}

void keyswitch(std::span<Torus> out, std::span<const Torus> in, const LweKeyswitchKey& key) {
  require_equal(in.size() - 1, key.input_dimension().value(), "keyswitch", "ciphertext n",
                "key-switching key input n");
  require_equal(out.size() - 1, key.output_dimension().value(), "keyswitch", "output n",
                "key-switching key output n");
  const DecompositionParams d = key.decomposition();
  const std::size_t l = d.levels.value();
  const std::size_t width = key.output_dimension().value() + 1;
  auto acc = out;
  std::fill(acc.begin(), acc.end(), Torus{0});
  acc[width - 1] = in.back();
  std::array<std::int64_t, 64> digits{};
  const auto mask = in.first(in.size() - 1);
  const auto all = key.data();
  Torus* __restrict o = acc.data();
  for (std::size_t i = 0; i < mask.size(); ++i) {
    decompose(std::span<std::int64_t>(digits.data(), l), mask[i], d);
    const Torus* rows = all.data() + i * l * width;
    for (std::size_t j = 0; j < l; ++j) {
      const Torus digit = static_cast<Torus>(digits[j]);
      if (digit == 0) continue;
      const Torus* __restrict r = rows + j * width;
      for (std::size_t t = 0; t < width; ++t) o[t] -= digit * r[t];
    }
  }
}

std::size_t compact_keyswitch_scratch_size(LweDimension output_dimension) {
  return scratch_bytes<std::uint32_t>(output_dimension.value() + 1);
}

void keyswitch(std::span<Torus> out, std::span<const Torus> in, const CompactKeyswitchKey& key,
               Scratch& scratch) {
  require_equal(in.size() - 1, key.input_dimension().value(), "keyswitch", "ciphertext n",
                "key-switching key input n");
  require_equal(out.size() - 1, key.output_dimension().value(), "keyswitch", "output n",
                "key-switching key output n");
  const DecompositionParams d = key.decomposition();
  const std::size_t l = d.levels.value();
  const std::size_t width = out.size();
  Scratch::Frame frame(scratch);
  auto acc = scratch.take<std::uint32_t>(width);
  std::fill(acc.begin(), acc.end(), 0U);
  const Torus body = in.back();
  acc[width - 1] = static_cast<std::uint32_t>((body >> 32) + ((body >> 31) & 1));
  std::array<std::int64_t, 64> digits{};
  const auto all = key.data();
  std::uint32_t* __restrict o = acc.data();
  for (std::size_t i = 0; i + 1 < in.size(); ++i) {
    decompose(std::span<std::int64_t>(digits.data(), l), in[i], d);
    const std::uint32_t* rows = all.data() + i * l * width;
    for (std::size_t j = 0; j < l; ++j) {
      const auto digit = static_cast<std::uint32_t>(digits[j]);
      if (digit == 0) continue;
      const std::uint32_t* __restrict r = rows + j * width;
      for (std::size_t t = 0; t < width; ++t) o[t] -= digit * r[t];
    }
  }
  for (std::size_t t = 0; t < width; ++t) out[t] = static_cast<Torus>(o[t]) << 32;
}

void keyswitch(LweCiphertext& out, const LweCiphertext& in, const CompactKeyswitchKey& key) {
  Scratch scratch(compact_keyswitch_scratch_size(key.output_dimension()));
  keyswitch(out.data(), in.data(), key, scratch);
}

std::size_t compact_keyswitch_batch_scratch_size(LweDimension output_dimension, std::size_t batch) {
  return batch *
         (compact_keyswitch_scratch_size(output_dimension) + scratch_bytes<std::int64_t>(64));
}

void keyswitch_batch(std::span<const std::span<Torus>> outs,
                     std::span<const std::span<const Torus>> ins, const CompactKeyswitchKey& key,
                     Scratch& scratch) {
  require_equal(outs.size(), ins.size(), "keyswitch_batch", "outputs", "inputs");
  const std::size_t count = ins.size();
  for (std::size_t b = 0; b < count; ++b) {
    require_equal(ins[b].size() - 1, key.input_dimension().value(), "keyswitch", "ciphertext n",
                  "key-switching key input n");
    require_equal(outs[b].size() - 1, key.output_dimension().value(), "keyswitch", "output n",
                  "key-switching key output n");
  }
  const DecompositionParams d = key.decomposition();
  const std::size_t l = d.levels.value();
  const std::size_t width = key.output_dimension().value() + 1;
  const std::size_t inputs = key.input_dimension().value();
  Scratch::Frame frame(scratch);
  auto acc = scratch.take<std::uint32_t>(count * width);
  auto digits = scratch.take<std::int64_t>(count * l);
  std::fill(acc.begin(), acc.end(), 0U);
  for (std::size_t b = 0; b < count; ++b) {
    const Torus body = ins[b].back();
    acc[b * width + width - 1] = static_cast<std::uint32_t>((body >> 32) + ((body >> 31) & 1));
  }
  const auto all = key.data();
  for (std::size_t i = 0; i < inputs; ++i) {
    for (std::size_t b = 0; b < count; ++b) {
      decompose(digits.subspan(b * l, l), ins[b][i], d);
    }
    const std::uint32_t* rows = all.data() + i * l * width;
    for (std::size_t j = 0; j < l; ++j) {
      const std::uint32_t* __restrict r = rows + j * width;
      for (std::size_t b = 0; b < count; ++b) {
        const auto digit = static_cast<std::uint32_t>(digits[b * l + j]);
        if (digit == 0) continue;
        std::uint32_t* __restrict o = acc.data() + b * width;
        for (std::size_t t = 0; t < width; ++t) o[t] -= digit * r[t];
      }
    }
  }
  for (std::size_t b = 0; b < count; ++b) {
    for (std::size_t t = 0; t < width; ++t) {
      outs[b][t] = static_cast<Torus>(acc[b * width + t]) << 32;
    }
  }
}

}  // namespace lutfhe
