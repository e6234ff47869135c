// Labelled image data sets in the MNIST layout (a directory holding train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or
// gzipped), read with the IDX loader of models/idx.hpp. Used by the trainer
// (models/trainer.hpp) and the demo.
//
//   const ImageDataset train = load_image_dataset("data/mnist", Split::kTrain);
//   train.size();      // 8000
//   train.image(3);    // 784 bytes, row-major 28x28
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace lutfhe::models {

enum class Split { kTrain, kTest };
// "train" or "test".
std::string split_name(Split split);

struct ImageDataset {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  // size() · rows · cols, row-major, image after image
  std::vector<std::uint8_t> labels;  // size()

  std::size_t size() const { return labels.size(); }
  std::size_t image_size() const { return rows * cols; }
  std::span<const std::uint8_t> image(std::size_t i) const {
    return {pixels.data() + i * image_size(), image_size()};
  }
};

// The image and label file of `split` in `dir` (the ".gz" name when it exists, else the plain
// one); InvalidArgument naming the directory and both candidate names when neither exists.
std::filesystem::path image_file(const std::filesystem::path& dir, Split split);
std::filesystem::path label_file(const std::filesystem::path& dir, Split split);

// Loads the first `max_items` items of `split` (0: all). Throws InvalidArgument for a missing
// directory or file, FileFormatError (core/file_format.hpp) for an image file that is not 3-D
// uint8 and for image and label files that disagree on the item count (both counts named).
ImageDataset load_image_dataset(const std::filesystem::path& dir, Split split,
                                std::size_t max_items = 0);

}  // namespace lutfhe::models
