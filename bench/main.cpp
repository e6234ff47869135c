// lutfhe_bench: times bootstrapping and its parts per parameter set and thread count, the same
// as `lutfhe bench` (options: bench/bench_options.hpp, or 'lutfhe_bench --help').
#include "bench/bench_options.hpp"

int main(int argc, char** argv) {
  return lutfhe::bench::bench_main(argc, argv);
}
