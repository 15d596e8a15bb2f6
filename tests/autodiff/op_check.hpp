#pragma once

// The per-op gradient check that ops_test.cpp and sparse_dag_test.cpp share.

#include <support/gradient_harness.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace chaosnet_test {

inline constexpr double max_gradient_error = 1e-6;

/// Checks one op: random points in [lo, hi) plus points where every batch value of the op's
/// operands equals one of `edges`. The last batch leaf is a vector of loss coefficients, so the
/// loss Σ_k c_k·out_k gives every output sample its own gradient.
template <int N, class Build>
void check_op(const Build& build, std::size_t scalars, std::size_t batches, double lo, double hi,
              const std::vector<double>& edges = {}) {
  std::mt19937_64 rng(20260101 + N);
  const std::size_t size = scalars + batches * N;
  for (int trial = 0; trial < 4; ++trial) {
    const std::vector<double> x = uniform(rng, size, lo, hi);
    INFO("random point " << trial);
    CHECK(gradient_error<N>(build, scalars, batches, x) <= max_gradient_error);

    const auto in_double = evaluate<double, N>(build, scalars, batches, x);
    const auto in_float = evaluate<float, N>(build, scalars, batches, x);
    CHECK(in_float.loss == Approx(in_double.loss).epsilon(1e-5).margin(1e-5));
  }
  for (const double edge : edges) {
    std::vector<double> x = uniform(rng, size, 0.5, 1.5);  // scalars and coefficients
    for (std::size_t i = scalars; i < scalars + (batches - 1) * N; ++i) x[i] = edge;
    INFO("edge point " << edge);
    CHECK(gradient_error<N>(build, scalars, batches, x) <= max_gradient_error);
    const auto in_float = evaluate<float, N>(build, scalars, batches, x);
    CHECK(std::isfinite(in_float.loss));
    for (const double g : in_float.gradient) CHECK(std::isfinite(g));
  }
}

template <class V>
auto weighted_loss(const V& out, const V& coefficients) {
  return chaosnet::sum(out * coefficients);
}

}  // namespace chaosnet_test
