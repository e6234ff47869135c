#include "bench/workload.hpp"

#include <array>
#include <string>
#include <utility>

#include "core/blind_rotate.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/external_product.hpp"
#include "core/gates.hpp"
#include "core/keyswitch.hpp"
#include "core/lookup_table.hpp"
#include "core/modulus_switch.hpp"
#include "core/pbs.hpp"
#include "fft/aligned.hpp"

namespace lutfhe::bench {
namespace {

constexpr std::array kAllOps = {
    BenchOp::kKsPbs,       BenchOp::kKsPbsBatch,      BenchOp::kPbs,       BenchOp::kGateNand,
    BenchOp::kBlindRotate, BenchOp::kExternalProduct, BenchOp::kKeyswitch, BenchOp::kFft};

ServerKey make_server_key(const ClientKey& client, std::uint64_t seed,
                          const ProgressCallback& progress) {
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  // The standard-domain evaluation key is dropped once converted: only the server key stays.
  return ServerKey(generate_evaluation_key(client, rng, progress));
}

LweCiphertext encrypt_input(const ClientKey& client, bool boolean_set, unsigned message_bits,
                            EncryptionRandomness& rng) {
  if (boolean_set || message_bits == 0) return client.encrypt_bool(true, rng);
  return client.encrypt(1, message_bits, rng);
}

LookupTable make_table(const ParameterSet& p) {
  if (p.boolean || p.message_bits == 0) return make_sign_lookup_table(p.N, kBoolTrue);
  return make_lookup_table(
      p.N, p.message_bits, [](std::uint64_t m) { return m; }, p.message_bits);
}

// A runner from a callable that owns its per-thread state.
template <class F>
class LambdaRunner final : public OpRunner {
 public:
  LambdaRunner(F f, std::size_t ops) : f_(std::move(f)), ops_(ops) {}
  void run() override { f_(); }
  std::size_t ops_per_run() const override { return ops_; }

 private:
  F f_;
  std::size_t ops_;
};

template <class F>
std::unique_ptr<OpRunner> runner(F f, std::size_t ops = 1) {
  return std::make_unique<LambdaRunner<F>>(std::move(f), ops);
}

}  // namespace

std::span<const BenchOp> all_ops() {
  return kAllOps;
}

std::string_view op_name(BenchOp op) {
  switch (op) {
    case BenchOp::kKsPbs:
      return "ks_pbs";
    case BenchOp::kKsPbsBatch:
      return "ks_pbs_batch";
    case BenchOp::kPbs:
      return "pbs";
    case BenchOp::kGateNand:
      return "gate_nand";
    case BenchOp::kBlindRotate:
      return "blind_rotate";
    case BenchOp::kExternalProduct:
      return "external_product";
    case BenchOp::kKeyswitch:
      return "keyswitch";
    case BenchOp::kFft:
      return "fft";
  }
  return "?";
}

std::optional<BenchOp> parse_op(std::string_view name) {
  for (BenchOp op : kAllOps) {
    if (op_name(op) == name) return op;
  }
  return std::nullopt;
}

bool op_applies(BenchOp op, const ParameterSet& params) {
  return op != BenchOp::kGateNand || params.boolean;
}

BenchFixture::BenchFixture(const ParameterSet& params, std::uint64_t seed,
                           const ProgressCallback& progress)
    : BenchFixture(ClientKey(params, test_seed(seed)), seed, progress) {}

BenchFixture::BenchFixture(const ClientKey& client, std::uint64_t seed,
                           const ProgressCallback& progress)
    : seed_(seed),
      server_(make_server_key(client, seed, progress)),
      big_a_(client.big_key().dimension()),
      big_b_(client.big_key().dimension()),
      lut_(make_table(client.parameters())) {
  const ParameterSet& p = client.parameters();
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 2));
  big_a_ = encrypt_input(client, p.boolean, p.message_bits, rng);
  big_b_ = encrypt_input(client, p.boolean, p.message_bits, rng);

  small_.assign(p.n.value() + 1, 0);
  Scratch scratch(compact_keyswitch_scratch_size(p.n));
  keyswitch(small_, big_a_.data(), server_.keyswitch_key(), scratch);
  switched_.assign(switched_size(p.n.value(), p.grouping), 0);
  modulus_switch_for_rotation(switched_, small_, p.log2_two_n(), 0, p.modulus_switch, p.grouping);

  // The external product's input: any GLWE will do, its cost does not depend on the values.
  glwe_.assign((p.k.value() + 1) * p.N.value(), 0);
  rng.mask.fill(glwe_);
}

std::unique_ptr<OpRunner> make_runner(BenchOp op, const BenchFixture& fx) {
  const ParameterSet& p = fx.parameters();
  const ServerKey& key = fx.server_key();
  if (!op_applies(op, p)) {
    throw InvalidArgument("benchmark op " + std::string(op_name(op)) +
                          " does not apply to parameter set " + p.name +
                          " (gates need a boolean set)");
  }
  const std::size_t big_n = p.N.value();
  const std::size_t glwe_size = (p.k.value() + 1) * big_n;
  switch (op) {
    case BenchOp::kKsPbs:
      return runner([&fx, &key, scratch = key.make_scratch(),
                     out = LweCiphertext(p.big_dimension())]() mutable {
        keyswitch_bootstrap(out, fx.big_input_a(), fx.lookup_table(), key, scratch);
      });
    case BenchOp::kKsPbsBatch: {
      // kBootstrapBatch copies of the input through one walk over the keys per thread.
      std::vector<LweCiphertext> in(kBootstrapBatch, fx.big_input_a());
      std::vector<LweCiphertext> out(kBootstrapBatch, LweCiphertext(p.big_dimension()));
      std::vector<const LookupTable*> luts(kBootstrapBatch, &fx.lookup_table());
      return runner(
          [&key, scratch = key.make_batch_scratch(kBootstrapBatch), in = std::move(in),
           out = std::move(out), luts = std::move(luts)]() mutable {
            keyswitch_bootstrap_batch(out, in, luts, key, scratch);
          },
          kBootstrapBatch);
    }
    case BenchOp::kPbs:
      return runner([&fx, &key, scratch = key.make_scratch(),
                     out = std::vector<Torus>(p.big_dimension().value() + 1)]() mutable {
        const std::span<Torus> outputs[1] = {out};
        programmable_bootstrap(outputs, fx.small_input(), fx.lookup_table(), key.bootstrap_key(),
                               key.fft(), scratch, fx.parameters().modulus_switch);
      });
    case BenchOp::kGateNand:
      return runner([&fx, &key, scratch = key.make_scratch(),
                     out = LweCiphertext(p.big_dimension())]() mutable {
        gate_nand(out, fx.big_input_a(), fx.big_input_b(), key, scratch);
      });
    case BenchOp::kBlindRotate:
      return runner(
          [&fx, &key,
           scratch = Scratch(blind_rotate_scratch_size(p.k, p.N, p.pbs.levels, p.grouping)),
           acc = AlignedVector<Torus>(glwe_size)]() mutable {
            blind_rotate(acc, fx.switched_input(), fx.lookup_table().polynomial(),
                         key.bootstrap_key(), key.fft(), scratch);
          });
    case BenchOp::kExternalProduct:
      return runner([&fx, &key,
                     scratch = Scratch(external_product_scratch_size(p.k, p.N, p.pbs.levels)),
                     out = AlignedVector<Torus>(glwe_size)]() mutable {
        external_product_add(out, key.bootstrap_key().ggsw(0), fx.glwe_input(), key.fft(), scratch);
      });
    case BenchOp::kKeyswitch:
      return runner([&fx, &key, scratch = Scratch(compact_keyswitch_scratch_size(p.n)),
                     out = std::vector<Torus>(p.n.value() + 1)]() mutable {
        keyswitch(out, fx.big_input_a().data(), key.keyswitch_key(), scratch);
      });
    case BenchOp::kFft: {
      // The first polynomial of the GLWE input: N uniformly random torus values.
      const auto first = fx.glwe_input().first(big_n);
      return runner([&fft = key.fft(), in = AlignedVector<Torus>(first.begin(), first.end()),
                     freq = AlignedVector<Complex>(big_n / 2),
                     out = AlignedVector<Torus>(big_n)]() mutable {
        fft.forward_torus(freq, in);
        fft.backward_torus(out, freq);
      });
    }
  }
  throw InvalidArgument("unknown benchmark op");
}

}  // namespace lutfhe::bench
