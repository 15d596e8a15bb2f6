#pragma once

// Random integer shifts of training images by up to ±k pixels, the cheapest augmentation for
// small networks on MNIST-like data. The shift of a sample depends only on (seed, epoch, sample
// index) through a counter-based hash, so it is the same whatever the batch order, the batch
// size or the thread count, and a resumed run shifts exactly as an uninterrupted one.

#include <chaosnet/util/random.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace chaosnet {

/// An image moved `down` rows and `right` columns (negative: up, left).
struct Shift {
  int down = 0;
  int right = 0;
  bool operator==(const Shift&) const = default;
};

/// The shift of sample `index` in `epoch`: down and right each uniform in [-max_shift,
/// max_shift] (to within 2^-32). Throws std::invalid_argument for a negative max_shift.
inline Shift random_shift(std::uint64_t seed, std::uint64_t epoch, std::uint64_t index,
                          int max_shift) {
  if (max_shift < 0) {
    throw std::invalid_argument("chaosnet::random_shift: max_shift must be at least 0, got " +
                                std::to_string(max_shift));
  }
  const std::uint64_t h = util::counter_hash(seed, epoch, index);
  const auto choices = static_cast<std::uint64_t>(2 * max_shift + 1);
  // Multiply-shift maps 32 random bits onto [0, choices) without a division.
  const auto pick = [&](std::uint64_t bits32) {
    return static_cast<int>((bits32 * choices) >> 32) - max_shift;
  };
  return {pick(h & 0xffffffffULL), pick(h >> 32)};
}

/// `image` (rows × cols, row-major) moved by `shift` into `out` (the same size): out(r, c) =
/// image(r − down, c − right) where that is inside the image, 0 (background) elsewhere.
/// Throws std::invalid_argument when the sizes disagree.
inline void shift_image(std::span<const float> image, std::size_t rows, std::size_t cols,
                        Shift shift, std::span<float> out) {
  if (image.size() != rows * cols || out.size() != image.size()) {
    throw std::invalid_argument("chaosnet::shift_image: " + std::to_string(image.size()) +
                                " pixels in and " + std::to_string(out.size()) + " out for a " +
                                std::to_string(rows) + " x " + std::to_string(cols) + " image");
  }
  const auto h = static_cast<std::ptrdiff_t>(rows);
  const auto w = static_cast<std::ptrdiff_t>(cols);
  for (std::ptrdiff_t r = 0; r < h; ++r) {
    const std::ptrdiff_t from_r = r - shift.down;
    for (std::ptrdiff_t c = 0; c < w; ++c) {
      const std::ptrdiff_t from_c = c - shift.right;
      const bool inside = from_r >= 0 && from_r < h && from_c >= 0 && from_c < w;
      out[static_cast<std::size_t>(r * w + c)] =
          inside ? image[static_cast<std::size_t>(from_r * w + from_c)] : 0.0f;
    }
  }
}

}  // namespace chaosnet
