#include <chaosnet/data/dataset.hpp>

#include <support/idx_writer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using chaosnet::Dataset;
using chaosnet::DataError;
namespace test = chaosnet::test;

namespace {

/// Write an image file of `count` 2 x 2 images and a label file with `labels`.
void write_pair(const test::TempDir& dir, std::uint32_t count,
                const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> pixels(count * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 17);
  test::write_file(dir / "images", test::idx_image_bytes(count, 2, 2, pixels));
  test::write_file(dir / "labels",
                   test::idx_label_bytes(static_cast<std::uint32_t>(labels.size()), labels));
}

const std::vector<std::string> mnist_names{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

}  // namespace

TEST_CASE("Dataset: load_dataset scales pixels to [0, 1] and keeps the labels", "[data]") {
  const test::TempDir dir;
  const std::vector<std::uint8_t> pixels{0, 51, 255, 102, 1, 254};
  test::write_file(dir / "images", test::idx_image_bytes(2, 1, 3, pixels));
  test::write_file(dir / "labels", test::idx_label_bytes(2, std::vector<std::uint8_t>{9, 0}));

  const Dataset data = chaosnet::load_dataset(dir / "images", dir / "labels");
  REQUIRE(data.size() == 2);
  CHECK(data.rows() == 1);
  CHECK(data.cols() == 3);
  CHECK(data.features() == 3);
  CHECK(data.classes() == 10);
  CHECK(data.label(0) == 9);
  CHECK(data.label(1) == 0);
  REQUIRE(data.image(1).size() == 3);
  CHECK(data.image(0)[0] == 0.0f);
  CHECK(data.image(0)[1] == Approx(0.2f));
  CHECK(data.image(0)[2] == 1.0f);
  CHECK(data.image(1)[0] == Approx(0.4f));
  CHECK(data.image(1)[2] == Approx(254.0f / 255.0f));
  CHECK(data.image(1).data() == data.pixels().data() + 3);
  CHECK(std::all_of(data.pixels().begin(), data.pixels().end(),
                    [](float p) { return p >= 0.0f && p <= 1.0f; }));
}

TEST_CASE("Dataset: an image/label count mismatch names the label file and both counts",
          "[data]") {
  const test::TempDir dir;
  write_pair(dir, 3, {1, 2});
  REQUIRE_THROWS_AS(chaosnet::load_dataset(dir / "images", dir / "labels"), DataError);
  REQUIRE_THROWS_WITH(chaosnet::load_dataset(dir / "images", dir / "labels"),
                      Contains((dir / "labels").string() + ": holds 2 labels, but " +
                               (dir / "images").string() + " holds 3 images"));
}

TEST_CASE("Dataset: a label out of range names the label file, the sample and the label",
          "[data]") {
  const test::TempDir dir;
  write_pair(dir, 3, {1, 9, 10});
  REQUIRE_THROWS_WITH(chaosnet::load_dataset(dir / "images", dir / "labels"),
                      Contains((dir / "labels").string() +
                               ": label 10 of sample 2 is outside [0, 10)"));
  REQUIRE_THROWS_WITH(chaosnet::load_dataset(dir / "images", dir / "labels", 5),
                      Contains((dir / "labels").string() +
                               ": label 9 of sample 1 is outside [0, 5)"));
  CHECK(chaosnet::load_dataset(dir / "images", dir / "labels", 11).classes() == 11);
}

TEST_CASE("Dataset: an error in either file names that file", "[data]") {
  const test::TempDir dir;
  write_pair(dir, 2, {1, 2});
  SECTION("images") {
    test::write_file(dir / "images", test::idx_image_bytes(3, 2, 2, std::vector<std::uint8_t>(8)));
    REQUIRE_THROWS_WITH(chaosnet::load_dataset(dir / "images", dir / "labels"),
                        Contains((dir / "images").string() + ": truncated"));
  }
  SECTION("labels") {
    REQUIRE_THROWS_WITH(chaosnet::load_dataset(dir / "images", dir / "missing"),
                        Contains((dir / "missing").string() + ": file not found"));
  }
}

TEST_CASE("Dataset: the constructor rejects inconsistent sizes and labels", "[data]") {
  CHECK_NOTHROW(Dataset({0.0f, 1.0f, 0.5f, 0.5f}, {0, 1}, 1, 2, 2));
  CHECK_THROWS_AS(Dataset({0.0f, 1.0f, 0.5f}, {0, 1}, 1, 2, 2), std::invalid_argument);
  CHECK_THROWS_WITH(Dataset({0.0f, 1.0f, 0.5f, 0.5f}, {0, 2}, 1, 2, 2),
                    Contains("label 2 of sample 1 is outside [0, 2)"));
  CHECK_THROWS_AS(Dataset({}, {}, 1, 1, 0), std::invalid_argument);
  CHECK(Dataset().empty());
}

TEST_CASE("Dataset: subset copies a contiguous range and rejects one outside", "[data]") {
  const Dataset data({0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, {3, 4, 5}, 2, 1, 6);
  const Dataset tail = chaosnet::subset(data, 1, 2);
  REQUIRE(tail.size() == 2);
  CHECK(tail.rows() == 2);
  CHECK(tail.cols() == 1);
  CHECK(tail.classes() == 6);
  CHECK(tail.label(0) == 4);
  CHECK(tail.image(1)[1] == 0.5f);
  CHECK(chaosnet::subset(data, 3, 0).empty());
  CHECK_THROWS_AS(chaosnet::subset(data, 2, 2), std::out_of_range);
  CHECK_THROWS_AS(chaosnet::subset(data, 4, 0), std::out_of_range);
  CHECK_THROWS_AS(chaosnet::subset(data, 1, std::numeric_limits<std::size_t>::max()),
                  std::out_of_range);
}

TEST_CASE("MNIST: find_mnist finds plain and gzipped files, preferring plain ones", "[data]") {
  const test::TempDir dir;
  for (const std::string& name : mnist_names) test::write_file(dir / (name + ".gz"), {});
  test::write_file(dir / "t10k-images-idx3-ubyte", {});

  const chaosnet::MnistPaths paths = chaosnet::find_mnist(dir.path());
  CHECK(paths.train_images == dir / "train-images-idx3-ubyte.gz");
  CHECK(paths.train_labels == dir / "train-labels-idx1-ubyte.gz");
  CHECK(paths.test_images == dir / "t10k-images-idx3-ubyte");
  CHECK(paths.test_labels == dir / "t10k-labels-idx1-ubyte.gz");
}

TEST_CASE("MNIST: a missing file names the directory, the file and the fetch script", "[data]") {
  const test::TempDir dir;
  for (const std::string& name : mnist_names) {
    if (name != "t10k-labels-idx1-ubyte") test::write_file(dir / name, {});
  }
  REQUIRE_THROWS_AS(chaosnet::find_mnist(dir.path()), DataError);
  REQUIRE_THROWS_WITH(chaosnet::find_mnist(dir.path()),
                      Contains(dir.path().string() + ": MNIST file t10k-labels-idx1-ubyte (or "
                                                     "t10k-labels-idx1-ubyte.gz) not found") &&
                          Contains("data/fetch_mnist.sh"));
  REQUIRE_THROWS_WITH(chaosnet::find_mnist(dir / "absent"),
                      Contains((dir / "absent").string() + ": MNIST directory not found") &&
                          Contains("data/fetch_mnist.sh"));
}

TEST_CASE("MNIST: splits carve validation from the end of the training file", "[data]") {
  const test::TempDir dir;
  test::write_tiny_mnist(dir.path(), {.train = 120, .test = 30, .rows = 28, .cols = 28});
  const Dataset full = chaosnet::load_dataset(dir / "train-images-idx3-ubyte",
                                              dir / "train-labels-idx1-ubyte");

  const chaosnet::MnistSplits splits = chaosnet::load_mnist_splits(dir.path(), 20);
  REQUIRE(splits.train.size() == 100);
  REQUIRE(splits.validation.size() == 20);
  REQUIRE(splits.test.size() == 30);
  CHECK(splits.train.features() == 784);
  CHECK(splits.test.features() == 784);
  CHECK(std::ranges::equal(splits.train.pixels(), full.pixels().first(100 * 784)));
  CHECK(std::ranges::equal(splits.train.labels(), full.labels().first(100)));
  CHECK(std::ranges::equal(splits.validation.pixels(), full.pixels().last(20 * 784)));
  CHECK(std::ranges::equal(splits.validation.labels(), full.labels().last(20)));

  const chaosnet::MnistSplits again = chaosnet::load_mnist_splits(dir.path(), 20);
  CHECK(std::ranges::equal(again.train.pixels(), splits.train.pixels()));
  CHECK(std::ranges::equal(again.validation.labels(), splits.validation.labels()));
  CHECK(std::ranges::equal(again.test.labels(), splits.test.labels()));
}

TEST_CASE("MNIST: a training file no larger than the validation split is rejected", "[data]") {
  const test::TempDir dir;
  test::write_tiny_mnist(dir.path(), {.train = 50, .test = 10, .rows = 28, .cols = 28});
  CHECK(chaosnet::load_mnist_splits(dir.path(), 49).train.size() == 1);
  REQUIRE_THROWS_WITH(chaosnet::load_mnist_splits(dir.path(), 50),
                      Contains((dir / "train-images-idx3-ubyte").string() +
                               ": holds 50 samples, too few to hold out 50 for validation"));
  REQUIRE_THROWS_AS(chaosnet::load_mnist_splits(dir.path()), DataError);
}

TEST_CASE("MNIST: a test file without samples is rejected", "[data]") {
  const test::TempDir dir;
  test::write_tiny_mnist(dir.path(), {.train = 20, .test = 0, .rows = 28, .cols = 28});
  REQUIRE_THROWS_AS(chaosnet::load_mnist_splits(dir.path(), 5), DataError);
  REQUIRE_THROWS_WITH(chaosnet::load_mnist_splits(dir.path(), 5),
                      Contains((dir / "t10k-images-idx3-ubyte").string() + ": holds no samples"));
}

TEST_CASE("MNIST: test images of another size than the training images are rejected", "[data]") {
  const test::TempDir dir;
  const test::TempDir other;
  test::write_tiny_mnist(dir.path(), {.train = 20, .test = 5, .rows = 28, .cols = 28});
  test::write_tiny_mnist(other.path(), {.train = 20, .test = 5, .rows = 12, .cols = 16});
  for (const std::string name : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    std::filesystem::copy_file(other / name, dir / name,
                               std::filesystem::copy_options::overwrite_existing);
  }
  REQUIRE_THROWS_WITH(chaosnet::load_mnist_splits(dir.path(), 5),
                      Contains((dir / "t10k-images-idx3-ubyte").string() +
                               ": holds images of 12 x 16, but the training images in " +
                               (dir / "train-images-idx3-ubyte").string() + " are 28 x 28"));
}

TEST_CASE("MNIST: the tiny synthetic dataset is deterministic and learnable", "[data]") {
  const test::TempDir first;
  const test::TempDir second;
  test::write_tiny_mnist(first.path());
  test::write_tiny_mnist(second.path());
  for (const std::string& name : mnist_names) {
    CHECK(test::read_file(first / name) == test::read_file(second / name));
  }

  // A nearest-class-mean classifier fitted on the training split must do well on the test
  // split: the classes carry a pattern, not noise.
  const chaosnet::MnistSplits splits = chaosnet::load_mnist_splits(first.path(), 200);
  const std::size_t features = splits.train.features();
  std::vector<double> means(10 * features, 0.0);
  std::vector<int> counts(10, 0);
  for (std::size_t i = 0; i < splits.train.size(); ++i) {
    const auto label = static_cast<std::size_t>(splits.train.label(i));
    ++counts[label];
    for (std::size_t f = 0; f < features; ++f) {
      means[label * features + f] += splits.train.image(i)[f];
    }
  }
  REQUIRE(std::ranges::all_of(counts, [](int count) { return count > 0; }));
  for (std::size_t f = 0; f < means.size(); ++f) means[f] /= counts[f / features];

  std::size_t correct = 0;
  for (std::size_t i = 0; i < splits.test.size(); ++i) {
    std::size_t best = 0;
    double best_distance = std::numeric_limits<double>::max();
    for (std::size_t c = 0; c < 10; ++c) {
      double distance = 0;
      for (std::size_t f = 0; f < features; ++f) {
        const double d = splits.test.image(i)[f] - means[c * features + f];
        distance += d * d;
      }
      if (distance < best_distance) {
        best_distance = distance;
        best = c;
      }
    }
    if (static_cast<int>(best) == splits.test.label(i)) ++correct;
  }
  CHECK(correct >= splits.test.size() * 95 / 100);
}

TEST_CASE("DatasetBatch: fill points at the samples of the indices, in their order", "[data]") {
  const Dataset data(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}, std::vector<int>{3, 2, 1, 0}, 1,
                     2, 4);
  chaosnet::DatasetBatch<3> batch;
  batch.fill(data, std::vector<std::uint32_t>{2, 0, 2});
  REQUIRE(batch.rows().size() == 3);
  CHECK(batch.rows()[0] == data.image(2).data());
  CHECK(batch.rows()[1] == data.image(0).data());
  CHECK(batch.rows()[2] == data.image(2).data());
  CHECK(std::vector<int>(batch.labels().begin(), batch.labels().end()) ==
        std::vector<int>{1, 3, 1});
  CHECK_THROWS_AS(batch.fill(data, std::vector<std::uint32_t>{0, 1}), std::invalid_argument);
}

TEST_CASE("DatasetBatch: fill_range repeats the last sample past the end", "[data]") {
  const Dataset data(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}, std::vector<int>{3, 2, 1, 0}, 1,
                     2, 4);
  chaosnet::DatasetBatch<3> batch;
  batch.fill_range(data, 1);
  CHECK(batch.rows()[0] == data.image(1).data());
  CHECK(batch.rows()[2] == data.image(3).data());
  batch.fill_range(data, 3);
  CHECK(batch.rows()[0] == data.image(3).data());
  CHECK(batch.rows()[1] == data.image(3).data());
  CHECK(batch.rows()[2] == data.image(3).data());
  CHECK(std::vector<int>(batch.labels().begin(), batch.labels().end()) ==
        std::vector<int>{0, 0, 0});
  CHECK_THROWS_AS(batch.fill_range(Dataset(), 0), std::invalid_argument);
}

TEST_CASE("DatasetBatch: shift_samples replaces each sample by its shifted image, keyed by index",
          "[data][augment]") {
  // Four 3 x 3 images with distinct pixels, so that every shift shows in the values.
  std::vector<float> pixels(4 * 9);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = 0.01f * static_cast<float>(i + 1);
  const Dataset data(std::move(pixels), std::vector<int>{0, 1, 0, 1}, 3, 3, 2);
  chaosnet::DatasetBatch<3> batch;
  const std::vector<std::uint32_t> indices{3, 1, 3};
  batch.fill(data, indices);
  batch.shift_samples(data, 11, 2, 1);
  std::vector<float> expected(9);
  bool any_moved = false;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const chaosnet::Shift shift = chaosnet::random_shift(11, 2, indices[k], 1);
    chaosnet::shift_image(data.image(indices[k]), 3, 3, shift, expected);
    CHECK(std::vector<float>(batch.rows()[k], batch.rows()[k] + 9) == expected);
    CHECK(batch.rows()[k] != data.image(indices[k]).data());  // a copy: the dataset is untouched
    any_moved = any_moved || !(shift == chaosnet::Shift{});
  }
  CHECK(any_moved);
  // The same sample gets the same shift wherever it sits in the batch.
  CHECK(std::equal(batch.rows()[0], batch.rows()[0] + 9, batch.rows()[2]));
  CHECK(std::vector<int>(batch.labels().begin(), batch.labels().end()) ==
        std::vector<int>{1, 1, 1});
  batch.fill(data, indices);  // a new fill points at the dataset again
  CHECK(batch.rows()[0] == data.image(3).data());
}
