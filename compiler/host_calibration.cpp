#include "compiler/host_calibration.hpp"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <system_error>

#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/text_file.hpp"

namespace lutfhe::compiler {
namespace {

constexpr std::string_view kFormat = "lutfhe-cost-model-v1";
constexpr std::size_t kMaxFileBytes = 64 * 1024;
constexpr std::size_t kMaxPoints = 64;

[[noreturn]] void malformed(const std::filesystem::path& path, const std::string& what) {
  throw InvalidArgument(path.string() + ": not a lutfhe cost-model calibration: " + what);
}

double positive_number(const rapidjson::Value& doc, const char* field,
                       const std::filesystem::path& path) {
  const auto it = doc.FindMember(field);
  if (it == doc.MemberEnd() || !it->value.IsNumber() || !(it->value.GetDouble() > 0.0) ||
      !std::isfinite(it->value.GetDouble())) {
    malformed(path, std::string(field) + " must be a positive number");
  }
  return it->value.GetDouble();
}

std::string short_string(const rapidjson::Value& doc, const char* field,
                         const std::filesystem::path& path) {
  const auto it = doc.FindMember(field);
  if (it == doc.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() > 256) {
    malformed(path, std::string(field) + " must be a string of at most 256 characters");
  }
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::vector<std::string> default_calibration_sets() {
  return {"TFHE_LIB", "BOOL_128", "PBS_2BIT", "PBS_4BIT", "PBS_4BIT_2M128"};
}

CostModel fit_cost_model(std::span<const CalibrationPoint> points, const CostModel& base) {
  // Row i: (x_i, y_i) = (Mflop of the rotation, Mop of the key switch) / measured ms; the fit
  // solves the 2×2 normal equations of Σ (a·x_i + b·y_i − 1)².
  double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0;
  std::size_t used = 0;
  for (const CalibrationPoint& pt : points) {
    const ParameterSet& p = find_parameter_set(pt.params);
    if (!(pt.measured_ms > 0.0) || !std::isfinite(pt.measured_ms)) {
      throw InvalidArgument("calibration point " + pt.params + ": time must be positive");
    }
    if (p.multi_bit()) continue;  // its key-streaming term is not fitted here
    const double x = blind_rotation_flops(p) * 1e-6 / pt.measured_ms;
    const double y = keyswitch_operations(p) * 1e-6 / pt.measured_ms;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    sx += x;
    sy += y;
    ++used;
  }
  if (used < 2) {
    throw InvalidArgument("a cost-model calibration needs at least two classic parameter sets");
  }
  const double det = sxx * syy - sxy * sxy;
  if (!(std::abs(det) > 1e-12 * sxx * syy)) {
    throw InvalidArgument("the calibration sets do not separate rotation from key switch");
  }
  CostModel m = base;
  m.ms_per_mflop_blind_rotation = (sx * syy - sy * sxy) / det;
  m.ms_per_mop_keyswitch = (sy * sxx - sx * sxy) / det;
  if (m.ms_per_mflop_blind_rotation > 0.0 && m.ms_per_mop_keyswitch > 0.0) return m;
  // The key switch is a small share of every set's time, so noise can push its constant
  // below zero: then both built-in constants are scaled by one factor s minimising
  // Σ (s·e_i − 1)², e_i = built-in estimate / measured.
  double se = 0, see = 0;
  for (const CalibrationPoint& pt : points) {
    const ParameterSet& p = find_parameter_set(pt.params);
    if (p.multi_bit()) continue;
    const double e = estimate_ks_pbs_ms(p, base) / pt.measured_ms;
    se += e;
    see += e * e;
  }
  const double scale = se / see;
  m = base;
  m.ms_per_mflop_blind_rotation *= scale;
  m.ms_per_mop_keyswitch *= scale;
  return m;
}

std::filesystem::path host_calibration_path() {
  if (const char* p = std::getenv("LUTFHE_COST_MODEL"); p != nullptr && *p != '\0') return p;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::filesystem::path(x) / "lutfhe" / "cost-model.json";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::filesystem::path(h) / ".cache" / "lutfhe" / "cost-model.json";
  }
  return {};
}

void save_host_calibration(const std::filesystem::path& path, const HostCalibration& c) {
  std::string s =
      "{\"format\": " + json_quoted(kFormat) + ", \"cpu_model\": " + json_quoted(c.cpu_model) +
      ", \"measured_at\": " + json_quoted(c.measured_at) +
      ", \"ms_per_mflop_blind_rotation\": " + json_number(c.model.ms_per_mflop_blind_rotation) +
      ", \"ms_per_mop_keyswitch\": " + json_number(c.model.ms_per_mop_keyswitch) +
      ", \"ms_per_mib_multi_bit_key\": " + json_number(c.model.ms_per_mib_multi_bit_key) +
      ", \"points\": [";
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    s += (i ? ", " : "") + std::string("{\"params\": ") + json_quoted(c.points[i].params) +
         ", \"measured_ms\": " + json_number(c.points[i].measured_ms) + "}";
  }
  s += "]}\n";
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, s);
}

std::optional<HostCalibration> load_host_calibration(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const std::string text = read_file_limited(path, kMaxFileBytes, "a cost-model calibration");
  if (json_nesting_exceeded_at(text) != std::string_view::npos) malformed(path, "nested too deep");
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) malformed(path, "not a JSON object");
  if (short_string(doc, "format", path) != kFormat) {
    malformed(path, "format is not " + std::string(kFormat));
  }
  HostCalibration c;
  c.cpu_model = short_string(doc, "cpu_model", path);
  c.measured_at = short_string(doc, "measured_at", path);
  c.model.ms_per_mflop_blind_rotation = positive_number(doc, "ms_per_mflop_blind_rotation", path);
  c.model.ms_per_mop_keyswitch = positive_number(doc, "ms_per_mop_keyswitch", path);
  c.model.ms_per_mib_multi_bit_key = positive_number(doc, "ms_per_mib_multi_bit_key", path);
  const auto pts = doc.FindMember("points");
  if (pts == doc.MemberEnd() || !pts->value.IsArray() || pts->value.Size() > kMaxPoints) {
    malformed(path, "points must be an array of at most 64 entries");
  }
  for (const auto& v : pts->value.GetArray()) {
    if (!v.IsObject()) malformed(path, "a point is not an object");
    c.points.push_back({short_string(v, "params", path), positive_number(v, "measured_ms", path)});
  }
  return c;
}

std::optional<HostCalibration> host_calibration_for(std::string_view cpu_model, std::string* note) {
  if (note) note->clear();
  const std::filesystem::path path = host_calibration_path();
  if (path.empty()) return std::nullopt;
  std::optional<HostCalibration> c;
  try {
    c = load_host_calibration(path);
  } catch (const std::exception& e) {
    if (note) *note = std::string("cost-model calibration ignored: ") + e.what();
    return std::nullopt;
  }
  if (c && c->cpu_model != cpu_model) {
    if (note) {
      *note = "cost-model calibration " + path.string() + " ignored: measured on '" + c->cpu_model +
              "', this CPU is '" + std::string(cpu_model) + "' (run 'lutfhe bench calibrate')";
    }
    return std::nullopt;
  }
  return c;
}

}  // namespace lutfhe::compiler
