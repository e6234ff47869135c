// `lutfhe bench --baseline FILE.json`: each result's ratio to the matching record of an
// earlier run. Records match on op, parameter-set name, thread count and, where both records
// carry them, the numeric parameters (n, k, N and the two decompositions), so a custom or
// swept set never matches a named one by accident.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lutfhe::bench {

struct BenchRecord {
  std::string op;
  std::string params;
  int threads = 0;
  double ms_per_op = 0;
  double cpu_share = 1;  // 1 when the record has none
  // n, k, N, pbs_base_log, pbs_levels, ks_base_log, ks_levels; -1 where absent.
  long long numeric[7] = {-1, -1, -1, -1, -1, -1, -1};
};

// Records from the driver's --json output: one JSON object per line (blank and '#' lines
// skipped), or one JSON array of objects, or an object with a "points" array (sweep.json).
// UsageError naming `origin` and the line for malformed input or a record without op,
// params, threads or ms_per_op.
std::vector<BenchRecord> parse_bench_records(std::string_view text, std::string_view origin);
std::vector<BenchRecord> read_bench_records(const std::filesystem::path& path);

// The record of `records` that matches `r`, or nullptr.
const BenchRecord* find_matching_record(const std::vector<BenchRecord>& records,
                                        const BenchRecord& r);

struct Comparison {
  double ratio = 0;        // new ms_per_op / baseline ms_per_op: below 1 is faster
  std::string verdict;     // "faster", "slower", "same" (within noise)
  bool disturbed = false;  // either record's CPU share is below 0.95: other load interfered
  std::string label() const { return disturbed ? verdict + " (disturbed)" : verdict; }
};

// `noise` is the relative change below which a difference is not reported (0.05 = 5 %).
Comparison compare_records(const BenchRecord& now, const BenchRecord& baseline, double noise);

}  // namespace lutfhe::bench
