#include "bench/breakdown.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>
#include <vector>

#include "bench/flop_floor.hpp"
#include "core/blind_rotate.hpp"
#include "core/errors.hpp"
#include "core/external_product.hpp"
#include "core/json_text.hpp"
#include "core/keyswitch.hpp"
#include "core/modulus_switch.hpp"
#include "core/polynomial.hpp"
#include "core/sample_extract.hpp"
#include "fft/aligned.hpp"
#include "fft/fourier_matrix.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::bench {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timed {
  double per_call = 0;
  double cpu_share = 1;
};

double median(std::vector<double>& v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// `chunk()` performs calls_per_chunk calls of a stage and returns the seconds it timed itself
// (a chunk may prepare its input untimed first). Chunks run until they have timed
// options.min_time_s (or options.iterations chunks). The time per call is the median chunk's:
// chunks last microseconds, far less than a scheduler time slice, so on a machine shared with
// other work most chunks run undisturbed and the median ignores the ones that lost the core
// (a batch mean would not). The lowest median of options.repetitions batches is kept. The CPU
// share is over the whole batch, preparation included.
template <class Chunk>
Timed time_stage(Chunk&& chunk, double calls_per_chunk, const BenchOptions& options) {
  chunk();  // warm caches, plans and the branch predictor
  Timed best{};
  best.per_call = INFINITY;
  const std::size_t reps = std::max<std::size_t>(1, options.repetitions);
  std::vector<double> times;
  for (std::size_t rep = 0; rep < reps; ++rep) {
    times.clear();
    double timed = 0;
    const double cpu0 = cpu_seconds();
    const auto wall0 = Clock::now();
    while (options.iterations != 0 ? times.size() < options.iterations
                                   : timed < options.min_time_s) {
      times.push_back(chunk());
      timed += times.back();
    }
    const double wall = since(wall0);
    const double per_call = median(times) / calls_per_chunk;
    if (per_call < best.per_call) {
      best.per_call = per_call;
      best.cpu_share = wall > 0 ? (cpu_seconds() - cpu0) / wall : 1.0;
    }
  }
  return best;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// A small deterministic generator for the synthetic digit polynomials.
std::uint64_t next_random(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

std::string fixed(double x, int decimals) {
  if (!std::isfinite(x)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << x;
  return s.str();
}

}  // namespace

double Breakdown::stage_sum() const {
  double s = 0;
  for (const StageTime& st : stages) s += st.seconds();
  return s;
}

Breakdown measure_breakdown(const BenchFixture& fx, const BenchOptions& options) {
  const ParameterSet& p = fx.parameters();
  if (p.multi_bit()) {
    throw InvalidArgument(
        "--breakdown times the stages of the classic one-CMUX-per-bit rotation; " + p.name +
        " uses multi-bit blind rotation (time it with --op ks_pbs)");
  }
  const ServerKey& key = fx.server_key();
  const FourierBootstrapKey& bsk = key.bootstrap_key();
  const NegacyclicFft& fft = key.fft();
  const std::size_t n = p.n.value();
  const std::size_t big_n = p.N.value();
  const std::size_t half = big_n / 2;
  const std::size_t polys = p.k.value() + 1;
  const std::size_t levels = p.pbs.levels.value();
  const std::size_t rows = polys * levels;  // digit polynomials per external product
  const std::span<const std::uint64_t> switched = fx.switched_input();
  const std::span<const Torus> lut = fx.lookup_table().polynomial();

  Breakdown b;
  b.params = &p;
  std::vector<std::size_t> active;  // the mask elements whose CMUX the blind rotation runs
  for (std::size_t i = 0; i < n; ++i) {
    if (switched[i] != 0) active.push_back(i);
  }
  if (active.empty()) active.push_back(0);
  b.cmuxes = static_cast<double>(std::count_if(switched.begin(), switched.begin() + n,
                                               [](std::uint64_t a) { return a != 0; }));
  constexpr double kSmallCalls = 16;  // calls per chunk for stages of about a microsecond

  // Key switch k·N → n, on the fixture's big-key input.
  Scratch ks_scratch(compact_keyswitch_scratch_size(p.n));
  std::vector<Torus> small(n + 1);
  const Timed ks = time_stage(
      [&] {
        const auto t0 = Clock::now();
        keyswitch(small, fx.big_input_a().data(), key.keyswitch_key(), ks_scratch);
        return since(t0);
      },
      1, options);

  std::vector<std::uint64_t> sw(n + 1);
  const Timed ms = time_stage(
      [&] {
        const auto t0 = Clock::now();
        for (int c = 0; c < kSmallCalls; ++c) {
          modulus_switch_lwe(sw, fx.small_input(), p.log2_two_n(), 0, p.modulus_switch);
        }
        return since(t0);
      },
      kSmallCalls, options);

  // The blind rotation's preamble: trivial GLWE of X^−b̃·lut.
  AlignedVector<Torus> acc(polys * big_n);
  const auto init_acc = [&] {
    std::fill(acc.begin(), acc.end() - static_cast<std::ptrdiff_t>(big_n), Torus{0});
    rotate_polynomial(std::span<Torus>(acc).subspan((polys - 1) * big_n, big_n), lut,
                      (2 * big_n - switched[n]) % (2 * big_n));
  };
  const Timed init = time_stage(
      [&] {
        const auto t0 = Clock::now();
        for (int c = 0; c < kSmallCalls; ++c) init_acc();
        return since(t0);
      },
      kSmallCalls, options);

  // Folded and twisted digit polynomials as decompose_and_twist writes them: digits uniform in
  // [−B/2, B/2), (d_t + i·d_{t+N/2})·ω^t.
  AlignedVector<Complex> digits(rows * half), twisted(rows * half), digit_f(rows * half);
  {
    std::uint64_t state = 0x9e3779b97f4a7c15ULL ^ fx.seed();
    const unsigned beta = static_cast<unsigned>(p.pbs.base_log.value());
    const auto digit = [&] {
      const std::uint64_t r = next_random(state) >> (64 - beta);
      return static_cast<double>(static_cast<std::int64_t>(r) - (std::int64_t{1} << (beta - 1)));
    };
    const auto wr = fft.twist_re();
    const auto wi = fft.twist_im();
    for (std::size_t row = 0; row < rows; ++row) {
      for (std::size_t j = 0; j < half; ++j) {
        digits[row * half + j] = Complex(digit(), digit()) * Complex(wr[j], wi[j]);
      }
    }
  }
  const Timed fwd = time_stage(
      [&] {
        std::copy(digits.begin(), digits.end(), twisted.begin());  // the transform destroys it
        const auto t0 = Clock::now();
        fft.forward_twisted_batch(digit_f, twisted, rows);  // all digits of one external product
        return since(t0);
      },
      static_cast<double>(rows), options);

  // Multiply-adds against real GGSW rows, moving through the key as the blind rotation does.
  AlignedVector<Complex> acc_f(polys * half);
  std::size_t next = 0;
  const auto multiply_rows = [&](std::size_t i) {
    fourier_matrix_multiply(acc_f, digit_f, bsk.ggsw(i).data, rows, polys);
  };
  const Timed mul = time_stage(
      [&] {
        const std::size_t i = active[next++ % active.size()];
        const auto t0 = Clock::now();
        multiply_rows(i);
        return since(t0);
      },
      static_cast<double>(rows), options);

  // Inverse transforms of one external product's accumulators (magnitudes of a real one).
  multiply_rows(active.front());
  AlignedVector<Torus> glwe_out(polys * big_n);
  AlignedVector<Complex> work(polys * half), acc_copy(polys * half);
  const Timed inv = time_stage(
      [&] {
        std::copy(acc_f.begin(), acc_f.end(), acc_copy.begin());  // the transform destroys it
        const auto t0 = Clock::now();
        fft.backward_add_torus_batch(glwe_out, acc_copy, work, polys);
        return since(t0);
      },
      static_cast<double>(polys), options);

  // External product and CMUX measured in pairs, on different GGSWs (neither finds its key in
  // cache from the other), so that their difference, the rotation bookkeeping, is taken under
  // the same conditions: the median of the per-pair differences.
  Scratch ep_scratch(external_product_scratch_size(p.k, p.N, p.pbs.levels));
  Scratch cmux_scratch(cmux_scratch_size(p.k, p.N, p.pbs.levels));
  init_acc();
  const auto pair = [&](double& ep_t, double& cmux_t) {
    const std::size_t i = active[next++ % active.size()];
    const std::size_t j = active[next++ % active.size()];
    const auto t0 = Clock::now();
    external_product_add(glwe_out, bsk.ggsw(i), fx.glwe_input(), fft, ep_scratch);
    const auto t1 = Clock::now();
    cmux_rotate(acc, bsk.ggsw(j), switched[j], fft, cmux_scratch);
    const auto t2 = Clock::now();
    ep_t = std::chrono::duration<double>(t1 - t0).count();
    cmux_t = std::chrono::duration<double>(t2 - t1).count();
  };
  Timed ep{INFINITY, 1}, cmux{INFINITY, 1}, rotation{0, 1};
  {
    double warm_a = 0, warm_b = 0;
    pair(warm_a, warm_b);
    std::vector<double> ep_times, cmux_times, diffs;
    for (std::size_t rep = 0; rep < std::max<std::size_t>(1, options.repetitions); ++rep) {
      ep_times.clear();
      cmux_times.clear();
      diffs.clear();
      double timed = 0;
      const double cpu0 = cpu_seconds();
      const auto wall0 = Clock::now();
      while (options.iterations != 0 ? ep_times.size() < options.iterations
                                     : timed < options.min_time_s) {
        double a = 0, c = 0;
        pair(a, c);
        ep_times.push_back(a);
        cmux_times.push_back(c);
        diffs.push_back(c - a);
        timed += a + c;
      }
      const double share = (cpu_seconds() - cpu0) / std::max(1e-12, since(wall0));
      const double ep_med = median(ep_times), cmux_med = median(cmux_times);
      if (ep_med + cmux_med < ep.per_call + cmux.per_call) {
        ep = {ep_med, share};
        cmux = {cmux_med, share};
        rotation = {median(diffs), share};
      }
    }
  }

  std::vector<Torus> extracted(p.big_dimension().value() + 1);
  const Timed se = time_stage(
      [&] {
        const auto t0 = Clock::now();
        for (int c = 0; c < kSmallCalls; ++c) sample_extract(extracted, acc, p.N, 0);
        return since(t0);
      },
      kSmallCalls, options);

  b.external_product_seconds = ep.per_call;
  b.cmux_seconds = cmux.per_call;
  const double cm = b.cmuxes;
  const double rows_d = static_cast<double>(rows);
  const double polys_d = static_cast<double>(polys);
  const double halfd = static_cast<double>(half);
  // The forward transform of a pre-twisted input is the complex FFT alone (the twist is done
  // in the decomposition pass); the inverse includes the untwist (fft_flops).
  const double fwd_flops = 5.0 * halfd * std::log2(halfd);
  const double mul_flops = 8.0 * polys_d * halfd;
  const double decomposition =
      ep.per_call - rows_d * (fwd.per_call + mul.per_call) - polys_d * inv.per_call;
  b.stages = {
      {"keyswitch", "key switch", 1, ks.per_call, false, 0, ks.cpu_share},
      {"modulus_switch", "modulus switch", 1, ms.per_call, false, 0, ms.cpu_share},
      {"init_accumulator", "accumulator init (X^-b)", 1, init.per_call, false, 0, init.cpu_share},
      {"decomposition", "decomposition+twist *", cm, decomposition, true, 0,
       std::min({ep.cpu_share, fwd.cpu_share, mul.cpu_share, inv.cpu_share})},
      {"forward_fft", "forward FFTs", cm * rows_d, fwd.per_call, false, cm * rows_d * fwd_flops,
       fwd.cpu_share},
      {"multiply_add", "Fourier multiply-add", cm * rows_d, mul.per_call, false,
       cm * rows_d * mul_flops, mul.cpu_share},
      {"inverse_fft", "inverse FFTs", cm * polys_d, inv.per_call, false,
       cm * polys_d * fft_flops(big_n), inv.cpu_share},
      {"rotation", "rotation X^a*ACC-ACC *", cm, rotation.per_call, true, 0, rotation.cpu_share},
      {"sample_extract", "sample extract", 1, se.per_call, false, 0, se.cpu_share},
  };
  b.whole = measure_op(fx, BenchOp::kKsPbs, 1, options);
  // The whole KS-PBS once more, each operation timed in this thread's CPU time (a KS-PBS
  // lasts several time slices, so wall-clock medians would not escape other load).
  {
    const std::unique_ptr<OpRunner> runner = make_runner(BenchOp::kKsPbs, fx);
    runner->run();
    std::vector<double> times;
    double best = INFINITY;
    for (std::size_t rep = 0; rep < std::max<std::size_t>(1, options.repetitions); ++rep) {
      times.clear();
      double timed = 0;
      while (options.iterations != 0 ? times.size() < options.iterations
                                     : timed < options.min_time_s) {
        const double t0 = thread_cpu_seconds();
        runner->run();
        times.push_back(thread_cpu_seconds() - t0);
        timed += times.back();
      }
      best = std::min(best, median(times));
    }
    b.whole_cpu_seconds = best;
  }
  return b;
}

void print_breakdown_table(std::ostream& out, const Breakdown& b,
                           const workbench::Environment& env) {
  const ParameterSet& p = *b.params;
  const double whole = b.whole_seconds();
  const double peak = env.peak_gflops() * 1e9;
  out << "# KS-PBS breakdown: " << p.display_name() << " (n=" << p.n.value() << " k=" << p.k.value()
      << " N=" << p.N.value() << " pbs " << p.pbs.base_log.value() << 'x' << p.pbs.levels.value()
      << " ks " << p.ks.base_log.value() << 'x' << p.ks.levels.value() << "), 1 thread, "
      << fixed(b.cmuxes, 0) << " CMUXes (non-zero switched mask elements)\n"
      << "# peak: " << env.peak_description() << "\n"
      << "# floor = flops / peak; 'of floor' = floor time / measured time (100% = at peak)\n"
      << "# * derived: decomposition = external product - FFTs - multiply-adds; rotation = CMUX"
         " - external product\n"
      << "# stage times: median of short timed chunks (robust to other load); KS-PBS: median "
         "thread CPU time per op\n";
  const auto row = [&out](const std::string& a, const std::string& calls, const std::string& us,
                          const std::string& ms, const std::string& share,
                          const std::string& floor_ms, const std::string& of_floor,
                          const std::string& cpu) {
    out << std::left << std::setw(26) << a << std::right << std::setw(9) << calls << std::setw(11)
        << us << std::setw(10) << ms << std::setw(8) << share << std::setw(11) << floor_ms
        << std::setw(9) << of_floor << std::setw(6) << cpu << '\n';
  };
  row("stage", "calls", "us/call", "ms/op", "share", "floor ms", "of floor", "cpu");
  for (const StageTime& s : b.stages) {
    const bool has_floor = s.flops > 0 && peak > 0;
    const double floor_s = has_floor ? s.flops / peak : 0;
    row(s.title, fixed(s.calls, 0), fixed(1e6 * s.seconds_per_call, 3), fixed(1e3 * s.seconds(), 3),
        fixed(100.0 * s.seconds() / whole, 1) + "%", has_floor ? fixed(1e3 * floor_s, 3) : "",
        has_floor ? fixed(100.0 * floor_s / s.seconds(), 1) + "%" : "",
        fixed(100.0 * s.cpu_share, 0) + "%");
  }
  row("stage sum", "", "", fixed(1e3 * b.stage_sum(), 3),
      fixed(100.0 * b.stage_sum() / whole, 1) + "%", "", "", "");
  row("measured KS-PBS (CPU time)", "", "", fixed(1e3 * whole, 3), "100.0%", "", "", "");
  row("  (wall clock, batch mean)", "", "", fixed(1e3 * b.whole_wall_seconds(), 3),
      fixed(100.0 * b.whole_wall_seconds() / whole, 1) + "%", "", "",
      fixed(100.0 * b.whole.cpu_share, 0) + "%");
  row("unexplained remainder", "", "", fixed(1e3 * b.remainder(), 3),
      fixed(100.0 * b.remainder() / whole, 1) + "%", "", "", "");
  out << "# isolated: external product " << fixed(1e6 * b.external_product_seconds, 2)
      << " us, CMUX " << fixed(1e6 * b.cmux_seconds, 2) << " us\n";
  out.flush();
}

std::string format_breakdown_json(const Breakdown& b, const workbench::Environment& env,
                                  std::uint64_t seed) {
  // The whole KS-PBS record first (its fields as the driver writes them), then the stages.
  std::string base = format_json(b.whole, seed, env);
  base.pop_back();  // the closing brace
  const std::string tag = "{\"op\": \"ks_pbs\"";
  if (base.starts_with(tag)) base = "{\"op\": \"ks_pbs_breakdown\"" + base.substr(tag.size());
  const double peak = env.peak_gflops() * 1e9;
  std::ostringstream s;
  s << base << ", \"cmuxes\": " << json_number(b.cmuxes, 6) << ", \"stages\": [";
  for (std::size_t i = 0; i < b.stages.size(); ++i) {
    const StageTime& st = b.stages[i];
    s << (i ? ", " : "") << "{\"stage\": " << json_quoted(st.key)
      << ", \"calls\": " << json_number(st.calls, 6)
      << ", \"us_per_call\": " << json_number(1e6 * st.seconds_per_call, 6)
      << ", \"ms_per_op\": " << json_number(1e3 * st.seconds(), 6)
      << ", \"derived\": " << (st.derived ? "true" : "false")
      << ", \"cpu_share\": " << json_number(st.cpu_share, 6);
    if (st.flops > 0 && peak > 0) {
      const double floor_s = st.flops / peak;
      s << ", \"flops\": " << json_number(st.flops, 6)
        << ", \"floor_ms\": " << json_number(1e3 * floor_s, 6)
        << ", \"fraction_of_floor\": " << json_number(floor_s / st.seconds(), 6);
    }
    s << '}';
  }
  s << "], \"stage_sum_ms\": " << json_number(1e3 * b.stage_sum(), 6)
    << ", \"whole_ms\": " << json_number(1e3 * b.whole_seconds(), 6)
    << ", \"whole_wall_ms\": " << json_number(1e3 * b.whole_wall_seconds(), 6)
    << ", \"remainder_ms\": " << json_number(1e3 * b.remainder(), 6)
    << ", \"external_product_us\": " << json_number(1e6 * b.external_product_seconds, 6)
    << ", \"cmux_us\": " << json_number(1e6 * b.cmux_seconds, 6) << '}';
  return s.str();
}

}  // namespace lutfhe::bench
