// The tools every gradient test relies on must themselves be right: central differences recover
// known gradients (with a step that scales with large coordinates), and relative_error is 0 for
// equal vectors, 1 for opposite ones and independent of scale.

#include <chaosnet/autodiff/gradient_check.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using chaosnet::finite_difference_gradient;
using chaosnet::relative_error;

TEST_CASE("finite_difference_gradient: recovers the gradient of smooth functions",
          "[autodiff][gradient_check]") {
  const auto f = [](const std::vector<double>& x) { return x[0] * x[0] * x[1] + std::sin(x[2]); };
  const std::vector<double> x{1.5, -2.0, 0.3};
  const std::vector<double> g = finite_difference_gradient(f, x);
  REQUIRE(g.size() == 3);
  CHECK(g[0] == Approx(2 * 1.5 * -2.0).epsilon(1e-8));
  CHECK(g[1] == Approx(1.5 * 1.5).epsilon(1e-8));
  CHECK(g[2] == Approx(std::cos(0.3)).epsilon(1e-8));
}

TEST_CASE("finite_difference_gradient: a large coordinate gets a step that still changes f",
          "[autodiff][gradient_check]") {
  // At 1e12 a fixed step of 1e-6 is below the spacing of doubles (about 1.2e-4) and would give 0.
  const auto f = [](const std::vector<double>& x) { return 3.0 * x[0]; };
  const std::vector<double> g = finite_difference_gradient(f, std::vector<double>{1e12});
  CHECK(g[0] == Approx(3.0).epsilon(1e-6));
}

TEST_CASE("relative_error: zero for equal, one for opposite, scale-free",
          "[autodiff][gradient_check]") {
  const std::vector<double> a{1.0, -2.0, 3.0};
  const std::vector<double> minus_a{-1.0, 2.0, -3.0};
  CHECK(relative_error(a, a) == 0.0);
  CHECK(relative_error(a, minus_a) == Approx(1.0));
  const std::vector<double> b{1.0, -2.0, 3.001};
  const std::vector<double> big_a{1e9, -2e9, 3e9};
  const std::vector<double> big_b{1e9, -2e9, 3.001e9};
  CHECK(relative_error(a, b) == Approx(relative_error(big_a, big_b)).epsilon(1e-9));
  CHECK(relative_error(std::vector<double>{0, 0}, std::vector<double>{0, 0}) == 0.0);
  CHECK(relative_error(a, std::vector<double>{1.0, -2.0}) == 1.0);  // sizes differ
}
