#include "compiler/simulate.hpp"

#include <cmath>

#include "compiler/circuit_runner.hpp"
#include "compiler/encoding.hpp"
#include "core/modulus_switch.hpp"
#include "core/noise.hpp"
#include "core/random.hpp"

namespace lutfhe::compiler {
namespace {

class PhaseBackend {
 public:
  using Value = Torus;

  PhaseBackend(const CompiledCircuit& c, std::span<const double> site_sigma, bool inject,
               std::uint64_t seed, SimulationStats& stats)
      : big_n_(c.params.N.value()),
        log2_two_n_(c.params.log2_two_n()),
        site_sigma_(site_sigma),
        inject_(inject),
        rng_(test_seed(seed), StreamPurpose::kNoise),
        stats_(stats) {}

  Value zero() const { return 0; }
  void add_scaled(Value& acc, const Value& x, Torus w) const { acc += w * x; }
  void scale(Value& v, Torus w) const { v *= w; }
  void add_plaintext(Value& v, Torus c) const { v += c; }
  template <class F>
  void parallel_for(std::size_t count, F&& f) const {
    for (std::size_t i = 0; i < count; ++i) f(i);
  }

  // What the blind rotation computes for a noiseless input: X^{−t}·v(X) read at coefficient 0,
  // t the modulus-switched phase: v[t] for t < N, −v[t − N] otherwise.
  void bootstrap(std::span<Value> out, std::span<const Value> in,
                 std::span<const LookupTable* const> tables, std::size_t site) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      ++stats_.bootstraps;
      const auto poly = tables[i]->polynomial();
      const auto read = [&](Torus phase) {
        const std::size_t t = modulus_switch(phase, log2_two_n_);
        return t < big_n_ ? poly[t] : Torus{0} - poly[t - big_n_];
      };
      out[i] = read(in[i]);
      if (inject_) {
        const double e = rng_.next_standard_normal() * site_sigma_[site];
        const Torus noisy =
            in[i] + static_cast<Torus>(static_cast<std::int64_t>(std::ldexp(e, 64)));
        const Torus value = read(noisy);
        if (value != out[i]) ++stats_.injected_failures;
        out[i] = value;
      }
    }
  }

 private:
  std::size_t big_n_;
  unsigned log2_two_n_;
  std::span<const double> site_sigma_;
  bool inject_;
  RandomStream rng_;
  SimulationStats& stats_;
};

}  // namespace

Simulator::Simulator(const CompiledCircuit& compiled, SimulateOptions options)
    : compiled_(compiled), tables_(build_bootstrap_tables(compiled)), options_(options) {
  site_sigma_.reserve(compiled.sites.size());
  for (const auto& s : compiled.sites) {
    site_sigma_.push_back(std::sqrt(
        noise::at_modulus_switch(compiled.params, s.input.variance(compiled.params), 1.0)));
  }
}

std::vector<Tensor> Simulator::run(const Sample& inputs) {
  check_sample(compiled_.circuit, inputs);
  const std::vector<NodeId> ids = compiled_.circuit.inputs();
  std::vector<std::vector<Torus>> phases(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int scale = compiled_.plans[ids[i]].scale_log2;
    for (std::int64_t v : inputs[i]) phases[i].push_back(encode_value(v, scale));
  }
  PhaseBackend backend(compiled_, site_sigma_, options_.inject_errors,
                       options_.seed + 0x9E3779B97F4A7C15ULL * runs_++, stats_);
  const auto out = run_compiled(compiled_, tables_, backend, std::move(phases));
  std::vector<Tensor> decoded;
  const auto& outputs = compiled_.circuit.outputs();
  for (std::size_t o = 0; o < out.size(); ++o) {
    const NodePlan& p = compiled_.plans[outputs[o]];
    Tensor t;
    for (Torus phase : out[o]) t.push_back(decode_value(phase, p.scale_log2, p.range.lo));
    decoded.push_back(std::move(t));
  }
  return decoded;
}

std::vector<Tensor> simulate(const CompiledCircuit& compiled, const Sample& inputs,
                             SimulateOptions options) {
  Simulator s(compiled, options);
  return s.run(inputs);
}

}  // namespace lutfhe::compiler
