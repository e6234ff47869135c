#include "models/dataset.hpp"

#include <system_error>

#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "models/idx.hpp"

namespace lutfhe::models {
namespace {

std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InvalidArgument(dir.string() + ": no such data set directory");
  }
  for (const std::string& name : {stem + ".gz", stem}) {
    if (std::filesystem::is_regular_file(dir / name, ec)) return dir / name;
  }
  throw InvalidArgument((dir / stem).string() + "(.gz): no such file");
}

std::string prefix(Split split) {
  return split == Split::kTrain ? "train" : "t10k";
}

}  // namespace

std::string split_name(Split split) {
  return split == Split::kTrain ? "train" : "test";
}

std::filesystem::path image_file(const std::filesystem::path& dir, Split split) {
  return find_file(dir, prefix(split) + "-images-idx3-ubyte");
}

std::filesystem::path label_file(const std::filesystem::path& dir, Split split) {
  return find_file(dir, prefix(split) + "-labels-idx1-ubyte");
}

ImageDataset load_image_dataset(const std::filesystem::path& dir, Split split,
                                std::size_t max_items) {
  const std::filesystem::path images_path = image_file(dir, split);
  const std::filesystem::path labels_path = label_file(dir, split);
  const IdxArray images = load_idx(images_path, max_items);
  if (images.type != IdxType::kUint8 || images.dims.size() != 3) {
    throw FileFormatError(images_path.string() + ": expected 3-D uint8 images, got " +
                          std::to_string(images.dims.size()) + "-D " + idx_type_name(images.type));
  }
  std::vector<std::uint8_t> labels = load_idx_labels(labels_path, max_items);
  // Compare the files' declared counts, not only what was loaded: a label file that belongs to
  // another split must be refused even when both hold more than max_items.
  const IdxArray label_header = load_idx(labels_path, 1);
  if (label_header.dims.at(0) != images.dims[0]) {
    throw FileFormatError(dir.string() + ": " + images_path.filename().string() + " holds " +
                          std::to_string(images.dims[0]) + " images but " +
                          labels_path.filename().string() + " holds " +
                          std::to_string(label_header.dims[0]) + " labels");
  }
  ImageDataset out;
  out.rows = images.dims[1];
  out.cols = images.dims[2];
  out.pixels.reserve(images.values.size());
  for (double v : images.values) out.pixels.push_back(static_cast<std::uint8_t>(v));
  out.labels = std::move(labels);
  if (out.pixels.size() != out.labels.size() * out.image_size()) {
    throw FileFormatError(dir.string() + ": loaded " +
                          std::to_string(out.pixels.size() / out.image_size()) + " images and " +
                          std::to_string(out.labels.size()) + " labels");
  }
  return out;
}

}  // namespace lutfhe::models
