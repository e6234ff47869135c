#include "models/samples.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
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

namespace {

// Bounds on what a sample file can make the loader hold: a line (one sample) and all values.
constexpr std::size_t kMaxCsvLineBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxSampleValues = std::size_t{1} << 27;

RealSample parse_csv_line(const std::string& line, const std::filesystem::path& path,
                          std::size_t line_no) {
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
      throw InvalidArgument(path.string() + ":" + std::to_string(line_no) + ": '" +
                            field.substr(0, 40) + "' is not a number");
    }
    s.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return s;
}

}  // namespace

std::vector<RealSample> load_csv_samples(const std::filesystem::path& path, std::size_t max_count) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw FileAccessError(path.string() + ": is a directory, not a file of samples");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw FileAccessError(path.string() + ": cannot open for reading");
  std::vector<RealSample> out;
  std::size_t values = 0;
  std::size_t line_no = 0;
  std::string line;
  const auto finish_line = [&] {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] != '#') {
      out.push_back(parse_csv_line(line, path, line_no));
      values += out.back().size();
      if (values > kMaxSampleValues) {
        throw LimitExceeded(path.string() + ": more than 2^27 sample values");
      }
    }
    line.clear();
  };
  char buffer[1 << 16];
  while (!(max_count && out.size() >= max_count)) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, f.get());
    for (std::size_t i = 0; i < got && !(max_count && out.size() >= max_count); ++i) {
      if (buffer[i] == '\n') {
        finish_line();
      } else {
        line.push_back(buffer[i]);
        if (line.size() > kMaxCsvLineBytes) {
          throw LimitExceeded(path.string() + ":" + std::to_string(line_no + 1) +
                              ": a line longer than 16 MiB is not a sample");
        }
      }
    }
    if (got < sizeof buffer) {
      if (std::ferror(f.get())) throw FileAccessError(path.string() + ": read error");
      break;
    }
  }
  if (!line.empty() && !(max_count && out.size() >= max_count)) finish_line();
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

std::vector<int> load_labels(const std::filesystem::path& path, std::size_t max_count) {
  const std::string name = path.filename().string();
  for (const std::string& suffix : idx_sample_suffixes()) {
    if (name.size() >= suffix.size() && name.ends_with(suffix)) {
      const std::vector<std::uint8_t> bytes = load_idx_labels(path, max_count);
      return std::vector<int>(bytes.begin(), bytes.end());
    }
  }
  std::vector<int> labels;
  const std::vector<RealSample> rows = load_csv_samples(path, max_count);
  labels.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RealSample& row = rows[i];
    if (row.size() != 1 || row[0] != std::floor(row[0]) || row[0] < 0 || row[0] > 1e6) {
      throw InvalidArgument(path.string() + ": label " + std::to_string(i + 1) +
                            ": expected one non-negative integer per line");
    }
    labels.push_back(static_cast<int>(row[0]));
  }
  return labels;
}

}  // namespace lutfhe::models
