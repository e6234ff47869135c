// The host calibration of the cost model: the fit, its fallback, the file (round trip,
// malformed files refused with one line), where it is looked for, and that a calibration from
// another CPU is ignored; `lutfhe bench calibrate` through the real binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/host_calibration.hpp"
#include "core/errors.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/file_test_support.hpp"

namespace lutfhe::compiler {
namespace {

using testing::TempDir;

// Times a host with constants `m` would measure exactly.
std::vector<CalibrationPoint> exact_points(const CostModel& m) {
  std::vector<CalibrationPoint> pts;
  for (const std::string& name : default_calibration_sets()) {
    pts.push_back({name, estimate_ks_pbs_ms(find_parameter_set(name), m)});
  }
  return pts;
}

TEST(HostCalibration, FitRecoversTheConstantsOfAnExactHost) {
  CostModel host;
  host.ms_per_mflop_blind_rotation = 0.031;
  host.ms_per_mop_keyswitch = 0.2;
  const CostModel fitted = fit_cost_model(exact_points(host));
  EXPECT_NEAR(fitted.ms_per_mflop_blind_rotation, host.ms_per_mflop_blind_rotation, 1e-9);
  EXPECT_NEAR(fitted.ms_per_mop_keyswitch, host.ms_per_mop_keyswitch, 1e-9);
  // The multi-bit term is not fitted: it comes from the base model.
  CostModel base;
  base.ms_per_mib_multi_bit_key = 0.4;
  EXPECT_EQ(fit_cost_model(exact_points(host), base).ms_per_mib_multi_bit_key, 0.4);
}

TEST(HostCalibration, NoisyKeySwitchFallsBackToOneScaleFactor) {
  // Times that an unconstrained fit explains with a negative key-switch cost: the fit scales
  // the built-in constants instead, by the factor that fits best (here exactly 1.7 where all
  // times are 1.7 times the built-in estimates but one).
  std::vector<CalibrationPoint> pts = exact_points(CostModel{});
  for (auto& p : pts) p.measured_ms *= 1.7;
  pts[0].measured_ms *= 0.6;  // TFHE_LIB, the set with the largest key-switch share
  const CostModel m = fit_cost_model(pts);
  EXPECT_GT(m.ms_per_mflop_blind_rotation, 0.0);
  EXPECT_GT(m.ms_per_mop_keyswitch, 0.0);
  const double s = m.ms_per_mflop_blind_rotation / CostModel{}.ms_per_mflop_blind_rotation;
  EXPECT_NEAR(m.ms_per_mop_keyswitch / CostModel{}.ms_per_mop_keyswitch, s, 1e-12);
  EXPECT_GT(s, 1.0);
  EXPECT_LT(s, 1.7);
}

TEST(HostCalibration, FitRefusesTooFewOrBadPoints) {
  EXPECT_THROW(fit_cost_model(std::vector<CalibrationPoint>{{"PBS_4BIT", 12.0}}), InvalidArgument);
  EXPECT_THROW(fit_cost_model(std::vector<CalibrationPoint>{{"PBS_4BIT", 12.0}, {"TOY", -1.0}}),
               InvalidArgument);
  EXPECT_THROW(fit_cost_model(std::vector<CalibrationPoint>{{"PBS_4BIT", 12.0}, {"NOPE", 3.0}}),
               InvalidArgument);
  // A multi-bit point does not count towards the two classic ones.
  EXPECT_THROW(fit_cost_model(
                   std::vector<CalibrationPoint>{{"PBS_4BIT", 12.0}, {"PBS_4BIT_MB3_2M128", 60.0}}),
               InvalidArgument);
}

TEST(HostCalibration, FileRoundTripAndRefusals) {
  const TempDir dir("lutfhe-calibration");
  HostCalibration c;
  c.model.ms_per_mflop_blind_rotation = 0.09;
  c.model.ms_per_mop_keyswitch = 0.13;
  c.cpu_model = "Some \"CPU\" @ 2.80GHz";
  c.measured_at = "2026-12-06T12:00:00Z";
  c.points = {{"PBS_4BIT", 20.5}, {"TFHE_LIB", 15.25}};
  const auto path = dir / "sub" / "cost-model.json";
  save_host_calibration(path, c);
  const auto back = load_host_calibration(path);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->model.ms_per_mflop_blind_rotation, c.model.ms_per_mflop_blind_rotation);
  EXPECT_EQ(back->model.ms_per_mop_keyswitch, c.model.ms_per_mop_keyswitch);
  EXPECT_EQ(back->cpu_model, c.cpu_model);
  EXPECT_EQ(back->measured_at, c.measured_at);
  ASSERT_EQ(back->points.size(), 2u);
  EXPECT_EQ(back->points[1].params, "TFHE_LIB");
  EXPECT_EQ(back->points[1].measured_ms, 15.25);
  EXPECT_FALSE(load_host_calibration(dir / "absent.json").has_value());

  const std::string good = [&] {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const auto refused = [&](const std::string& text, const std::string& needle) {
    const auto bad = dir / "bad.json";
    std::ofstream(bad, std::ios::trunc) << text;
    try {
      load_host_calibration(bad);
      ADD_FAILURE() << "accepted: " << text.substr(0, 80);
    } catch (const InvalidArgument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("bad.json"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  };
  refused("{", "JSON");
  refused("[1, 2]", "JSON object");
  refused(std::string(70000, ' ') + good, "65536");
  refused(std::string(100, '[') + std::string(100, ']'), "nested");
  std::string other = good;
  other.replace(other.find("lutfhe-cost-model-v1"), 20, "lutfhe-cost-model-v9");
  refused(other, "format");
  std::string negative = good;
  negative.insert(negative.find("\"ms_per_mop_keyswitch\": ") + 24, "-");
  refused(negative, "ms_per_mop_keyswitch");
}

TEST(HostCalibration, PathAndCpuCheck) {
  const TempDir dir("lutfhe-calibration");
  const char* saved = std::getenv("LUTFHE_COST_MODEL");
  const std::string restore = saved ? saved : "";
  ::setenv("LUTFHE_COST_MODEL", (dir / "cm.json").c_str(), 1);
  EXPECT_EQ(host_calibration_path(), dir / "cm.json");
  std::string note;
  EXPECT_FALSE(host_calibration_for("X", &note).has_value());
  EXPECT_TRUE(note.empty()) << note;  // no file: nothing to say
  HostCalibration c;
  c.cpu_model = "CPU A";
  c.measured_at = "2026-12-06T12:00:00Z";
  save_host_calibration(dir / "cm.json", c);
  EXPECT_TRUE(host_calibration_for("CPU A", &note).has_value());
  EXPECT_FALSE(host_calibration_for("CPU B", &note).has_value());
  EXPECT_NE(note.find("CPU A"), std::string::npos) << note;
  std::ofstream(dir / "cm.json", std::ios::trunc) << "{}";
  EXPECT_FALSE(host_calibration_for("CPU A", &note).has_value());
  EXPECT_NE(note.find("ignored"), std::string::npos) << note;
  ::unsetenv("LUTFHE_COST_MODEL");
  ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  EXPECT_EQ(host_calibration_path(), dir / "lutfhe" / "cost-model.json");
  ::unsetenv("XDG_CACHE_HOME");
  if (!restore.empty()) ::setenv("LUTFHE_COST_MODEL", restore.c_str(), 1);
}

TEST(HostCalibration, BenchCalibrateWritesAFileTheLoaderReads) {
  const TempDir dir("lutfhe-calibration");
  const auto out = dir / "cm.json";
  const testing::CliResult r =
      testing::run_cli({"bench", "calibrate", "--params", "TOY,TFHE_LIB", "--min-time", "0.05",
                        "--repetitions", "1", "--out", out.string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("TFHE_LIB"), std::string::npos) << r.out;
  const auto c = load_host_calibration(out);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->points.size(), 2u);
  EXPECT_FALSE(c->cpu_model.empty());
  // Multi-bit sets cannot calibrate the classic constants.
  const testing::CliResult mb = testing::run_cli(
      {"bench", "calibrate", "--params", "PBS_4BIT_MB3_2M128,TOY", "--out", out.string()});
  EXPECT_EQ(mb.exit_code, 2) << mb.describe();
}

}  // namespace
}  // namespace lutfhe::compiler
