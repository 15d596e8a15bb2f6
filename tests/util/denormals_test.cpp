// FlushDenormals: inside the guard a product that would be subnormal is zero; the caller's
// floating-point mode comes back when the guard ends, even when guards nest.

#include <chaosnet/util/denormals.hpp>

#include <catch2/catch.hpp>

#include <limits>

namespace {

/// The smallest normal float times 0.5: subnormal unless subnormals are flushed. volatile keeps
/// the compiler from folding it at compile time, where the runtime mode does not apply.
float half_of_smallest_normal() {
  volatile float smallest = std::numeric_limits<float>::min();
  volatile float half = 0.5f;
  return smallest * half;
}

}  // namespace

TEST_CASE("FlushDenormals: subnormal results are zero inside the guard and restored after",
          "[util]") {
  REQUIRE(half_of_smallest_normal() > 0.0f);  // the default mode keeps subnormals
#if defined(__SSE__) || defined(__x86_64__)
  {
    const chaosnet::util::FlushDenormals outer;
    CHECK(half_of_smallest_normal() == 0.0f);
    {
      const chaosnet::util::FlushDenormals inner;
      CHECK(half_of_smallest_normal() == 0.0f);
    }
    CHECK(half_of_smallest_normal() == 0.0f);  // the inner guard restored the outer's mode
  }
#endif
  CHECK(half_of_smallest_normal() > 0.0f);
}
