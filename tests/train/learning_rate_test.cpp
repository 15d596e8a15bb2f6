// Learning-rate schedules: constant, a linear warm-up that reaches the base rate, and a cosine
// decay that is monotone after the warm-up, passes half way at its midpoint and ends at the floor.

#include <chaosnet/train/learning_rate.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>

using chaosnet::LearningRateDecay;
using chaosnet::LearningRateSchedule;
using chaosnet::scheduled_learning_rate;

namespace {
LearningRateSchedule schedule(LearningRateDecay decay, double warmup, double floor = 0.01) {
  LearningRateSchedule s;
  s.decay = decay;
  s.warmup = warmup;
  s.floor = floor;
  return s;
}
}  // namespace

TEST_CASE("Learning rate: constant is the base rate at every step", "[train][learning_rate]") {
  const LearningRateSchedule constant = schedule(LearningRateDecay::constant, 0);
  for (std::size_t step = 0; step < 50; ++step) CHECK(scheduled_learning_rate(0.3, constant, step, 50) == 0.3);
  CHECK(scheduled_learning_rate(0.3, constant, 0, 1) == 0.3);
}

TEST_CASE("Learning rate: the warm-up rises linearly from base/steps to the base rate", "[train][learning_rate]") {
  for (const LearningRateDecay decay : {LearningRateDecay::constant, LearningRateDecay::cosine}) {
    INFO("decay " << to_string(decay));
    // 100 steps, 10 of warm-up: step k gets (k + 1)/10 of the base.
    const LearningRateSchedule s = schedule(decay, 0.1);
    for (std::size_t step = 0; step < 10; ++step) {
      const double expected = 2.0 * static_cast<double>(step + 1) / 10;
      CHECK(scheduled_learning_rate(2.0, s, step, 100) == Approx(expected).epsilon(1e-12));
    }
    CHECK(scheduled_learning_rate(2.0, s, 0, 100) > 0);
    CHECK(scheduled_learning_rate(2.0, s, 9, 100) == Approx(2.0).epsilon(1e-12));
    CHECK(scheduled_learning_rate(2.0, s, 10, 100) == Approx(2.0).epsilon(1e-3));
    for (std::size_t step = 1; step < 10; ++step) {
      CHECK(scheduled_learning_rate(2.0, s, step, 100) >= scheduled_learning_rate(2.0, s, step - 1, 100));
    }
  }
  const LearningRateSchedule s = schedule(LearningRateDecay::constant, 0.1);
  for (std::size_t step = 10; step < 100; ++step) CHECK(scheduled_learning_rate(2.0, s, step, 100) == 2.0);
}

TEST_CASE("Learning rate: cosine falls from the base to floor*base through the midpoint", "[train][learning_rate]") {
  const LearningRateSchedule s = schedule(LearningRateDecay::cosine, 0, 0.05);
  constexpr std::size_t total = 101;  // t = step / 100
  CHECK(scheduled_learning_rate(0.4, s, 0, total) == Approx(0.4).epsilon(1e-12));
  CHECK(scheduled_learning_rate(0.4, s, 100, total) == Approx(0.05 * 0.4).epsilon(1e-12));
  CHECK(scheduled_learning_rate(0.4, s, 50, total) == Approx(0.4 * (0.05 + 0.95 * 0.5)).epsilon(1e-12));
  CHECK(scheduled_learning_rate(0.4, s, 25, total) ==
        Approx(0.4 * (0.05 + 0.95 * 0.5 * (1 + std::sqrt(0.5)))).epsilon(1e-12));
  for (std::size_t step = 1; step < total; ++step) {
    CHECK(scheduled_learning_rate(0.4, s, step, total) < scheduled_learning_rate(0.4, s, step - 1, total));
  }
}

TEST_CASE("Learning rate: cosine after a warm-up decays from the base over the remaining steps",
          "[train][learning_rate]") {
  const LearningRateSchedule s = schedule(LearningRateDecay::cosine, 0.2, 0.01);
  constexpr std::size_t total = 101;  // t = step / 100: the warm-up is steps 0..19
  CHECK(scheduled_learning_rate(1.0, s, 20, total) == Approx(1.0).epsilon(1e-12));
  CHECK(scheduled_learning_rate(1.0, s, 60, total) == Approx(0.01 + 0.99 * 0.5).epsilon(1e-12));  // u = 0.5
  CHECK(scheduled_learning_rate(1.0, s, 100, total) == Approx(0.01).epsilon(1e-12));
  for (std::size_t step = 1; step < 20; ++step) {
    CHECK(scheduled_learning_rate(1.0, s, step, total) > scheduled_learning_rate(1.0, s, step - 1, total));
  }
  for (std::size_t step = 21; step < total; ++step) {
    CHECK(scheduled_learning_rate(1.0, s, step, total) < scheduled_learning_rate(1.0, s, step - 1, total));
  }
  for (std::size_t step = 0; step < total; ++step) {
    const double rate = scheduled_learning_rate(1.0, s, step, total);
    CHECK(rate > 0);
    CHECK(rate <= 1.0);
  }
}
