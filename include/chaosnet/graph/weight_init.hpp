#pragma once

#include <chaosnet/util/enum_names.hpp>
#include <chaosnet/util/random.hpp>

#include <cmath>
#include <cstddef>

namespace chaosnet {

/// How new weights and biases are drawn.
struct WeightInit {
  enum class Kind {
    uniform,         ///< weights and biases U[low, high) (the seeds: [0, 0.1) in v0.1, ±0.005 in v0.2)
    fan_in_scaled,   ///< weights U(−s/√fan_in, s/√fan_in) of the target node; biases 0
  };
  Kind kind = Kind::fan_in_scaled;
  double low = -0.005;
  double high = 0.005;
  double scale = 1.0;  ///< the s of fan_in_scaled

  static WeightInit uniform(double low, double high) { return {Kind::uniform, low, high, 1.0}; }
  static WeightInit fan_in(double scale = 1.0) { return {Kind::fan_in_scaled, 0, 0, scale}; }

  /// A weight for an edge into a node that has `fan_in` incoming edges.
  [[nodiscard]] double weight(Rng& rng, std::size_t fan_in) const {
    if (kind == Kind::uniform) return util::uniform_real(rng, low, high);
    const double bound = scale / std::sqrt(static_cast<double>(fan_in == 0 ? 1 : fan_in));
    return util::uniform_real(rng, -bound, bound);
  }
  [[nodiscard]] double bias(Rng& rng) const {
    return kind == Kind::uniform ? util::uniform_real(rng, low, high) : 0.0;
  }
};

/// The names model files use.
constexpr util::EnumTable<WeightInit::Kind, 2> enum_names(WeightInit::Kind) {
  return {{{WeightInit::Kind::uniform, "uniform"},
           {WeightInit::Kind::fan_in_scaled, "fan_in_scaled"}}};
}

}  // namespace chaosnet
