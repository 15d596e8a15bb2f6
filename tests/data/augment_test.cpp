// Shift augmentation: every pixel of a shifted image is the source pixel it came from or 0, for
// every shift up to ±2 on a non-square image; random shifts stay within ±k, cover every shift
// about equally, and depend only on (seed, epoch, index).

#include <chaosnet/data/augment.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <vector>

using chaosnet::random_shift;
using chaosnet::Shift;
using chaosnet::shift_image;

TEST_CASE("shift_image: each pixel comes from (r - down, c - right) or is 0", "[data][augment]") {
  constexpr std::size_t rows = 5, cols = 7;
  std::vector<float> image(rows * cols);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = 1.0f + static_cast<float>(i);
  std::vector<float> out(image.size());
  for (int down = -2; down <= 2; ++down) {
    for (int right = -2; right <= 2; ++right) {
      shift_image(image, rows, cols, {down, right}, out);
      for (int r = 0; r < static_cast<int>(rows); ++r) {
        for (int c = 0; c < static_cast<int>(cols); ++c) {
          INFO("shift (" << down << ", " << right << "), pixel (" << r << ", " << c << ")");
          const int from_r = r - down, from_c = c - right;
          const bool inside = from_r >= 0 && from_r < static_cast<int>(rows) && from_c >= 0 &&
                              from_c < static_cast<int>(cols);
          const float expected =
              inside ? image[static_cast<std::size_t>(from_r) * cols + static_cast<std::size_t>(from_c)]
                     : 0.0f;
          REQUIRE(out[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(c)] == expected);
        }
      }
    }
  }
  shift_image(image, rows, cols, {}, out);
  CHECK(out == image);
  std::vector<float> wrong(3);
  CHECK_THROWS_AS(shift_image(image, rows, cols, {}, wrong), std::invalid_argument);
}

TEST_CASE("random_shift: within ±k, every shift about equally often, keyed by its counters",
          "[data][augment]") {
  constexpr int k = 2;
  std::array<int, 25> counts{};
  for (std::uint64_t index = 0; index < 25000; ++index) {
    const Shift s = random_shift(7, 3, index, k);
    REQUIRE((s.down >= -k && s.down <= k && s.right >= -k && s.right <= k));
    ++counts[static_cast<std::size_t>((s.down + k) * 5 + (s.right + k))];
  }
  for (const int n : counts) CHECK((n > 850 && n < 1150));  // 1,000 expected, sd about 31
  CHECK(random_shift(7, 3, 12345, k) == random_shift(7, 3, 12345, k));
  int differ_by_epoch = 0, differ_by_seed = 0;
  for (std::uint64_t index = 0; index < 100; ++index) {
    differ_by_epoch += random_shift(7, 3, index, k) == random_shift(7, 4, index, k) ? 0 : 1;
    differ_by_seed += random_shift(7, 3, index, k) == random_shift(8, 3, index, k) ? 0 : 1;
  }
  CHECK(differ_by_epoch > 80);  // 96 expected: 1 - 1/25 of the draws differ
  CHECK(differ_by_seed > 80);
  CHECK(random_shift(7, 3, 5, 0) == Shift{});
  CHECK_THROWS_AS(random_shift(7, 3, 5, -1), std::invalid_argument);
}
