#include "core/keyswitch.hpp"

#include <algorithm>
#include <array>

#include "core/decomposition.hpp"
#include "core/errors.hpp"
#include "core/lwe.hpp"

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

namespace {

// Round to nearest: top 32 bits plus the bit below them.
std::uint32_t top32(Torus x) {
  return static_cast<std::uint32_t>((x >> 32) + ((x >> 31) & 1));
}

}  // namespace

CompactKeyswitchKey::CompactKeyswitchKey(const LweKeyswitchKey& standard)
    : input_(standard.input_dimension().value()),
      output_(standard.output_dimension().value()),
      decomposition_(standard.decomposition()),
      data_(standard.data().size()) {
  const auto src = standard.data();
  for (std::size_t i = 0; i < src.size(); ++i) data_[i] = top32(src[i]);
}

CompactKeyswitchKey::CompactKeyswitchKey(LweDimension input_dimension,
                                         LweDimension output_dimension,
                                         DecompositionParams decomposition)
    : input_(input_dimension.value()),
      output_(output_dimension.value()),
      decomposition_(decomposition),
      data_(input_ * decomposition.levels.value() * (output_ + 1), 0) {}

void CompactKeyswitchKey::set_row(std::size_t i, std::size_t level,
                                  std::span<const Torus> standard_row) {
  const std::size_t l = decomposition_.levels.value();
  if (i >= input_ || level < 1 || level > l) {
    throw InvalidArgument("key-switching key row (" + std::to_string(i) + ", " +
                          std::to_string(level) + ") is out of range");
  }
  require_equal(standard_row.size(), output_ + 1, "set_row", "row length", "output n + 1");
  std::uint32_t* dst = data_.data() + (i * l + (level - 1)) * (output_ + 1);
  for (std::size_t t = 0; t < standard_row.size(); ++t) dst[t] = top32(standard_row[t]);
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
