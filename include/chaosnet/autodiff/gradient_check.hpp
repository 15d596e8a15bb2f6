#pragma once

// Central finite differences and a scale-free error measure, for checking gradients of new ops
// or graphs against their definition. Always evaluate in double.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace chaosnet {

/// Central finite-difference gradient of f at x: (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ with
/// hᵢ = step·max(1, |xᵢ|), so large coordinates get a step that still changes f.
/// f takes a `const std::vector<double>&` and returns a double.
template <class F>
std::vector<double> finite_difference_gradient(F&& f, std::vector<double> x, double step = 1e-6) {
  std::vector<double> gradient(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double original = x[i];
    const double h = step * std::max(1.0, std::abs(original));
    x[i] = original + h;
    const double up = f(static_cast<const std::vector<double>&>(x));
    x[i] = original - h;
    const double down = f(static_cast<const std::vector<double>&>(x));
    x[i] = original;
    gradient[i] = (up - down) / (2 * h);
  }
  return gradient;
}

/// Scale-free relative error ‖a − b‖ / max(‖a‖ + ‖b‖, floor): 0 for equal vectors, 1 for
/// opposite ones, independent of the gradients' magnitude. `floor` keeps two zero vectors at 0.
inline double relative_error(std::span<const double> a, std::span<const double> b,
                             double floor = 1e-12) {
  double diff = 0, norm_a = 0, norm_b = 0;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm_a += a[i] * a[i];
    norm_b += b[i] * b[i];
  }
  if (a.size() != b.size()) return 1.0;
  return std::sqrt(diff) / std::max(std::sqrt(norm_a) + std::sqrt(norm_b), floor);
}

}  // namespace chaosnet
