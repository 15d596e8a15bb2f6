#pragma once

// Builds a graph from a flat parameter vector (scalar leaves first, then N values per batch
// leaf), so the same builder yields the analytic gradient (tape) and the central finite
// difference gradient (fresh recordings), in double or float.

#include <chaosnet/chaosnet.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <random>
#include <vector>

namespace chaosnet_test {

struct Evaluation {
  double loss = 0;
  std::vector<double> gradient;
};

/// Records `build(tape, scalars, batches)` (which returns a Tensor0D loss) on a fresh tape
/// with leaves taken from `x`, runs backward, and returns the loss and d loss / d x.
template <class T, int N, class Build>
Evaluation evaluate(const Build& build, std::size_t scalar_count, std::size_t batch_count,
                    const std::vector<double>& x) {
  chaosnet::Tape<T, N> tape;
  std::vector<chaosnet::Tensor0D<T, N>> scalars;
  std::vector<chaosnet::Tensor1D<T, N>> batches;
  for (std::size_t i = 0; i < scalar_count; ++i) scalars.push_back(tape.variable(static_cast<T>(x[i])));
  for (std::size_t j = 0; j < batch_count; ++j) {
    Eigen::Array<T, N, 1> values;
    for (int k = 0; k < N; ++k) {
      values[k] = static_cast<T>(x[scalar_count + j * N + static_cast<std::size_t>(k)]);
    }
    batches.push_back(tape.variable(values));
  }
  const chaosnet::Tensor0D<T, N> loss = build(tape, scalars, batches);
  tape.zero_grad();
  tape.backward(loss);
  Evaluation result{static_cast<double>(loss.value()), {}};
  for (const auto& s : scalars) result.gradient.push_back(static_cast<double>(s.grad()));
  for (const auto& b : batches) {
    for (int k = 0; k < N; ++k) result.gradient.push_back(static_cast<double>(b.grad()[k]));
  }
  return result;
}

/// Analytic gradient (double) against central finite differences of the same builder.
template <int N, class Build>
double gradient_error(const Build& build, std::size_t scalar_count, std::size_t batch_count,
                      const std::vector<double>& x) {
  const Evaluation analytic = evaluate<double, N>(build, scalar_count, batch_count, x);
  const std::vector<double> numeric = chaosnet::finite_difference_gradient(
      [&](const std::vector<double>& p) {
        return evaluate<double, N>(build, scalar_count, batch_count, p).loss;
      },
      x);
  return chaosnet::relative_error(analytic.gradient, numeric);
}

/// `count` values uniform in [lo, hi).
inline std::vector<double> uniform(std::mt19937_64& rng, std::size_t count, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> values(count);
  for (double& v : values) v = dist(rng);
  return values;
}

}  // namespace chaosnet_test
