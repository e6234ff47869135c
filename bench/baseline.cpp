#include "bench/baseline.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>

#include "bench/bench_driver.hpp"
#include "core/json_text.hpp"
#include "core/text_file.hpp"

namespace lutfhe::bench {
namespace {

constexpr const char* kNumericFields[7] = {"n",          "k",           "N",        "pbs_base_log",
                                           "pbs_levels", "ks_base_log", "ks_levels"};
constexpr double kDisturbedShare = 0.95;

BenchRecord record_from(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsObject()) throw UsageError(where + ": expected a JSON object");
  const auto need = [&](const char* field) -> const rapidjson::Value& {
    const auto it = v.FindMember(field);
    if (it == v.MemberEnd()) {
      throw UsageError(where + ": record has no \"" + field + "\" field");
    }
    return it->value;
  };
  BenchRecord r;
  const rapidjson::Value& op = need("op");
  const rapidjson::Value& params = need("params");
  const rapidjson::Value& threads = need("threads");
  const rapidjson::Value& ms = need("ms_per_op");
  if (!op.IsString() || !params.IsString() || !threads.IsInt() || !ms.IsNumber()) {
    throw UsageError(where +
                     ": op and params must be strings, threads an integer and ms_per_op a "
                     "number");
  }
  r.op = op.GetString();
  r.params = params.GetString();
  r.threads = threads.GetInt();
  r.ms_per_op = ms.GetDouble();
  if (const auto it = v.FindMember("cpu_share"); it != v.MemberEnd() && it->value.IsNumber()) {
    r.cpu_share = it->value.GetDouble();
  }
  for (int i = 0; i < 7; ++i) {
    if (const auto it = v.FindMember(kNumericFields[i]);
        it != v.MemberEnd() && it->value.IsInt64()) {
      r.numeric[i] = it->value.GetInt64();
    }
  }
  return r;
}

void parse_document(rapidjson::Document& doc, std::string_view text, const std::string& where) {
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    throw UsageError(where + ": invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) +
                     ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
}

}  // namespace

std::vector<BenchRecord> parse_bench_records(std::string_view text, std::string_view origin) {
  std::vector<BenchRecord> records;
  const std::string name(origin);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return records;
  // A whole-file array, or a sweep.json object with a "points" array; else JSON lines.
  if (const std::size_t at = json_nesting_exceeded_at(text); at != std::string_view::npos) {
    throw UsageError(name + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                     " levels deep at offset " + std::to_string(at));
  }
  rapidjson::Document whole;
  whole.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  const bool is_sweep = !whole.HasParseError() && whole.IsObject() && whole.HasMember("points") &&
                        whole["points"].IsArray();
  if (text[first] == '[' || is_sweep) {
    if (!is_sweep) parse_document(whole, text, name);
    if (!whole.IsArray() && !is_sweep) throw UsageError(name + ": expected an array");
    const rapidjson::Value& list = is_sweep ? whole["points"] : whole;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      const rapidjson::Value& v = list[i];
      // Sweep points that were skipped have no timing.
      if (v.IsObject() && v.HasMember("status") && v["status"].IsString() &&
          std::string_view(v["status"].GetString()) != "ok") {
        continue;
      }
      records.push_back(record_from(v, name + ": record " + std::to_string(i + 1)));
    }
    return records;
  }
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    const std::size_t s = line.find_first_not_of(" \t\r");
    if (s == std::string_view::npos || line[s] == '#') continue;
    const std::string where = name + ":" + std::to_string(line_no);
    rapidjson::Document doc;
    parse_document(doc, line, where);
    records.push_back(record_from(doc, where));
  }
  return records;
}

std::vector<BenchRecord> read_bench_records(const std::filesystem::path& path) {
  return parse_bench_records(read_file_limited(path, kMaxModelFileBytes, "a benchmark record file"),
                             path.string());
}

const BenchRecord* find_matching_record(const std::vector<BenchRecord>& records,
                                        const BenchRecord& r) {
  for (const BenchRecord& c : records) {
    if (c.op != r.op || c.params != r.params || c.threads != r.threads) continue;
    bool same = true;
    for (int i = 0; i < 7; ++i) {
      if (c.numeric[i] >= 0 && r.numeric[i] >= 0 && c.numeric[i] != r.numeric[i]) same = false;
    }
    if (same) return &c;
  }
  return nullptr;
}

Comparison compare_records(const BenchRecord& now, const BenchRecord& baseline, double noise) {
  Comparison c;
  c.ratio = baseline.ms_per_op > 0 ? now.ms_per_op / baseline.ms_per_op : 0.0;
  c.disturbed = now.cpu_share < kDisturbedShare || baseline.cpu_share < kDisturbedShare;
  if (c.ratio < 1.0 / (1.0 + noise)) {
    c.verdict = "faster";
  } else if (c.ratio > 1.0 + noise) {
    c.verdict = "slower";
  } else {
    c.verdict = "same";
  }
  return c;
}

}  // namespace lutfhe::bench
