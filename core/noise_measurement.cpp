#include "core/noise_measurement.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <span>

#include "core/blind_rotate.hpp"
#include "core/client_key.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/keyswitch.hpp"
#include "core/lookup_table.hpp"
#include "core/lwe.hpp"
#include "core/lwe_encryption.hpp"
#include "core/modulus_switch.hpp"
#include "core/noise.hpp"
#include "core/parallel.hpp"
#include "core/server_key.hpp"

namespace lutfhe::noise {
namespace {

constexpr std::size_t kStageCount = 5;
constexpr const char* kStageNames[kStageCount] = {"fresh", "keyswitch", "modulus_switch",
                                                  "at_modulus_switch", "pbs"};

// Independent seeds for (purpose, index) pairs of one measurement seed (SplitMix64 finaliser,
// so neighbouring user seeds do not share streams).
Seed derived_seed(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL ^ (purpose << 48) ^ index;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return test_seed(z ^ (z >> 31));
}

double torus_to_real(Torus x) {
  return static_cast<double>(static_cast<std::int64_t>(x)) * 0x1p-64;
}

// b − <a, s> for raw LWE data (mask then body) and a binary key.
Torus raw_phase(std::span<const Torus> ct, std::span<const Torus> key) {
  Torus dot = 0;
  for (std::size_t i = 0; i < key.size(); ++i) dot += ct[i] * key[i];
  return ct[key.size()] - dot;
}

// A value of Z_{2N} as a signed torus fraction in [−1/2, 1/2).
double centred_fraction(double units, double two_n) {
  units -= std::round(units / two_n) * two_n;
  return units / two_n;
}

double z_quantile_two_sided(double confidence) {
  return normal_quantile(0.5 + confidence / 2.0);
}

// Per-sample errors of one stage, grouped by key (group g holds samples [g·size, (g+1)·size)).
StageMeasurement summarise(Stage stage, std::string formula, std::span<const double> errors,
                           std::size_t groups, double model_variance, double confidence) {
  StageMeasurement s;
  s.stage = stage;
  s.model_formula = std::move(formula);
  s.samples = errors.size();
  s.keys = groups;
  s.model_variance = model_variance;
  const double count = static_cast<double>(errors.size());
  double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
  for (double e : errors) {
    sum += e;
    sum2 += e * e;
    sum4 += e * e * e * e;
  }
  s.mean = sum / count;
  s.variance = sum2 / count;
  // The second moment is a mean of e²: its standard error from the sampled fourth moment
  // (TUniform and rounding errors have lighter tails than a Gaussian's 2σ⁴).
  const double var_of_square = std::max(0.0, sum4 / count - s.variance * s.variance);
  double half = z_quantile_two_sided(confidence) * std::sqrt(var_of_square / count);
  if (groups >= 2) {
    // Batch means over keys: key-to-key variation (the small key's weight, a key-switching
    // key's mean error) is part of what the model averages.
    const std::size_t size = errors.size() / groups;
    std::vector<double> means(groups, 0.0);
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t i = 0; i < size; ++i)
        means[g] += errors[g * size + i] * errors[g * size + i];
      means[g] /= static_cast<double>(size);
    }
    double spread = 0.0;
    for (double m : means) spread += (m - s.variance) * (m - s.variance);
    const double g = static_cast<double>(groups);
    const double se = std::sqrt(spread / (g * (g - 1.0)));
    half = std::max(half, student_t_quantile(0.5 + confidence / 2.0, g - 1.0) * se);
  }
  s.variance_low = std::max(0.0, s.variance - half);
  s.variance_high = s.variance + half;
  s.ratio = s.variance / model_variance;
  s.ratio_low = s.variance_low / model_variance;
  s.ratio_high = s.variance_high / model_variance;
  s.consistent = s.ratio_low <= 1.0 && 1.0 <= s.ratio_high;
  return s;
}

void validate(const ParameterSet& p, const MeasurementOptions& o) {
  if (o.samples == 0) throw InvalidArgument("noise measurement: samples must be at least 1");
  if (o.keys == 0) throw InvalidArgument("noise measurement: keys must be at least 1");
  if (!(o.confidence > 0.0 && o.confidence < 1.0) ||
      !(o.failure_confidence > 0.0 && o.failure_confidence < 1.0)) {
    throw InvalidArgument("noise measurement: confidence levels must lie in (0, 1)");
  }
  if (!(o.model_scale > 0.0) || !std::isfinite(o.model_scale)) {
    throw InvalidArgument("noise measurement: model_scale must be positive");
  }
  if (o.precision) {
    const unsigned max = max_failure_precision(p);
    if (*o.precision < 1 || *o.precision > max) {
      throw InvalidArgument("noise measurement: precision " + std::to_string(*o.precision) +
                            " bits does not fit " + p.name + " (1 to " + std::to_string(max) +
                            " bits with N=" + std::to_string(p.N.value()) + ")");
    }
  }
}

// The modulus-switch rounding alone, with a fresh uniform binary small key for every sample:
// mask uniform, phase uniform, error = switched phase − exact phase·2N (units of 1/2N).
std::vector<double> measure_modulus_switch(const ParameterSet& p, std::size_t samples,
                                           std::uint64_t seed) {
  const std::size_t n = p.n.value();
  const std::uint64_t two_n = 2 * p.N.value();
  RandomStream secret(derived_seed(seed, 5, 0), StreamPurpose::kSecret);
  RandomStream data(derived_seed(seed, 5, 1), StreamPurpose::kMask);
  std::vector<Torus> key(n), ct(n + 1);
  std::vector<std::uint64_t> switched(switched_size(n, p.grouping));
  std::vector<double> errors(samples);
  for (std::size_t s = 0; s < samples; ++s) {
    for (std::size_t i = 0; i < n; i += 64) {
      const std::uint64_t bits = secret.next_u64();
      for (std::size_t j = 0; j < 64 && i + j < n; ++j) key[i + j] = (bits >> j) & 1;
    }
    data.fill(ct);  // uniform mask and body: a uniform phase under any key
    const Torus phase = raw_phase(ct, key);
    modulus_switch_for_rotation(switched, ct, p.log2_two_n(), 0, p.modulus_switch, p.grouping);
    const double exact = static_cast<double>(phase) * 0x1p-64 * static_cast<double>(two_n);
    errors[s] = centred_fraction(
        static_cast<double>(switched_phase(switched, key, p.log2_two_n(), p.grouping)) - exact,
        static_cast<double>(two_n));
  }
  return errors;
}

}  // namespace

std::string stage_name(Stage stage) {
  return kStageNames[static_cast<std::size_t>(stage)];
}

std::optional<Stage> parse_stage(const std::string& name) {
  for (std::size_t i = 0; i < kStageCount; ++i) {
    if (name == kStageNames[i]) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

const StageMeasurement& NoiseReport::stage(Stage s) const {
  for (const auto& m : stages) {
    if (m.stage == s) return m;
  }
  throw InvalidArgument("noise report has no stage " + stage_name(s));
}

bool NoiseReport::all_consistent() const {
  return std::all_of(stages.begin(), stages.end(),
                     [](const StageMeasurement& m) { return m.consistent; });
}

unsigned max_failure_precision(const ParameterSet& p) {
  return std::min(kMaxMessageBits, p.log2_two_n() - 2);
}

double model_failure_probability(const ParameterSet& p, unsigned bits, double model_scale) {
  const double variance = model_scale * at_modulus_switch(p, p.glwe_noise.variance());
  return failure_probability(variance, std::ldexp(1.0, -static_cast<int>(bits) - 2));
}

double model_failure_probability_integer_box(const ParameterSet& p, unsigned bits,
                                             double model_scale) {
  const double two_n = 2.0 * static_cast<double>(p.N.value());
  // In units of one coefficient of the ring (1/2N); the body's rounding (1/12) is the final
  // round() itself, not part of the continuous error.
  const double variance =
      std::max(1e-12, model_scale * at_modulus_switch(p, p.glwe_noise.variance()) * two_n * two_n -
                          1.0 / 12.0);
  const double h = std::ldexp(static_cast<double>(p.N.value()), -static_cast<int>(bits) - 1);
  const double scale = std::sqrt(2.0 * variance);
  return 0.5 * std::erfc((h - 0.5) / scale) + 0.5 * std::erfc((h + 0.5) / scale);
}

unsigned choose_failure_precision(const ParameterSet& p, double model_scale) {
  const double lo = std::log10(1e-3), hi = std::log10(0.3);
  unsigned best = 1;
  double best_distance = std::numeric_limits<double>::infinity();
  for (unsigned bits = 1; bits <= max_failure_precision(p); ++bits) {
    const double pf = model_failure_probability(p, bits, model_scale);
    const double l = pf > 0.0 ? std::log10(pf) : -400.0;
    const double distance = l < lo ? lo - l : (l > hi ? l - hi : 0.0);
    if (distance <= best_distance) {
      best_distance = distance;
      best = bits;
    }
  }
  return best;
}

NoiseReport measure_noise(const ParameterSet& p, const MeasurementOptions& options) {
  validate(p, options);
  check_parameters(p);
  const auto start = std::chrono::steady_clock::now();
  NoiseReport report{p, options};
  report.options.progress = nullptr;
  MeasurementOptions& o = report.options;
  o.keys = std::min(o.keys, o.samples);
  const std::size_t per_key = (o.samples + o.keys - 1) / o.keys;
  o.samples = per_key * o.keys;
  if (!o.precision) o.precision = choose_failure_precision(p, o.model_scale);
  const unsigned bits = *o.precision;
  report.threads = resolve_threads(o.threads);

  const std::size_t total = o.samples;
  const std::size_t n = p.n.value();
  const std::size_t big = p.big_dimension().value();
  const std::uint64_t two_n = 2 * p.N.value();
  const double two_n_real = static_cast<double>(two_n);
  const Torus delta = delta_with_padding(bits);
  // Δ·2N/q: the switched position of message 1 (an integer: bits + 1 ≤ log2 2N − 1).
  const std::uint64_t delta_units = delta >> (64 - p.log2_two_n());
  const LookupTable lut = make_lookup_table(
      p.N, bits, [](std::uint64_t m) { return m; }, bits);

  std::vector<double> fresh(total), ks(total), at_ms(total), pbs(total);
  std::vector<std::uint8_t> failed(total, 0);
  std::vector<LweCiphertext> inputs(per_key, LweCiphertext(p.big_dimension()));
  std::vector<std::uint64_t> messages(per_key);
  std::atomic<std::size_t> done{0};

  for (std::size_t key_index = 0; key_index < o.keys; ++key_index) {
    const ClientKey client(p, derived_seed(o.seed, 1, key_index));
    EncryptionRandomness key_rng =
        EncryptionRandomness::from_seed(derived_seed(o.seed, 2, key_index));
    const ServerKey server = generate_server_key_in_process(client, key_rng);
    const auto small_key = client.small_key().bits();
    const auto big_key = client.big_key().bits();
    std::size_t weight = 0;
    for (Torus b : small_key) weight += b;
    report.small_key_weights.push_back(weight);

    // Inputs, serially (deterministic whatever the thread count).
    EncryptionRandomness rng = EncryptionRandomness::from_seed(derived_seed(o.seed, 3, key_index));
    RandomStream data(derived_seed(o.seed, 4, key_index), StreamPurpose::kMask);
    const std::size_t offset = key_index * per_key;
    for (std::size_t i = 0; i < per_key; ++i) {
      messages[i] = data.next_u64() >> (64 - bits);
      const Torus pt = encode_with_padding(messages[i], bits);
      encrypt_lwe(inputs[i], pt, client.big_key(), p.glwe_noise, rng);
      fresh[offset + i] = torus_to_real(raw_phase(inputs[i].data(), big_key) - pt);
    }

    // Per thread: its scratch and the intermediate ciphertexts.
    struct Work {
      Scratch scratch;
      std::vector<Torus> small, out;
      std::vector<std::uint64_t> switched;
    };
    parallel_for(
        per_key, report.threads,
        [&] {
          return Work{server.make_scratch(), std::vector<Torus>(n + 1), std::vector<Torus>(big + 1),
                      std::vector<std::uint64_t>(switched_size(n, p.grouping))};
        },
        [&](std::size_t i, Work& w) {
          const std::span<Torus> out_view(w.out);
          const Torus pt = encode_with_padding(messages[i], bits);
          keyswitch(w.small, inputs[i].data(), server.keyswitch_key(), w.scratch);
          ks[offset + i] = torus_to_real(raw_phase(w.small, small_key) - pt);
          modulus_switch_for_rotation(w.switched, w.small, p.log2_two_n(), 0, p.modulus_switch,
                                      p.grouping);
          const auto phase = static_cast<double>(
              switched_phase(w.switched, small_key, p.log2_two_n(), p.grouping));
          at_ms[offset + i] =
              centred_fraction(phase - static_cast<double>(messages[i] * delta_units), two_n_real);
          programmable_bootstrap(std::span<const std::span<Torus>>(&out_view, 1), w.small, lut,
                                 server.bootstrap_key(), server.fft(), w.scratch, p.modulus_switch);
          const Torus out_phase = raw_phase(w.out, big_key);
          // The output noise is far below Δ/2, so the nearest multiple of Δ is what the
          // bootstrap wrote (a failure writes another message, with the same noise).
          pbs[offset + i] = static_cast<double>(padding_decoding_error(out_phase, bits)) * 0x1p-64;
          failed[offset + i] = decode_with_padding(out_phase, bits) != messages[i];
          const std::size_t d = done.fetch_add(1) + 1;
          if (options.progress) options.progress(d, total);
        });
  }

  const double scale = o.model_scale;
  const double fresh_model = p.glwe_noise.variance();
  const double ks_model = fresh_model + keyswitch(p.big_dimension(), p.ks, p.lwe_noise) +
                          keyswitch_storage(p.big_dimension(), p.n, p.ks);
  const std::vector<double> ms = measure_modulus_switch(p, total, o.seed);
  report.stages.push_back(summarise(Stage::kFresh, "NoiseDistribution::variance (GLWE noise)",
                                    fresh, 1, scale * fresh_model, o.confidence));
  report.stages.push_back(summarise(Stage::kKeyswitch,
                                    "fresh + noise::keyswitch + noise::keyswitch_storage", ks,
                                    o.keys, scale * ks_model, o.confidence));
  report.stages.push_back(
      summarise(Stage::kModulusSwitch, "noise::modulus_switch", ms, 0,
                scale * modulus_switch(p.n, p.N, 1, p.modulus_switch, p.grouping), o.confidence));
  report.stages.push_back(summarise(Stage::kAtModulusSwitch,
                                    "noise::at_modulus_switch (fresh inputs)", at_ms, o.keys,
                                    scale * at_modulus_switch(p, fresh_model), o.confidence));
  report.stages.push_back(summarise(Stage::kBootstrap, "noise::programmable_bootstrap", pbs, o.keys,
                                    scale * programmable_bootstrap(p), o.confidence));
  if (o.keep_errors) {
    report.stages[0].errors = std::move(fresh);
    report.stages[1].errors = std::move(ks);
    report.stages[2].errors = ms;
    report.stages[3].errors = std::move(at_ms);
    report.stages[4].errors = std::move(pbs);
  }

  FailureMeasurement& f = report.failure;
  f.precision = bits;
  f.half_width = std::ldexp(1.0, -static_cast<int>(bits) - 2);
  f.trials = total;
  f.failures = static_cast<std::size_t>(std::count(failed.begin(), failed.end(), 1));
  f.rate = static_cast<double>(f.failures) / static_cast<double>(f.trials);
  f.confidence = o.failure_confidence;
  const Interval ci = clopper_pearson(f.failures, f.trials, f.confidence);
  f.rate_low = ci.low;
  f.rate_high = ci.high;
  f.model_pfail = model_failure_probability(p, bits, scale);
  f.model_pfail_integer_box = model_failure_probability_integer_box(p, bits, scale);
  f.model_inside = ci.low <= f.model_pfail && f.model_pfail <= ci.high;
  f.integer_box_model_inside =
      ci.low <= f.model_pfail_integer_box && f.model_pfail_integer_box <= ci.high;

  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

// ---------------------------------------------------------------------------------------------
// Statistics.

double incomplete_beta(double x, double a, double b) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  // Continued fraction (modified Lentz), which converges fast for x < (a + 1)/(a + b + 2);
  // the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) covers the other side.
  const auto fraction = [](double xx, double aa, double bb) {
    constexpr double tiny = 1e-300;
    double c = 1.0;
    double d = 1.0 - (aa + bb) * xx / (aa + 1.0);
    if (std::fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 1000; ++m) {
      const double dm = static_cast<double>(m);
      const double even = dm * (bb - dm) * xx / ((aa + 2.0 * dm - 1.0) * (aa + 2.0 * dm));
      d = 1.0 + even * d;
      c = 1.0 + even / c;
      if (std::fabs(d) < tiny) d = tiny;
      if (std::fabs(c) < tiny) c = tiny;
      d = 1.0 / d;
      h *= d * c;
      const double odd =
          -(aa + dm) * (aa + bb + dm) * xx / ((aa + 2.0 * dm) * (aa + 2.0 * dm + 1.0));
      d = 1.0 + odd * d;
      c = 1.0 + odd / c;
      if (std::fabs(d) < tiny) d = tiny;
      if (std::fabs(c) < tiny) c = tiny;
      d = 1.0 / d;
      const double step = d * c;
      h *= step;
      if (std::fabs(step - 1.0) < 1e-15) break;
    }
    return h;
  };
  const double log_front =
      a * std::log(x) + b * std::log1p(-x) + std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * fraction(x, a, b) / a;
  return 1.0 - std::exp(log_front) * fraction(1.0 - x, b, a) / b;
}

namespace {

// The x in [lo, hi] with f(x) = target for an increasing f, by bisection.
template <class F>
double invert_increasing(F f, double target, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (f(mid) < target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

}  // namespace

Interval clopper_pearson(std::size_t successes, std::size_t trials, double confidence) {
  if (trials == 0) throw InvalidArgument("clopper_pearson: no trials");
  if (successes > trials) throw InvalidArgument("clopper_pearson: more successes than trials");
  const double alpha = 1.0 - confidence;
  const double k = static_cast<double>(successes), n = static_cast<double>(trials);
  // low: the p with P(X ≥ k) = α/2, i.e. I_p(k, n − k + 1) = α/2; high: P(X ≤ k) = α/2,
  // i.e. I_p(k + 1, n − k) = 1 − α/2.
  const double low =
      successes == 0
          ? 0.0
          : invert_increasing([&](double p) { return incomplete_beta(p, k, n - k + 1.0); },
                              alpha / 2.0, 0.0, 1.0);
  const double high =
      successes == trials
          ? 1.0
          : invert_increasing([&](double p) { return incomplete_beta(p, k + 1.0, n - k); },
                              1.0 - alpha / 2.0, 0.0, 1.0);
  return {low, high};
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) throw InvalidArgument("normal_quantile: p must lie in (0, 1)");
  return invert_increasing([](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }, p, -40.0,
                           40.0);
}

double student_t_quantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0)) throw InvalidArgument("student_t_quantile: p must lie in (0, 1)");
  if (!(df > 0.0)) throw InvalidArgument("student_t_quantile: degrees of freedom must be > 0");
  // P(T ≤ t) = 1 − ½·I_{df/(df+t²)}(df/2, 1/2) for t ≥ 0; symmetric below.
  const auto cdf = [df](double t) {
    const double tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    return t >= 0.0 ? 1.0 - tail : tail;
  };
  return invert_increasing(cdf, p, -1e6, 1e6);
}

}  // namespace lutfhe::noise
