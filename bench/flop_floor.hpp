// A floor on the arithmetic each benchmarked operation must perform, so that a timing can be
// read as a rate (GFLOP/s achieved = floor / time). It counts only the work no TFHE
// implementation with this FFT layout avoids: the transforms and the Fourier-domain
// multiply-adds of the external products, and the integer multiply-adds of the key switch.
// Decomposition, rotation, rounding, modulus switch and sample extraction are not counted.
// The formulas are documented in bench/RESULTS.md.
#pragma once

#include <cstddef>

#include "bench/workload.hpp"
#include "core/parameters.hpp"

namespace lutfhe::bench {

// One negacyclic transform of size N: a complex FFT of size N/2 (5·(N/2)·log2(N/2) real
// flops, the classic radix-2 count) plus the twist (6 flops per complex value).
double fft_flops(std::size_t polynomial_size);
// (k+1)·l forward and k+1 inverse transforms, and (k+1)·l·(k+1)·N/2 complex
// multiply-adds of 8 flops.
double external_product_flops(const ParameterSet& p);
// n external products (one CMUX per bit of the small key).
double blind_rotate_flops(const ParameterSet& p);
// k·N·l_ks·(n+1) integer multiply-adds, 2 operations each.
double keyswitch_ops(const ParameterSet& p);

// The floor for one operation of the benchmark: pbs = blind rotation; ks_pbs and gate_nand =
// key switch + blind rotation; fft = one forward + one inverse transform.
double flop_floor(BenchOp op, const ParameterSet& p);

}  // namespace lutfhe::bench
