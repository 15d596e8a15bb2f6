#pragma once

// Writes IDX files for tests: exact bytes for the bad-input cases (headers are not checked
// against the data, so a test can write any inconsistency), and a tiny synthetic MNIST-like
// dataset with learnable class patterns for loader tests and the CLI smoke tests.

#include <support/temp_dir.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef CHAOSNET_WITH_ZLIB
#include <zlib.h>
#endif

namespace chaosnet::test {

inline constexpr std::uint32_t idx_image_magic = 2051;
inline constexpr std::uint32_t idx_label_magic = 2049;

/// Append `value` as 4 big-endian bytes, as IDX headers store it.
inline void append_big_endian_u32(std::vector<std::uint8_t>& bytes, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

/// An IDX image file: header (magic, count, rows, cols), then `pixels` as they are.
inline std::vector<std::uint8_t> idx_image_bytes(std::uint32_t count, std::uint32_t rows,
                                                 std::uint32_t cols,
                                                 std::span<const std::uint8_t> pixels,
                                                 std::uint32_t magic = idx_image_magic) {
  std::vector<std::uint8_t> bytes;
  for (const std::uint32_t field : {magic, count, rows, cols}) append_big_endian_u32(bytes, field);
  bytes.insert(bytes.end(), pixels.begin(), pixels.end());
  return bytes;
}

/// An IDX label file: header (magic, count), then `labels` as they are.
inline std::vector<std::uint8_t> idx_label_bytes(std::uint32_t count,
                                                 std::span<const std::uint8_t> labels,
                                                 std::uint32_t magic = idx_label_magic) {
  std::vector<std::uint8_t> bytes;
  for (const std::uint32_t field : {magic, count}) append_big_endian_u32(bytes, field);
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  return bytes;
}

inline void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

#ifdef CHAOSNET_WITH_ZLIB
/// `bytes`, gzip-compressed, into `path`.
inline void write_gzip_file(const std::filesystem::path& path,
                            std::span<const std::uint8_t> bytes) {
  gzFile file = gzopen(path.string().c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string());
  const int written = gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  if (gzclose(file) != Z_OK || written != static_cast<int>(bytes.size())) {
    throw std::runtime_error("cannot gzip into " + path.string());
  }
}

/// `head` followed by `zeros` zero bytes, gzip-compressed into `path`: about a thousand times
/// smaller than what it inflates to.
inline void write_gzip_bomb(const std::filesystem::path& path, std::span<const std::uint8_t> head,
                            std::size_t zeros) {
  gzFile file = gzopen(path.string().c_str(), "wb9");
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string());
  bool ok = gzwrite(file, head.data(), static_cast<unsigned>(head.size())) ==
            static_cast<int>(head.size());
  const std::vector<std::uint8_t> block(1u << 20, 0);
  for (std::size_t left = zeros; ok && left > 0;) {
    const auto n = static_cast<unsigned>(std::min(left, block.size()));
    ok = gzwrite(file, block.data(), n) == static_cast<int>(n);
    left -= n;
  }
  if (gzclose(file) != Z_OK || !ok) throw std::runtime_error("cannot gzip into " + path.string());
}
#endif

/// Sample counts and image size of a tiny MNIST-like dataset.
struct TinyMnistSizes {
  std::uint32_t train = 1200;
  std::uint32_t test = 200;
  std::uint32_t rows = 28;  ///< at least 3
  std::uint32_t cols = 28;  ///< at least 4
};

/// `count` images with labels 0–9: the image of class c is bright (160–255) in cell c of a 3 × 4
/// grid over the image and dim noise (0–63) elsewhere, so a linear classifier separates the
/// classes. Deterministic in `seed` on every platform (std::mt19937's output is standardised).
inline void append_tiny_mnist_samples(std::vector<std::uint8_t>& pixels,
                                      std::vector<std::uint8_t>& labels, std::uint32_t count,
                                      std::uint32_t rows, std::uint32_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::uint32_t cell_rows = rows / 3;
  const std::uint32_t cell_cols = cols / 4;
  for (std::uint32_t n = 0; n < count; ++n) {
    const auto label = static_cast<std::uint32_t>(rng() % 10);
    labels.push_back(static_cast<std::uint8_t>(label));
    const std::uint32_t top = label / 4 * cell_rows;
    const std::uint32_t left = label % 4 * cell_cols;
    for (std::uint32_t r = 0; r < rows; ++r) {
      for (std::uint32_t c = 0; c < cols; ++c) {
        const bool lit = r >= top && r < top + cell_rows && c >= left && c < left + cell_cols;
        pixels.push_back(static_cast<std::uint8_t>(lit ? 160 + rng() % 96 : rng() % 64));
      }
    }
  }
}

/// Write train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte into `dir` (created if needed): a tiny 10-class MNIST stand-in whose
/// classes a small network learns in a few epochs. The same sizes and seed give the same bytes.
inline void write_tiny_mnist(const std::filesystem::path& dir, const TinyMnistSizes& sizes = {},
                             std::uint32_t seed = 1) {
  if (sizes.rows < 3 || sizes.cols < 4) {
    throw std::invalid_argument("write_tiny_mnist: images need at least 3 rows and 4 columns");
  }
  std::filesystem::create_directories(dir);
  const auto write_split = [&](const std::string& prefix, std::uint32_t count,
                               std::uint32_t split_seed) {
    std::vector<std::uint8_t> pixels;
    std::vector<std::uint8_t> labels;
    append_tiny_mnist_samples(pixels, labels, count, sizes.rows, sizes.cols, split_seed);
    write_file(dir / (prefix + "-images-idx3-ubyte"),
               idx_image_bytes(count, sizes.rows, sizes.cols, pixels));
    write_file(dir / (prefix + "-labels-idx1-ubyte"), idx_label_bytes(count, labels));
  };
  write_split("train", sizes.train, seed);
  write_split("t10k", sizes.test, seed + 1);
}

}  // namespace chaosnet::test
