// Loading input samples (real values) for calibration, encryption and prediction. CSV is
// built in: one sample per line, comma-separated numbers, '#' comments and blank lines
// skipped. IDX (models/idx.hpp: ".idx", ".idx.gz", "-ubyte", "-ubyte.gz", plain or gzipped) is
// built in too. Other formats plug in through register_sample_format, keyed by file name
// suffix.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "compiler/tensor.hpp"

namespace lutfhe::models {

using RealSample = compiler::RealSample;

// Reads at most `max_count` samples (0: all).
using SampleLoader = std::function<std::vector<RealSample>(const std::filesystem::path& path,
                                                           std::size_t max_count)>;

// Makes load_samples use `loader` for files whose name ends with `suffix` (".idx", ".idx.gz").
// A later registration of the same suffix replaces the earlier one.
void register_sample_format(const std::string& suffix, SampleLoader loader);

std::vector<RealSample> load_csv_samples(const std::filesystem::path& path,
                                         std::size_t max_count = 0);

// Dispatches on the suffix (CSV for anything not registered). When `values_per_sample` is not
// 0, every sample must have exactly that many values (InvalidArgument naming the line
// otherwise).
std::vector<RealSample> load_samples(const std::filesystem::path& path, std::size_t max_count = 0,
                                     std::size_t values_per_sample = 0);

// Class labels, one per sample: a CSV with one non-negative integer per line, or an IDX label
// file (1-D unsigned bytes). InvalidArgument naming the line for anything else.
std::vector<int> load_labels(const std::filesystem::path& path, std::size_t max_count = 0);

}  // namespace lutfhe::models
