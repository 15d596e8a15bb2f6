#pragma once

// A labelled image dataset in the form training wants it: float pixels in [0, 1], one sample
// after another, and int labels. Loading pairs an IDX image file with an IDX label file and
// checks that they belong together; the MNIST helpers add the honest split: train on the first
// images of the training file (50,000 for MNIST), validate on the rest of it (the last 10,000),
// and keep the test file apart for one final report.

#include <chaosnet/data/augment.hpp>
#include <chaosnet/data/data_error.hpp>
#include <chaosnet/data/idx.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

namespace detail {

/// The index of the first label outside [0, classes), if any.
template <class Label>
std::optional<std::size_t> first_label_out_of_range(std::span<const Label> labels, int classes) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto label = static_cast<long long>(labels[i]);
    if (label < 0 || label >= classes) return i;
  }
  return std::nullopt;
}

}  // namespace detail

/// Images with labels, held sample-major: image(i) is features() consecutive floats in [0, 1].
class Dataset {
 public:
  Dataset() = default;

  /// Take ownership of sample-major `pixels` (labels.size() × rows × cols values) and `labels`
  /// (each in [0, classes)). Throws std::invalid_argument when the sizes or a label disagree.
  Dataset(std::vector<float> pixels, std::vector<int> labels, std::size_t rows, std::size_t cols,
          int classes)
      : pixels_(std::move(pixels)), labels_(std::move(labels)), rows_(rows), cols_(cols),
        classes_(classes) {
    if (classes_ < 1) {
      throw std::invalid_argument("chaosnet::Dataset: classes must be at least 1, got " +
                                  std::to_string(classes_));
    }
    if (pixels_.size() != labels_.size() * features()) {
      throw std::invalid_argument(
          "chaosnet::Dataset: " + std::to_string(pixels_.size()) + " pixels do not make " +
          std::to_string(labels_.size()) + " images of " + std::to_string(rows_) + " x " +
          std::to_string(cols_));
    }
    if (const auto bad =
            detail::first_label_out_of_range(std::span<const int>(labels_), classes_)) {
      throw std::invalid_argument("chaosnet::Dataset: label " + std::to_string(labels_[*bad]) +
                                  " of sample " + std::to_string(*bad) + " is outside [0, " +
                                  std::to_string(classes_) + ")");
    }
  }

  /// Number of samples.
  [[nodiscard]] std::size_t size() const { return labels_.size(); }
  [[nodiscard]] bool empty() const { return labels_.empty(); }
  /// Values per sample: rows() × cols().
  [[nodiscard]] std::size_t features() const { return rows_ * cols_; }
  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] std::size_t cols() const { return cols_; }
  /// Labels lie in [0, classes()).
  [[nodiscard]] int classes() const { return classes_; }

  /// The pixels of sample i (i < size()), row-major, each in [0, 1].
  [[nodiscard]] std::span<const float> image(std::size_t i) const {
    return std::span<const float>(pixels_).subspan(i * features(), features());
  }
  /// The label of sample i (i < size()).
  [[nodiscard]] int label(std::size_t i) const { return labels_[i]; }

  /// All pixels, size() × features(), sample-major.
  [[nodiscard]] std::span<const float> pixels() const { return pixels_; }
  /// All labels, one per sample.
  [[nodiscard]] std::span<const int> labels() const { return labels_; }

 private:
  std::vector<float> pixels_;
  std::vector<int> labels_;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  int classes_ = 1;
};

/// N samples of a dataset as a network reads a batch: one pointer per sample to its features
/// (into the dataset, nothing copied) and one label per sample. The one place a batch is filled
/// from a Dataset, for training, evaluation and benchmarks alike.
template <int N>
class DatasetBatch {
 public:
  static_assert(N >= 1, "a batch holds at least one sample");

  /// Samples `indices` (exactly N of them, each < data.size()) of `data`, in that order.
  void fill(const Dataset& data, std::span<const std::uint32_t> indices) {
    if (indices.size() != rows_.size()) {
      throw std::invalid_argument("chaosnet::DatasetBatch: " + std::to_string(indices.size()) +
                                  " indices for a batch of " + std::to_string(N));
    }
    for (std::size_t k = 0; k < rows_.size(); ++k) set(k, data, indices[k]);
  }

  /// Samples [first, first + N) of `data` (which must not be empty); past its end the last
  /// sample repeats, so that a final partial batch still runs at the compiled batch size.
  void fill_range(const Dataset& data, std::size_t first) {
    if (data.empty()) throw std::invalid_argument("chaosnet::DatasetBatch: empty dataset");
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      set(k, data, std::min(first + k, data.size() - 1));
    }
  }

  /// Replace every sample's features by a copy of its image shifted by random_shift(seed, epoch,
  /// its index in `data`, max_shift) (augment.hpp), held by the batch until the next fill.
  /// `data` must be the dataset of the last fill.
  void shift_samples(const Dataset& data, std::uint64_t seed, std::uint64_t epoch, int max_shift) {
    shifted_.resize(rows_.size() * data.features());
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      const std::span<float> out(shifted_.data() + k * data.features(), data.features());
      shift_image(data.image(samples_[k]), data.rows(), data.cols(),
                  random_shift(seed, epoch, samples_[k], max_shift), out);
      rows_[k] = out.data();
    }
  }

  /// The samples' features, one pointer per sample.
  [[nodiscard]] std::span<const float* const> rows() const { return rows_; }
  /// The samples' labels.
  [[nodiscard]] std::span<const int> labels() const { return labels_; }
  /// The samples' indices in the dataset of the last fill.
  [[nodiscard]] std::span<const std::size_t> samples() const { return samples_; }

 private:
  void set(std::size_t k, const Dataset& data, std::size_t sample) {
    rows_[k] = data.image(sample).data();
    labels_[k] = data.label(sample);
    samples_[k] = sample;
  }

  std::array<const float*, static_cast<std::size_t>(N)> rows_{};
  std::array<int, static_cast<std::size_t>(N)> labels_{};
  std::array<std::size_t, static_cast<std::size_t>(N)> samples_{};
  std::vector<float> shifted_;  ///< shifted copies, N images, when shift_samples() made them
};

/// Samples [first, first + count) of `data`, in order, as a dataset of their own.
/// Throws std::out_of_range when the range does not lie within the dataset.
inline Dataset subset(const Dataset& data, std::size_t first, std::size_t count) {
  if (first > data.size() || count > data.size() - first) {
    throw std::out_of_range("chaosnet::subset: samples [" + std::to_string(first) + ", " +
                            std::to_string(first) + " + " + std::to_string(count) +
                            ") are outside a dataset of " + std::to_string(data.size()));
  }
  const std::size_t features = data.features();
  const auto pixels = data.pixels().subspan(first * features, count * features);
  const auto labels = data.labels().subspan(first, count);
  return Dataset(std::vector<float>(pixels.begin(), pixels.end()),
                 std::vector<int>(labels.begin(), labels.end()), data.rows(), data.cols(),
                 data.classes());
}

namespace detail {

/// Check that an image file and a label file, already read, belong together.
inline void check_image_label_pair(const std::filesystem::path& images_path,
                                   const IdxImages& images,
                                   const std::filesystem::path& labels_path,
                                   const std::vector<std::uint8_t>& labels, int classes) {
  if (labels.size() != images.count) {
    throw DataError(labels_path, "holds " + std::to_string(labels.size()) + " labels, but " +
                                     images_path.string() + " holds " +
                                     std::to_string(images.count) + " images");
  }
  if (const auto bad = first_label_out_of_range(std::span<const std::uint8_t>(labels), classes)) {
    throw DataError(labels_path, "label " + std::to_string(labels[*bad]) + " of sample " +
                                     std::to_string(*bad) + " is outside [0, " +
                                     std::to_string(classes) + ")");
  }
}

/// Samples [first, first + count) of a checked image/label pair, pixels scaled to [0, 1].
inline Dataset make_dataset(const IdxImages& images, const std::vector<std::uint8_t>& labels,
                            std::size_t first, std::size_t count, int classes) {
  const std::size_t features = images.rows * images.cols;
  std::vector<float> pixels(count * features);
  const std::uint8_t* source = images.pixels.data() + first * features;
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<float>(source[i]) / 255.0f;
  }
  const auto first_label = labels.begin() + static_cast<std::ptrdiff_t>(first);
  return Dataset(std::move(pixels),
                 std::vector<int>(first_label, first_label + static_cast<std::ptrdiff_t>(count)),
                 images.rows, images.cols, classes);
}

}  // namespace detail

/// Load an IDX image file and its IDX label file (each plain or gzip) as a dataset with `classes`
/// classes, pixels scaled from 0..255 to [0, 1]. Throws DataError naming the file at fault for
/// anything read_idx_images() and read_idx_labels() reject, for a label count that differs from
/// the image count, and for a label outside [0, classes) (naming the sample and the label).
inline Dataset load_dataset(const std::filesystem::path& images_path,
                            const std::filesystem::path& labels_path, int classes = 10) {
  if (classes < 1) {
    throw std::invalid_argument("chaosnet::load_dataset: classes must be at least 1, got " +
                                std::to_string(classes));
  }
  const IdxImages images = read_idx_images(images_path);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
  detail::check_image_label_pair(images_path, images, labels_path, labels, classes);
  return detail::make_dataset(images, labels, 0, images.count, classes);
}

/// Where the four MNIST files are.
struct MnistPaths {
  std::filesystem::path train_images;
  std::filesystem::path train_labels;
  std::filesystem::path test_images;
  std::filesystem::path test_labels;
};

namespace detail {

/// dir/name, or dir/name.gz when only that exists.
inline std::filesystem::path find_mnist_file(const std::filesystem::path& dir,
                                             const std::string& name) {
  const std::filesystem::path plain = dir / name;
  if (std::filesystem::exists(plain)) return plain;
  std::filesystem::path gzipped = dir / (name + ".gz");
  if (std::filesystem::exists(gzipped)) return gzipped;
  throw DataError(dir, "MNIST file " + name + " (or " + name +
                           ".gz) not found; run data/fetch_mnist.sh to download MNIST");
}

}  // namespace detail

/// Locate train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte in `dir`, each plain or with a .gz suffix (the plain file wins).
/// Throws DataError naming the directory and the first missing file.
inline MnistPaths find_mnist(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw DataError(dir, "MNIST directory not found; run data/fetch_mnist.sh to download MNIST");
  }
  return {detail::find_mnist_file(dir, "train-images-idx3-ubyte"),
          detail::find_mnist_file(dir, "train-labels-idx1-ubyte"),
          detail::find_mnist_file(dir, "t10k-images-idx3-ubyte"),
          detail::find_mnist_file(dir, "t10k-labels-idx1-ubyte")};
}

/// The three splits of the evaluation protocol: training and validation both come from the
/// training file (validation from its end), the test set from the test file, used once.
struct MnistSplits {
  Dataset train;       ///< the training file minus its last validation_size samples
  Dataset validation;  ///< the last validation_size samples of the training file
  Dataset test;        ///< the test file, for the one final report
};

/// Load MNIST-format files from `dir` (see find_mnist()) and split them deterministically: the
/// last `validation_size` samples of the training file become the validation set, the ones before
/// them the training set, and the test file the test set. For MNIST with the default that is
/// 50,000 / 10,000 / 10,000. Works for any IDX dataset with these file names. Throws DataError
/// for anything load_dataset() rejects, when the training file has no more than validation_size
/// samples, when the test file holds no samples, and when test images differ in size from
/// training images.
inline MnistSplits load_mnist_splits(const std::filesystem::path& dir,
                                     std::size_t validation_size = 10000, int classes = 10) {
  const MnistPaths paths = find_mnist(dir);
  const IdxImages images = read_idx_images(paths.train_images);
  const std::vector<std::uint8_t> labels = read_idx_labels(paths.train_labels);
  detail::check_image_label_pair(paths.train_images, images, paths.train_labels, labels, classes);
  if (images.count <= validation_size) {
    throw DataError(paths.train_images,
                    "holds " + std::to_string(images.count) + " samples, too few to hold out " +
                        std::to_string(validation_size) +
                        " for validation and still train on at least one");
  }
  const std::size_t train_size = images.count - validation_size;
  MnistSplits splits{detail::make_dataset(images, labels, 0, train_size, classes),
                     detail::make_dataset(images, labels, train_size, validation_size, classes),
                     load_dataset(paths.test_images, paths.test_labels, classes)};
  if (splits.test.empty()) {
    throw DataError(paths.test_images,
                    "holds no samples; the test set needs at least one to report an accuracy");
  }
  if (splits.test.rows() != images.rows || splits.test.cols() != images.cols) {
    throw DataError(paths.test_images,
                    "holds images of " + std::to_string(splits.test.rows()) + " x " +
                        std::to_string(splits.test.cols()) + ", but the training images in " +
                        paths.train_images.string() + " are " + std::to_string(images.rows) +
                        " x " + std::to_string(images.cols));
  }
  return splits;
}

}  // namespace chaosnet
