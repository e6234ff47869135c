// lutfhe_bench: times bootstrapping and its parts per parameter set and thread count.
// See bench/bench_driver.hpp for the options and the output format.
#include <string>
#include <vector>

#include "bench/bench_driver.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return lutfhe::bench::bench_main(args);
}
