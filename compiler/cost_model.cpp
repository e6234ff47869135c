#include "compiler/cost_model.hpp"

#include <cmath>
#include <cstdio>

#include "core/entities/ggsw_ciphertext.hpp"

namespace lutfhe::compiler {
namespace {

double transform_flops(double big_n) {
  const double m = big_n / 2.0;
  return 5.0 * m * std::log2(m) + 6.0 * m;
}

}  // namespace

double blind_rotation_flops(const ParameterSet& p) {
  const double k1 = static_cast<double>(p.k.value() + 1);
  const double l = static_cast<double>(p.pbs.levels.value());
  const double big_n = static_cast<double>(p.N.value());
  const double ep = (k1 * l + k1) * transform_flops(big_n) + 8.0 * k1 * k1 * l * (big_n / 2.0);
  if (p.multi_bit()) {
    // Per group: one external product after summing 2^g rotated GGSWs in the Fourier domain
    // (2^g − 1 complex multiply-adds per GGSW value).
    const double patterns = static_cast<double>(ggsws_per_group(p.grouping));
    const double combine = (patterns - 1.0) * 8.0 * k1 * k1 * l * (big_n / 2.0);
    return static_cast<double>(p.n.value() / p.grouping) * (ep + combine);
  }
  return static_cast<double>(p.n.value()) * ep;
}

double keyswitch_operations(const ParameterSet& p) {
  return 2.0 * static_cast<double>(p.big_dimension().value()) *
         static_cast<double>(p.ks.levels.value()) * static_cast<double>(p.n.value() + 1);
}

double estimate_ks_pbs_ms(const ParameterSet& p, const CostModel& model) {
  double ms = model.ms_per_mflop_blind_rotation * blind_rotation_flops(p) * 1e-6 +
              model.ms_per_mop_keyswitch * keyswitch_operations(p) * 1e-6;
  if (p.multi_bit()) {
    const double key_mib = fourier_bootstrap_key_bytes(p) / (1024.0 * 1024.0);
    ms += model.ms_per_mib_multi_bit_key * key_mib;
  }
  return ms;
}

double evaluation_key_bytes(const ParameterSet& p) {
  const double k1 = static_cast<double>(p.k.value() + 1);
  const double bsk = static_cast<double>(p.bootstrap_ggsw_count()) * k1 * k1 *
                     static_cast<double>(p.pbs.levels.value()) * static_cast<double>(p.N.value());
  const double ksk = static_cast<double>(p.big_dimension().value()) *
                     static_cast<double>(p.ks.levels.value()) *
                     static_cast<double>(p.n.value() + 1);
  return 8.0 * (bsk + ksk);
}

double fourier_bootstrap_key_bytes(const ParameterSet& p) {
  return static_cast<double>(p.bootstrap_ggsw_count()) *
         static_cast<double>(fourier_ggsw_size(p.k, p.N, p.pbs.levels)) * 16.0;
}

double ciphertext_bytes(const ParameterSet& p) {
  return 8.0 * static_cast<double>(p.big_dimension().value() + 1);
}

std::string format_bytes(double b) {
  char buf[64];
  if (b >= 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  } else if (b >= 1024.0 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  } else if (b >= 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  }
  return buf;
}

}  // namespace lutfhe::compiler
