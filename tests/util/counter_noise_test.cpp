// The counter-based failure and noise draws: right rates, right moments, pure functions of
// their counters.

#include <chaosnet/util/counter_noise.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace {
constexpr std::uint64_t draws_per_unit = 1000;
constexpr std::uint64_t units = 1000;  // 1e6 draws in all
}  // namespace

TEST_CASE("counter_noise: the failure rate is p within a 99.9% binomial interval over 1e6 draws", "[util][dynamics]") {
  for (const double p : {0.001, 0.1, 0.5, 0.9, 0.99}) {
    double failed = 0;
    Eigen::ArrayXd keep(draws_per_unit);
    for (std::uint64_t unit = 0; unit < units; ++unit) {
      chaosnet::util::fill_keep_mask(keep, p, 42, 3, unit);
      failed += static_cast<double>(draws_per_unit) - keep.sum();
    }
    const double n = static_cast<double>(draws_per_unit * units);
    const double half_width = 3.2905 * std::sqrt(p * (1 - p) / n);  // z for a two-sided 99.9%
    INFO("p = " << p << ", measured " << failed / n);
    CHECK(std::abs(failed / n - p) <= half_width);
  }
}

TEST_CASE("counter_noise: p = 0 never fails and p = 1 always does", "[util][dynamics]") {
  Eigen::ArrayXf keep(4096);
  chaosnet::util::fill_keep_mask(keep, 0.0, 1, 2, 3);
  CHECK(keep.minCoeff() == 1.0f);
  chaosnet::util::fill_keep_mask(keep, 1.0, 1, 2, 3);
  CHECK(keep.maxCoeff() == 0.0f);
}

TEST_CASE("counter_noise: Gaussian noise has mean 0 and the requested std over 1e6 draws", "[util][dynamics]") {
  double sum = 0, sum_sq = 0;
  Eigen::ArrayXd x(draws_per_unit);
  for (std::uint64_t unit = 0; unit < units; ++unit) {
    x.setZero();
    chaosnet::util::add_gaussian_noise(x, 0.05, 9, 0, unit);
    sum += x.sum();
    sum_sq += x.square().sum();
  }
  const double n = static_cast<double>(draws_per_unit * units);
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  CHECK(std::abs(mean) < 4 * 0.05 / std::sqrt(n));
  CHECK(sd == Approx(0.05).epsilon(0.005));
}

TEST_CASE("counter_noise: a draw depends only on its counters", "[util][dynamics]") {
  Eigen::ArrayXd a(64), b(64), c(64);
  chaosnet::util::fill_keep_mask(a, 0.5, 7, 100, 5);
  chaosnet::util::fill_keep_mask(c, 0.5, 7, 100, 6);  // another unit in between
  chaosnet::util::fill_keep_mask(b, 0.5, 7, 100, 5);
  CHECK((a == b).all());
  CHECK(!(a == c).all());
  chaosnet::util::fill_keep_mask(c, 0.5, 7, 101, 5);  // the next draw
  CHECK(!(a == c).all());
  // The first 16 samples of a longer column are the 16 samples of a short one.
  Eigen::ArrayXd shorter(16);
  chaosnet::util::fill_keep_mask(shorter, 0.5, 7, 100, 5);
  CHECK((shorter == a.head(16)).all());
}
