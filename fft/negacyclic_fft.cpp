#include "fft/negacyclic_fft.hpp"

#include <fftw3.h>
#include <unistd.h>
#include <bit>
#include <climits>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <string>

#include "fft/avx512.hpp"

namespace lutfhe {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// FFTW_MEASURE planning costs 0.2–0.9 s per size, so plans are remembered across processes in
// a wisdom file: $LUTFHE_FFTW_WISDOM, else $XDG_CACHE_HOME/lutfhe/fftw-wisdom, else
// ~/.cache/lutfhe/fftw-wisdom. LUTFHE_FFTW_WISDOM=off disables it. Called with the mutex held.
std::string wisdom_path() {
  if (const char* env = std::getenv("LUTFHE_FFTW_WISDOM")) {
    return std::string(env) == "off" ? std::string() : std::string(env);
  }
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::filesystem::path(home) / ".cache";
  } else {
    return {};
  }
  return (base / "lutfhe" / "fftw-wisdom").string();
}

void import_wisdom_once() {
  static bool done = false;
  if (done) return;
  done = true;
  const std::string path = wisdom_path();
  if (!path.empty()) fftw_import_wisdom_from_filename(path.c_str());  // absent file: no-op
}

// Written to a fresh temporary file (mkstemp: created exclusively, never through a link someone
// else put there) and renamed, so concurrent processes never see a partial file.
void export_wisdom() {
  const std::string path = wisdom_path();
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return;  // the cache is an optimisation: no wisdom file is no error
  FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    std::filesystem::remove(tmp, ec);
    return;
  }
  fftw_export_wisdom_to_file(f);
  const bool written = std::fflush(f) == 0 && !std::ferror(f);
  std::fclose(f);
  if (written) std::filesystem::rename(tmp, path, ec);
  if (!written || ec) std::filesystem::remove(tmp, ec);
}

// LUTFHE_FFTW_PLANNER=estimate skips measuring (faster start, slower transforms);
// patient searches longer. The default is FFTW_MEASURE.
unsigned planner_flag() {
  const char* env = std::getenv("LUTFHE_FFTW_PLANNER");
  if (env == nullptr) return FFTW_MEASURE;
  const std::string v(env);
  if (v == "estimate") return FFTW_ESTIMATE;
  if (v == "patient") return FFTW_PATIENT;
  return FFTW_MEASURE;
}

fftw_complex* as_fftw(Complex* p) {
  return reinterpret_cast<fftw_complex*>(p);
}

}  // namespace

const NegacyclicFft& NegacyclicFft::for_size(std::size_t polynomial_size) {
  // The mutex is created before the cache so that it outlives it at exit.
  std::mutex& mutex = planner_mutex();
  static std::map<std::size_t, std::unique_ptr<NegacyclicFft>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(polynomial_size);
  if (it == cache.end()) {
    import_wisdom_once();
    it = cache
             .emplace(polynomial_size,
                      std::unique_ptr<NegacyclicFft>(new NegacyclicFft(polynomial_size)))
             .first;
    export_wisdom();
  }
  return *it->second;
}

// Called with planner_mutex() held (from for_size).
NegacyclicFft::NegacyclicFft(std::size_t polynomial_size) : n_(polynomial_size) {
  if (n_ < 4 || !std::has_single_bit(n_)) {
    throw std::invalid_argument("polynomial size must be a power of two >= 4, got " +
                                std::to_string(n_));
  }
  const std::size_t half = n_ / 2;
  AlignedVector<Complex> probe(half);
  const int len = static_cast<int>(half);
  const unsigned flags = planner_flag();
  forward_plan_ =
      fftw_plan_dft_1d(len, as_fftw(probe.data()), as_fftw(probe.data()), FFTW_FORWARD, flags);
  backward_plan_ =
      fftw_plan_dft_1d(len, as_fftw(probe.data()), as_fftw(probe.data()), FFTW_BACKWARD, flags);
  AlignedVector<Complex> probe_out(half);
  // The forward input is always a work buffer, so FFTW may overwrite it.
  forward_oop_plan_ = fftw_plan_dft_1d(len, as_fftw(probe.data()), as_fftw(probe_out.data()),
                                       FFTW_FORWARD, flags | FFTW_DESTROY_INPUT);
  backward_oop_plan_ = fftw_plan_dft_1d(len, as_fftw(probe.data()), as_fftw(probe_out.data()),
                                        FFTW_BACKWARD, flags | FFTW_PRESERVE_INPUT);
  if (forward_plan_ == nullptr || backward_plan_ == nullptr || forward_oop_plan_ == nullptr ||
      backward_oop_plan_ == nullptr) {
    throw std::runtime_error("FFTW could not plan a transform of size " + std::to_string(half));
  }
  twist_re_.resize(half);
  twist_im_.resize(half);
  untwist_re_.resize(half);
  untwist_im_.resize(half);
  const double inv_half = 1.0 / static_cast<double>(half);
  for (std::size_t j = 0; j < half; ++j) {
    // Angles in long double so that every entry is correctly rounded to double.
    const long double angle = std::numbers::pi_v<long double> * static_cast<long double>(j) /
                              static_cast<long double>(n_);
    twist_re_[j] = static_cast<double>(std::cos(angle));
    twist_im_[j] = static_cast<double>(std::sin(angle));
    untwist_re_[j] = twist_re_[j] * inv_half;
    untwist_im_[j] = -twist_im_[j] * inv_half;
  }
  // Point j of the size-N/2 forward transform (sign −1) of the twisted fold of X^1 is
  // ω·exp(−2πi·j/(N/2)) = exp(iπ(1 − 4j)/N).
  const std::size_t two_n = 2 * n_;
  exponents_.resize(half);
  for (std::size_t j = 0; j < half; ++j) {
    exponents_[j] = static_cast<std::uint32_t>((1 + two_n * half - 4 * j) % two_n);
  }
  roots_.resize(two_n);
  for (std::size_t m = 0; m < two_n; ++m) {
    const long double angle = std::numbers::pi_v<long double> * static_cast<long double>(m) /
                              static_cast<long double>(n_);
    roots_[m] = Complex(static_cast<double>(std::cos(angle)), static_cast<double>(std::sin(angle)));
  }
}

NegacyclicFft::~NegacyclicFft() {
  std::lock_guard lock(planner_mutex());
  for (auto* plans : {&forward_batch_, &backward_batch_}) {
    for (auto& plan : *plans) {
      if (fftw_plan p = plan.load(); p != nullptr) fftw_destroy_plan(p);
    }
  }
  if (forward_plan_ != nullptr) fftw_destroy_plan(forward_plan_);
  if (backward_plan_ != nullptr) fftw_destroy_plan(backward_plan_);
  if (forward_oop_plan_ != nullptr) fftw_destroy_plan(forward_oop_plan_);
  if (backward_oop_plan_ != nullptr) fftw_destroy_plan(backward_oop_plan_);
}

void NegacyclicFft::check_sizes(std::size_t fourier_len, std::size_t poly_len,
                                const char* what) const {
  if (fourier_len != n_ / 2 || poly_len != n_) {
    throw std::invalid_argument(std::string(what) + ": transform is for N=" + std::to_string(n_) +
                                ", got a polynomial of " + std::to_string(poly_len) +
                                " and a Fourier buffer of " + std::to_string(fourier_len));
  }
}

namespace {

// Fold and twist: out_j = (lo_j + i·hi_j)·ω^j, written as interleaved re/im pairs.
template <class In, class Convert>
inline void fold_twist(double* __restrict out, const In* __restrict lo, const In* __restrict hi,
                       const double* __restrict wr, const double* __restrict wi, std::size_t half,
                       Convert convert) {
  for (std::size_t j = 0; j < half; ++j) {
    const double x = convert(lo[j]);
    const double y = convert(hi[j]);
    out[2 * j] = x * wr[j] - y * wi[j];
    out[2 * j + 1] = x * wi[j] + y * wr[j];
  }
}

}  // namespace

void NegacyclicFft::fold_twist_i64(double* o, const std::int64_t* in) const {
  const std::size_t half = n_ / 2;
#ifdef LUTFHE_AVX512
  if (half % 8 == 0) {
    // Eight coefficients at a time: convert, twist in split form, interleave into (re, im).
    const __m512i lo_idx = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i hi_idx = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    for (std::size_t j = 0; j < half; j += 8) {
      const __m512d x = _mm512_cvtepi64_pd(_mm512_loadu_si512(in + j));
      const __m512d y = _mm512_cvtepi64_pd(_mm512_loadu_si512(in + half + j));
      const __m512d wr = _mm512_load_pd(twist_re_.data() + j);
      const __m512d wi = _mm512_load_pd(twist_im_.data() + j);
      const __m512d re = _mm512_fmsub_pd(x, wr, _mm512_mul_pd(y, wi));
      const __m512d im = _mm512_fmadd_pd(x, wi, _mm512_mul_pd(y, wr));
      _mm512_store_pd(o + 2 * j, _mm512_permutex2var_pd(re, lo_idx, im));
      _mm512_store_pd(o + 2 * j + 8, _mm512_permutex2var_pd(re, hi_idx, im));
    }
    return;
  }
#endif
  fold_twist(o, in, in + half, twist_re_.data(), twist_im_.data(), half,
             [](std::int64_t v) { return static_cast<double>(v); });
}

void NegacyclicFft::forward_i64(std::span<Complex> out, std::span<const std::int64_t> in) const {
  check_sizes(out.size(), in.size(), "forward_i64");
  fold_twist_i64(reinterpret_cast<double*>(out.data()), in.data());
  fftw_execute_dft(forward_plan_, as_fftw(out.data()), as_fftw(out.data()));
}

void NegacyclicFft::forward_i64(std::span<Complex> out, std::span<const std::int64_t> in,
                                std::span<Complex> work) const {
  check_sizes(out.size(), in.size(), "forward_i64");
  check_sizes(work.size(), in.size(), "forward_i64 work");
  fold_twist_i64(reinterpret_cast<double*>(work.data()), in.data());
  fftw_execute_dft(forward_oop_plan_, as_fftw(work.data()), as_fftw(out.data()));
}

void NegacyclicFft::forward_twisted(std::span<Complex> out, std::span<Complex> twisted) const {
  check_sizes(out.size(), n_, "forward_twisted");
  check_sizes(twisted.size(), n_, "forward_twisted input");
  fftw_execute_dft(forward_oop_plan_, as_fftw(twisted.data()), as_fftw(out.data()));
}

fftw_plan NegacyclicFft::batch_plan(std::size_t count, bool forward) const {
  auto& slot = (forward ? forward_batch_ : backward_batch_)[count];
  if (fftw_plan p = slot.load(std::memory_order_acquire); p != nullptr) return p;
  std::lock_guard lock(planner_mutex());
  if (fftw_plan p = slot.load(std::memory_order_relaxed); p != nullptr) return p;
  const int len = static_cast<int>(n_ / 2);
  AlignedVector<Complex> in(count * n_ / 2), out(count * n_ / 2);
  fftw_plan p = fftw_plan_many_dft(
      1, &len, static_cast<int>(count), as_fftw(in.data()), nullptr, 1, len, as_fftw(out.data()),
      nullptr, 1, len, forward ? FFTW_FORWARD : FFTW_BACKWARD, planner_flag() | FFTW_DESTROY_INPUT);
  if (p == nullptr) {
    throw std::runtime_error("FFTW could not plan " + std::to_string(count) +
                             " transforms of size " + std::to_string(len));
  }
  slot.store(p, std::memory_order_release);
  export_wisdom();
  return p;
}

void NegacyclicFft::forward_twisted_batch(std::span<Complex> out, std::span<Complex> twisted,
                                          std::size_t count) const {
  const std::size_t half = n_ / 2;
  if (out.size() != count * half || twisted.size() != count * half) {
    throw std::invalid_argument("forward_twisted_batch: " + std::to_string(count) +
                                " transforms of N=" + std::to_string(n_) + " need " +
                                std::to_string(count * half) + " values, got " +
                                std::to_string(twisted.size()) + " in and " +
                                std::to_string(out.size()) + " out");
  }
  if (count == 0) return;
  if (count > kMaxBatch) {
    for (std::size_t b = 0; b < count; ++b) {
      forward_twisted(out.subspan(b * half, half), twisted.subspan(b * half, half));
    }
    return;
  }
  fftw_execute_dft(batch_plan(count, true), as_fftw(twisted.data()), as_fftw(out.data()));
}

void NegacyclicFft::backward_add_torus_batch(std::span<std::uint64_t> out, std::span<Complex> in,
                                             std::span<Complex> work, std::size_t count) const {
  const std::size_t half = n_ / 2;
  if (out.size() != count * n_ || in.size() != count * half || work.size() != count * half) {
    throw std::invalid_argument("backward_add_torus_batch: " + std::to_string(count) +
                                " polynomials of N=" + std::to_string(n_) + " do not match " +
                                std::to_string(out.size()) + " outputs, " +
                                std::to_string(in.size()) + " inputs and " +
                                std::to_string(work.size()) + " work values");
  }
  if (count == 0) return;
  if (count > kMaxBatch) {
    for (std::size_t c = 0; c < count; ++c) {
      backward_add_torus(out.subspan(c * n_, n_), in.subspan(c * half, half));
    }
    return;
  }
  fftw_execute_dft(batch_plan(count, false), as_fftw(in.data()), as_fftw(work.data()));
  for (std::size_t c = 0; c < count; ++c) {
    untwist_round_add(out.data() + c * n_, reinterpret_cast<const double*>(work.data() + c * half));
  }
}

void NegacyclicFft::forward_torus(std::span<Complex> out, std::span<const std::uint64_t> in) const {
  check_sizes(out.size(), in.size(), "forward_torus");
  const std::size_t half = n_ / 2;
  fold_twist(reinterpret_cast<double*>(out.data()), in.data(), in.data() + half, twist_re_.data(),
             twist_im_.data(), half,
             [](std::uint64_t v) { return static_cast<double>(static_cast<std::int64_t>(v)); });
  fftw_execute_dft(forward_plan_, as_fftw(out.data()), as_fftw(out.data()));
}

void NegacyclicFft::forward_f64(std::span<Complex> out, std::span<const double> in) const {
  check_sizes(out.size(), in.size(), "forward_f64");
  const std::size_t half = n_ / 2;
  fold_twist(reinterpret_cast<double*>(out.data()), in.data(), in.data() + half, twist_re_.data(),
             twist_im_.data(), half, [](double v) { return v; });
  fftw_execute_dft(forward_plan_, as_fftw(out.data()), as_fftw(out.data()));
}

void NegacyclicFft::inverse_untwist(std::span<Complex> buf) const {
  fftw_execute_dft(backward_plan_, as_fftw(buf.data()), as_fftw(buf.data()));
  double* d = reinterpret_cast<double*>(buf.data());
  const double* wr = untwist_re_.data();
  const double* wi = untwist_im_.data();
  for (std::size_t j = 0; j < n_ / 2; ++j) {
    const double x = d[2 * j];
    const double y = d[2 * j + 1];
    d[2 * j] = x * wr[j] - y * wi[j];
    d[2 * j + 1] = x * wi[j] + y * wr[j];
  }
}

// d holds the inverse FFT output (not yet untwisted); out += round(untwist(d)) mod 2^64.
void NegacyclicFft::untwist_round_add(std::uint64_t* out, const double* d) const {
  const std::size_t half = n_ / 2;
  std::uint64_t* lo = out;
  std::uint64_t* hi = out + half;
#ifdef LUTFHE_AVX512
  if (half % 8 == 0) {
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512d inv_q = _mm512_set1_pd(0x1p-64);
    const __m512d q = _mm512_set1_pd(0x1p64);
    for (std::size_t j = 0; j < half; j += 8) {
      const __m512d v0 = _mm512_load_pd(d + 2 * j);
      const __m512d v1 = _mm512_load_pd(d + 2 * j + 8);
      const __m512d x = _mm512_permutex2var_pd(v0, even, v1);
      const __m512d y = _mm512_permutex2var_pd(v0, odd, v1);
      const __m512d wr = _mm512_load_pd(untwist_re_.data() + j);
      const __m512d wi = _mm512_load_pd(untwist_im_.data() + j);
      __m512d re = _mm512_fmsub_pd(x, wr, _mm512_mul_pd(y, wi));
      __m512d im = _mm512_fmadd_pd(x, wi, _mm512_mul_pd(y, wr));
      // Reduce modulo 2^64 as round_to_torus does, eight lanes at once.
      re = _mm512_fnmadd_pd(
          _mm512_roundscale_pd(_mm512_mul_pd(re, inv_q), _MM_FROUND_TO_NEAREST_INT), q, re);
      im = _mm512_fnmadd_pd(
          _mm512_roundscale_pd(_mm512_mul_pd(im, inv_q), _MM_FROUND_TO_NEAREST_INT), q, im);
      const __m512i r = _mm512_cvtpd_epi64(re);
      const __m512i i = _mm512_cvtpd_epi64(im);
      _mm512_storeu_si512(lo + j, _mm512_add_epi64(_mm512_loadu_si512(lo + j), r));
      _mm512_storeu_si512(hi + j, _mm512_add_epi64(_mm512_loadu_si512(hi + j), i));
    }
    return;
  }
#endif
  const double* wr = untwist_re_.data();
  const double* wi = untwist_im_.data();
  for (std::size_t j = 0; j < half; ++j) {
    const double x = d[2 * j];
    const double y = d[2 * j + 1];
    lo[j] += round_to_torus(x * wr[j] - y * wi[j]);
    hi[j] += round_to_torus(x * wi[j] + y * wr[j]);
  }
}

void NegacyclicFft::backward_add_torus(std::span<std::uint64_t> out, std::span<Complex> in) const {
  check_sizes(in.size(), out.size(), "backward_add_torus");
  fftw_execute_dft(backward_plan_, as_fftw(in.data()), as_fftw(in.data()));
  untwist_round_add(out.data(), reinterpret_cast<const double*>(in.data()));
}

void NegacyclicFft::backward_add_torus(std::span<std::uint64_t> out, std::span<const Complex> in,
                                       std::span<Complex> work) const {
  check_sizes(in.size(), out.size(), "backward_add_torus");
  check_sizes(work.size(), out.size(), "backward_add_torus work");
  // FFTW's new-array execute takes a non-const input; out-of-place plans leave it unchanged.
  fftw_execute_dft(backward_oop_plan_, as_fftw(const_cast<Complex*>(in.data())),
                   as_fftw(work.data()));
  untwist_round_add(out.data(), reinterpret_cast<const double*>(work.data()));
}

void NegacyclicFft::backward_torus(std::span<std::uint64_t> out, std::span<Complex> in) const {
  check_sizes(in.size(), out.size(), "backward_torus");
  inverse_untwist(in);
  const double* d = reinterpret_cast<const double*>(in.data());
  const std::size_t half = n_ / 2;
  for (std::size_t j = 0; j < half; ++j) {
    out[j] = round_to_torus(d[2 * j]);
    out[j + half] = round_to_torus(d[2 * j + 1]);
  }
}

void NegacyclicFft::backward_f64(std::span<double> out, std::span<Complex> in) const {
  check_sizes(in.size(), out.size(), "backward_f64");
  inverse_untwist(in);
  const double* d = reinterpret_cast<const double*>(in.data());
  const std::size_t half = n_ / 2;
  for (std::size_t j = 0; j < half; ++j) {
    out[j] = d[2 * j];
    out[j + half] = d[2 * j + 1];
  }
}

void fourier_multiply_add(std::span<Complex> acc, std::span<const Complex> a,
                          std::span<const Complex> b) {
  if (a.size() != acc.size() || b.size() != acc.size()) {
    throw std::invalid_argument("fourier_multiply_add: sizes " + std::to_string(acc.size()) + ", " +
                                std::to_string(a.size()) + ", " + std::to_string(b.size()) +
                                " differ");
  }
  double* __restrict r = reinterpret_cast<double*>(acc.data());
  const double* __restrict x = reinterpret_cast<const double*>(a.data());
  const double* __restrict y = reinterpret_cast<const double*>(b.data());
  std::size_t j = 0;
#ifdef LUTFHE_AVX512
  // Four complex values per register, interleaved (re, im): with x = (xr, xi) and y = (yr, yi),
  // acc += xr·(yr, yi) + xi·(−yi, yr).
  const __m512d flip = _mm512_castsi512_pd(
      _mm512_setr_epi64(INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0));
  for (; j + 4 <= acc.size(); j += 4) {
    const __m512d xv = _mm512_load_pd(x + 2 * j);
    const __m512d yv = _mm512_load_pd(y + 2 * j);
    const __m512d xr = _mm512_movedup_pd(xv);
    const __m512d xi = _mm512_xor_pd(_mm512_permute_pd(xv, 0xFF), flip);
    const __m512d ys = _mm512_permute_pd(yv, 0x55);
    __m512d rv = _mm512_load_pd(r + 2 * j);
    rv = _mm512_fmadd_pd(xr, yv, rv);
    rv = _mm512_fmadd_pd(xi, ys, rv);
    _mm512_store_pd(r + 2 * j, rv);
  }
#endif
  for (; j < acc.size(); ++j) {
    const double xr = x[2 * j], xi = x[2 * j + 1], yr = y[2 * j], yi = y[2 * j + 1];
    r[2 * j] += xr * yr - xi * yi;
    r[2 * j + 1] += xr * yi + xi * yr;
  }
}

void fourier_multiply_add_blocks(std::span<Complex> acc, std::span<const Complex> a,
                                 std::span<const Complex> b, std::size_t count) {
  const std::size_t len = a.size();
  if (acc.size() != count * len || b.size() != count * len) {
    throw std::invalid_argument("fourier_multiply_add_blocks: " + std::to_string(count) +
                                " blocks of " + std::to_string(len) + " do not match sizes " +
                                std::to_string(acc.size()) + " and " + std::to_string(b.size()));
  }
#ifdef LUTFHE_AVX512
  if (len % 4 == 0 && count <= 8) {
    double* __restrict r = reinterpret_cast<double*>(acc.data());
    const double* __restrict x = reinterpret_cast<const double*>(a.data());
    const double* __restrict y = reinterpret_cast<const double*>(b.data());
    const __m512d flip = _mm512_castsi512_pd(
        _mm512_setr_epi64(INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0));
    for (std::size_t j = 0; j < len; j += 4) {
      const __m512d xv = _mm512_load_pd(x + 2 * j);
      const __m512d xr = _mm512_movedup_pd(xv);
      const __m512d xi = _mm512_xor_pd(_mm512_permute_pd(xv, 0xFF), flip);
      for (std::size_t c = 0; c < count; ++c) {
        const std::size_t off = 2 * (c * len + j);
        const __m512d yv = _mm512_load_pd(y + off);
        __m512d rv = _mm512_load_pd(r + off);
        rv = _mm512_fmadd_pd(xr, yv, rv);
        rv = _mm512_fmadd_pd(xi, _mm512_permute_pd(yv, 0x55), rv);
        _mm512_store_pd(r + off, rv);
      }
    }
    return;
  }
#endif
  for (std::size_t c = 0; c < count; ++c) {
    fourier_multiply_add(acc.subspan(c * len, len), a, b.subspan(c * len, len));
  }
}

}  // namespace lutfhe
