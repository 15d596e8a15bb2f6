#pragma once

// The IDX targets' common part: both readers on one file, and what they return checked against
// the header and, when the target knows them, the file's (decompressed) contents.

#include <fuzz/fuzz_support.hpp>

#include <chaosnet/data/idx.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

namespace chaosnet::fuzz {

// The IDX format's header sizes, known here rather than taken from the reader under test: the
// magic number and the count, then the rows and columns of images.
inline constexpr std::size_t idx_image_header_size = 16;
inline constexpr std::size_t idx_label_header_size = 8;

inline bool starts_like_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

inline std::size_t big_endian_u32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (std::size_t{bytes[at]} << 24) | (std::size_t{bytes[at + 1]} << 16) |
         (std::size_t{bytes[at + 2]} << 8) | std::size_t{bytes[at + 3]};
}

/// A successful read returns exactly the bytes after the header.
inline void check_payload(std::span<const std::uint8_t> got,
                          std::optional<std::span<const std::uint8_t>> contents,
                          std::size_t header_size) {
  if (contents && (contents->size() != header_size + got.size() ||
                   !std::ranges::equal(got, contents->subspan(header_size)))) {
    fail("the data read is not the file's bytes after the header");
  }
}

/// Reads `file` as IDX images and as IDX labels; `contents` is what it holds once decompressed,
/// if the caller knows.
inline void check_idx_file(const std::filesystem::path& file,
                           std::optional<std::span<const std::uint8_t>> contents) {
  if (const auto images = read_or_reject<DataError>(file, [&] { return read_idx_images(file); })) {
    check_payload(images->pixels, contents, idx_image_header_size);
    if (images->rows == 0 || images->cols == 0 ||
        images->pixels.size() != images->count * images->rows * images->cols) {
      fail("the pixels read are not the count, rows and columns read");
    }
    if (contents && (big_endian_u32(*contents, 4) != images->count ||
                     big_endian_u32(*contents, 8) != images->rows ||
                     big_endian_u32(*contents, 12) != images->cols)) {
      fail("the image dimensions are not the header's");
    }
  }
  if (const auto labels = read_or_reject<DataError>(file, [&] { return read_idx_labels(file); })) {
    check_payload(*labels, contents, idx_label_header_size);
    if (contents && big_endian_u32(*contents, 4) != labels->size()) {
      fail("the label count is not the header's");
    }
  }
}

}  // namespace chaosnet::fuzz
