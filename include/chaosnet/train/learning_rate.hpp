#pragma once

// Learning-rate schedules over a whole training run: constant, or a linear warm-up followed by
// a cosine decay to a floor (Loshchilov & Hutter 2017), which long sparse runs need (RigL trains
// MNIST with a decaying rate: the rewired network settles only once the rate is small).

#include <chaosnet/util/enum_names.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>

namespace chaosnet {

enum class LearningRateDecay { constant, cosine };

/// As the CLI spells them.
constexpr util::EnumTable<LearningRateDecay, 2> enum_names(LearningRateDecay) {
  return {{{LearningRateDecay::constant, "constant"}, {LearningRateDecay::cosine, "cosine"}}};
}

struct LearningRateSchedule {
  LearningRateDecay decay = LearningRateDecay::constant;
  double warmup = 0;     ///< fraction of the steps over which the rate rises linearly from 0
  double floor = 0.01;   ///< cosine: the last step's rate as a fraction of the base rate
};

/// The rate of step `step` (0-based) of `total` under `schedule`, for a base rate `base`.
inline double scheduled_learning_rate(double base, const LearningRateSchedule& schedule,
                                      std::size_t step, std::size_t total) {
  const double t = total <= 1 ? 0.0 : static_cast<double>(step) / static_cast<double>(total - 1);
  // The warm-up rises by base/(warm-up steps) per step, from one such increment at the first
  // step (a step at rate 0 would be wasted) to the base rate when the warm-up ends.
  if (schedule.warmup > 0 && t < schedule.warmup) {
    return base * std::min(1.0, (static_cast<double>(step) + 1) /
                                    std::max(1.0, schedule.warmup * static_cast<double>(total)));
  }
  if (schedule.decay == LearningRateDecay::constant) return base;
  const double u = schedule.warmup >= 1 ? 1.0 : (t - schedule.warmup) / (1 - schedule.warmup);
  const double cosine = 0.5 * (1 + std::cos(std::numbers::pi * std::clamp(u, 0.0, 1.0)));
  return base * (schedule.floor + (1 - schedule.floor) * cosine);
}

/// PyTorch's OneCycleLR with cosine annealing (two phases): from max_lr/div_factor up to max_lr
/// over the first pct_start of the steps, then down to max_lr/(div_factor·final_div_factor), for
/// step `step` (0-based, stepped once per optimizer step) of `total`. PyTorch's schedule also
/// cycles Adam's β1 between 0.85 and 0.95 by default; chaosnet keeps β1 fixed.
inline double one_cycle_learning_rate(double max_lr, std::size_t step, std::size_t total,
                                      double pct_start, double div_factor = 25,
                                      double final_div_factor = 1e4) {
  const double initial = max_lr / div_factor;
  const double minimum = initial / final_div_factor;
  const double peak_step = pct_start * static_cast<double>(total) - 1;
  const double last_step = static_cast<double>(total) - 1;
  const auto t = static_cast<double>(step);
  auto anneal = [](double from, double to, double pct) {
    return to + (from - to) / 2 * (std::cos(std::numbers::pi * pct) + 1);
  };
  if (t <= peak_step) return anneal(initial, max_lr, peak_step <= 0 ? 1.0 : t / peak_step);
  return anneal(max_lr, minimum, std::min(1.0, (t - peak_step) / std::max(1.0, last_step - peak_step)));
}

}  // namespace chaosnet
