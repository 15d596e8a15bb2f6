// gather_batch turns N rows of features into one batch vector per feature; the SIMD path
// (float, N a multiple of the packet width) must agree with the definition for every feature
// count, including the scalar tail after the last full block of features.

#include <chaosnet/util/gather_batch.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

namespace {

template <class T, int N>
void check_gather(std::size_t features) {
  constexpr auto samples = static_cast<std::size_t>(N);
  std::vector<std::vector<float>> rows(samples, std::vector<float>(features));
  for (std::size_t k = 0; k < samples; ++k) {
    for (std::size_t f = 0; f < features; ++f) rows[k][f] = static_cast<float>(1000 * k + f) + 0.5f;
  }
  // Rows out of order, as a shuffled batch has them.
  std::vector<const float*> pointers;
  for (std::size_t k = 0; k < samples; ++k) pointers.push_back(rows[(7 * k + 3) % samples].data());
  std::vector<Eigen::Array<T, N, 1>> out(features);
  chaosnet::util::gather_batch<T, N>(pointers.data(), features, out.data());
  for (std::size_t f = 0; f < features; ++f) {
    for (int k = 0; k < N; ++k) {
      INFO("feature " << f << ", sample " << k);
      REQUIRE(out[f][k] == static_cast<T>(pointers[static_cast<std::size_t>(k)][f]));
    }
  }
}

}  // namespace

TEST_CASE("gather_batch: batch vector f holds feature f of every row, in row order", "[util]") {
  for (const std::size_t features : {1u, 7u, 15u, 16u, 17u, 33u, 784u}) {
    INFO(features << " features");
    check_gather<float, 16>(features);
    check_gather<float, 32>(features);
    check_gather<float, 1>(features);
    check_gather<double, 16>(features);
  }
}
