#include "models/samples.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "core/errors.hpp"
#include "models/idx.hpp"

namespace lutfhe::models {
namespace {

std::mutex registry_mutex;
// The built-in formats are in the map before any lookup or registration (so a later
// register_sample_format can still replace them), and registered here rather than by static
// objects in their own files, which the linker would drop from a static library.
std::map<std::string, SampleLoader> builtin_formats() {
  std::map<std::string, SampleLoader> formats;
  for (const auto& suffix : idx_sample_suffixes()) formats[suffix] = load_idx_samples;
  return formats;
}

std::map<std::string, SampleLoader>& registry() {
  static std::map<std::string, SampleLoader> formats = builtin_formats();
  return formats;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void register_sample_format(const std::string& suffix, SampleLoader loader) {
  std::lock_guard lock(registry_mutex);
  registry()[suffix] = std::move(loader);
}

std::vector<RealSample> load_csv_samples(const std::filesystem::path& path, std::size_t max_count) {
  std::ifstream in(path);
  if (!in) throw InvalidArgument(path.string() + ": cannot open for reading");
  std::vector<RealSample> out;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    RealSample s;
    std::size_t pos = 0;
    while (pos <= line.size()) {
      const std::size_t comma = line.find(',', pos);
      const std::string field =
          line.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      const bool rest_blank = end && std::string(end).find_first_not_of(" \t") == std::string::npos;
      if (end == field.c_str() || !rest_blank || !std::isfinite(v)) {
        throw InvalidArgument(path.string() + ":" + std::to_string(line_no) + ": '" + field +
                              "' is not a number");
      }
      s.push_back(v);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    out.push_back(std::move(s));
    if (max_count && out.size() == max_count) break;
  }
  return out;
}

std::vector<RealSample> load_samples(const std::filesystem::path& path, std::size_t max_count,
                                     std::size_t values_per_sample) {
  SampleLoader loader;
  {
    std::lock_guard lock(registry_mutex);
    std::size_t best = 0;
    for (const auto& [suffix, fn] : registry()) {
      if (suffix.size() > best && ends_with(path.filename().string(), suffix)) {
        best = suffix.size();
        loader = fn;
      }
    }
  }
  std::vector<RealSample> samples =
      loader ? loader(path, max_count) : load_csv_samples(path, max_count);
  if (samples.empty()) throw InvalidArgument(path.string() + ": no samples");
  if (values_per_sample) {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (samples[i].size() != values_per_sample) {
        throw InvalidArgument(path.string() + ": sample " + std::to_string(i + 1) + " has " +
                              std::to_string(samples[i].size()) + " values, the model takes " +
                              std::to_string(values_per_sample));
      }
    }
  }
  return samples;
}

}  // namespace lutfhe::models
