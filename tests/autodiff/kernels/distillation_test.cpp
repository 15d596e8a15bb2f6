// The distillation kernel (kernels/distillation.hpp) through distillation_loss(): values against
// the definition computed directly, gradients against central finite differences for several
// (α, T) with logits up to ±1e4 and a teacher probability of exactly 0, α = 0 against
// nll(log_softmax), the argument checks, and replay with new logits, teacher and labels.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

using chaosnet::Tape;
using chaosnet::Tensor1D;
using chaosnet_test::check_op;

namespace {

constexpr std::size_t classes = 5;

/// Teacher probabilities, [class][sample]: softmax(teacher_logits / T) of random teacher logits,
/// with class 0 of sample 0 exactly 0 (renormalised), so 0·log 0 is exercised.
template <int N>
using Probabilities = std::array<std::array<double, static_cast<std::size_t>(N)>, classes>;

template <int N>
Probabilities<N> teacher_probabilities(double temperature, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> logit(0.0, 2.0);
  Probabilities<N> p{};
  for (std::size_t k = 0; k < static_cast<std::size_t>(N); ++k) {
    double total = 0;
    for (std::size_t c = 0; c < classes; ++c) total += p[c][k] = std::exp(logit(rng) / temperature);
    if (k == 0) total -= std::exchange(p[0][k], 0.0);
    for (std::size_t c = 0; c < classes; ++c) p[c][k] /= total;
  }
  return p;
}

template <class T, int N>
std::vector<Tensor1D<T, N>> teacher_inputs(Tape<T, N>& tape, const Probabilities<N>& p) {
  std::vector<Tensor1D<T, N>> out;
  for (const auto& per_sample : p) {
    Eigen::Array<T, N, 1> b;
    for (int k = 0; k < N; ++k) b[k] = static_cast<T>(per_sample[static_cast<std::size_t>(k)]);
    out.push_back(tape.input(b));
  }
  return out;
}

template <int N>
std::array<int, static_cast<std::size_t>(N)> labels(int shift) {
  std::array<int, static_cast<std::size_t>(N)> y{};
  for (std::size_t k = 0; k < y.size(); ++k) y[k] = static_cast<int>((3 * k + 1 + static_cast<std::size_t>(shift)) % classes);
  return y;
}

/// The definition, without any stabilisation: only for moderate logits.
double reference_loss(const std::array<double, classes>& z, const std::array<double, classes>& p,
                      int y, double alpha, double temperature) {
  double hard_total = 0, soft_total = 0;
  for (const double zc : z) {
    hard_total += std::exp(zc);
    soft_total += std::exp(zc / temperature);
  }
  double kl = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    if (p[c] > 0) kl += p[c] * std::log(p[c] / (std::exp(z[c] / temperature) / soft_total));
  }
  const double nll = -std::log(std::exp(z[static_cast<std::size_t>(y)]) / hard_total);
  return alpha * temperature * temperature * kl + (1 - alpha) * nll;
}

struct Mix {
  double alpha;
  double temperature;
};
constexpr std::array<Mix, 6> mixes{{{0.0, 1.0}, {0.5, 1.0}, {1.0, 1.0}, {0.3, 4.0}, {1.0, 4.0},
                                    {0.9, 2.5}}};

}  // namespace

TEMPLATE_TEST_CASE_SIG("Distillation kernel: gradients match finite differences",
                       "[autodiff][kernels]", ((int N), N), 1, 4, 32) {
  for (const Mix mix : mixes) {
    INFO("alpha " << mix.alpha << ", T " << mix.temperature);
    const Probabilities<N> p = teacher_probabilities<N>(mix.temperature, 11);
    check_op<N>([&](auto& tape, const auto&, const auto& b) {
      using T = typename std::decay_t<decltype(tape)>::Scalar;
      const auto targets = tape.targets(labels<N>(0));
      const std::array logits{b[0], b[1] * b[2], b[2], b[3], b[4]};
      const auto loss = chaosnet::distillation_loss(logits, teacher_inputs(tape, p), targets,
                                                    static_cast<T>(mix.alpha),
                                                    static_cast<T>(mix.temperature));
      return mean(loss * b[5]);
    }, 0, classes + 1, -3, 3, {50.0, -50.0, 1e4, -1e4});
  }
}

TEMPLATE_TEST_CASE_SIG("Distillation kernel: the value is the definition",
                       "[autodiff][kernels]", ((int N), N), 1, 4, 32) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> logit(-4.0, 4.0);
  for (const Mix mix : mixes) {
    INFO("alpha " << mix.alpha << ", T " << mix.temperature);
    const Probabilities<N> p = teacher_probabilities<N>(mix.temperature, 12);
    Tape<double, N> tape;
    std::vector<Tensor1D<double, N>> logits;
    for (std::size_t c = 0; c < classes; ++c) {
      logits.push_back(tape.variable(Eigen::Array<double, N, 1>::NullaryExpr([&] { return logit(rng); })));
    }
    const auto y = labels<N>(2);
    const auto loss = chaosnet::distillation_loss(logits, teacher_inputs(tape, p), tape.targets(y),
                                                  mix.alpha, mix.temperature);
    for (int k = 0; k < N; ++k) {
      const auto sample = static_cast<std::size_t>(k);
      std::array<double, classes> z{}, pk{};
      for (std::size_t c = 0; c < classes; ++c) {
        z[c] = logits[c].value()[k];
        pk[c] = p[c][sample];
      }
      CHECK(loss.value()[k] ==
            Approx(reference_loss(z, pk, y[sample], mix.alpha, mix.temperature)).epsilon(1e-12));
    }
  }
}

TEST_CASE("Distillation kernel: a worked example by hand", "[autodiff][kernels]") {
  // z = (0, ln 3): softmax(z) = (1/4, 3/4). p = (1/2, 1/2), label 1, T = 1, α = 1/2:
  // loss = 1/2·KL + 1/2·(−ln 3/4) with KL = 1/2·ln 2 + 1/2·ln(2/3) = 1/2·ln(4/3);
  // d/dz = 1/2·(q − p) + 1/2·(softmax − e_1) = 1/2·(−1/4, 1/4) + 1/2·(1/4, −1/4) = (0, 0).
  // With α = 1: d/dz = q − p = (−1/4, 1/4).
  Tape<double, 1> tape;
  const std::array z{tape.variable(Eigen::Array<double, 1, 1>(0.0)),
                     tape.variable(Eigen::Array<double, 1, 1>(std::log(3.0)))};
  const std::array p{tape.input(Eigen::Array<double, 1, 1>(0.5)),
                     tape.input(Eigen::Array<double, 1, 1>(0.5))};
  const auto targets = tape.targets(std::array{1});
  const auto half = chaosnet::distillation_loss(z, p, targets, 0.5, 1.0);
  CHECK(half.value()[0] == Approx(0.25 * std::log(4.0 / 3.0) - 0.5 * std::log(0.75)));
  tape.backward(half);
  CHECK(z[0].grad()[0] == Approx(0.0).margin(1e-15));
  CHECK(z[1].grad()[0] == Approx(0.0).margin(1e-15));

  tape.zero_grad();
  const auto soft = chaosnet::distillation_loss(z, p, targets, 1.0, 1.0);
  CHECK(soft.value()[0] == Approx(0.5 * std::log(4.0 / 3.0)));
  tape.backward(soft);
  CHECK(z[0].grad()[0] == Approx(-0.25));
  CHECK(z[1].grad()[0] == Approx(0.25));
}

TEMPLATE_TEST_CASE_SIG("Distillation kernel: alpha = 0 is nll(log_softmax)", "[autodiff][kernels]",
                       ((int N), N), 1, 4, 32) {
  const double temperature = GENERATE(1.0, 4.0);
  INFO("T " << temperature);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> logit(-6.0, 6.0);
  Tape<double, N> tape;
  std::vector<Tensor1D<double, N>> logits;
  for (std::size_t c = 0; c < classes; ++c) {
    logits.push_back(tape.variable(Eigen::Array<double, N, 1>::NullaryExpr([&] { return logit(rng); })));
  }
  const auto targets = tape.targets(labels<N>(1));
  const auto distilled = chaosnet::distillation_loss(
      logits, teacher_inputs(tape, teacher_probabilities<N>(temperature, 13)), targets, 0.0,
      temperature);
  const auto nll = chaosnet::nll(chaosnet::log_softmax(logits), targets);
  CHECK((distilled.value() == nll.value()).all());

  tape.backward(mean(distilled));
  std::vector<Eigen::Array<double, N, 1>> distilled_grads;
  for (const auto& z : logits) distilled_grads.push_back(z.grad());
  tape.zero_grad();
  tape.backward(mean(nll));
  for (std::size_t c = 0; c < classes; ++c) {
    INFO("class " << c);
    CHECK(((distilled_grads[c] - logits[c].grad()).abs() <= 1e-16).all());
  }
}

TEST_CASE("Distillation kernel: extreme logits stay finite in float", "[autodiff][kernels]") {
  Tape<float, 2> tape;
  const std::array z{tape.variable(Eigen::Array2f(1e4f, -50.0f)),
                     tape.variable(Eigen::Array2f(-1e4f, 50.0f)),
                     tape.variable(Eigen::Array2f(0.0f, 0.0f))};
  const std::array p{tape.input(Eigen::Array2f(0.0f, 0.25f)), tape.input(Eigen::Array2f(0.5f, 0.0f)),
                     tape.input(Eigen::Array2f(0.5f, 0.75f))};
  const auto loss = chaosnet::distillation_loss(z, p, tape.targets(std::array{1, 0}), 0.5f, 2.0f);
  tape.backward(mean(loss));
  CHECK(loss.value().isFinite().all());
  for (const auto& x : z) CHECK(x.grad().isFinite().all());
  // Sample 0: label 1 sits 2e4 below the top logit, so the hard term is 2e4 (times 1 − α).
  CHECK(loss.value()[0] > 0.5f * 2e4f);
}

namespace {
/// Two classes, two samples: logits, teacher probabilities and labels for the error cases.
struct TwoClasses {
  Tape<double, 2> tape;
  std::array<Tensor1D<double, 2>, 2> z{tape.variable(Eigen::Array2d(1.0, 2.0)),
                                       tape.variable(Eigen::Array2d(0.5, -1.0))};
  std::array<Tensor1D<double, 2>, 2> p{tape.input(Eigen::Array2d(0.3, 0.6)),
                                       tape.input(Eigen::Array2d(0.7, 0.4))};
  chaosnet::Targets<double, 2> targets = tape.targets(std::array{0, 1});
};
}  // namespace

TEST_CASE("Distillation kernel: bad arguments are refused and leave no record",
          "[autodiff][kernels]") {
  TwoClasses g;
  auto& [tape, z, p, targets] = g;
  const std::size_t ops_before = tape.op_count();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  SECTION("no classes") {
    const std::vector<Tensor1D<double, 2>> none;
    CHECK_THROWS_WITH(chaosnet::distillation_loss(none, none, targets, 0.5, 2.0),
                      Catch::Contains("at least one class"));
  }
  SECTION("fewer teacher probabilities than logits") {
    const std::array one{p[0]};
    CHECK_THROWS_WITH(chaosnet::distillation_loss(z, one, targets, 0.5, 2.0),
                      Catch::Contains("2 class logits but 1 teacher probabilities"));
  }
  SECTION("alpha outside [0, 1]") {
    for (const double alpha : {-0.01, 1.01, nan}) {
      CHECK_THROWS_AS(chaosnet::distillation_loss(z, p, targets, alpha, 2.0), std::invalid_argument);
    }
    CHECK_THROWS_WITH(chaosnet::distillation_loss(z, p, targets, 1.5, 2.0),
                      Catch::Contains("alpha 1.5") && Catch::Contains("outside [0, 1]"));
  }
  SECTION("a temperature that is not finite and positive") {
    for (const double temperature : {0.0, -1.0, inf, nan}) {
      CHECK_THROWS_WITH(chaosnet::distillation_loss(z, p, targets, 0.5, temperature),
                        Catch::Contains("temperature"));
    }
  }
  SECTION("teacher probabilities with a gradient") {
    const std::array variable{p[0], tape.variable(Eigen::Array2d(0.7, 0.4))};
    CHECK_THROWS_WITH(chaosnet::distillation_loss(z, variable, targets, 0.5, 2.0),
                      Catch::Contains("Tape::input"));
  }
  SECTION("teacher probabilities on another tape") {
    Tape<double, 2> other;
    const std::array foreign{other.input(Eigen::Array2d(0.3, 0.6)), other.input(Eigen::Array2d(0.7, 0.4))};
    CHECK_THROWS_WITH(chaosnet::distillation_loss(z, foreign, targets, 0.5, 2.0),
                      Catch::Contains("different tapes"));
  }
  SECTION("a target class out of range") {
    CHECK_THROWS_WITH(chaosnet::distillation_loss(z, p, tape.targets(std::array{0, 2}), 0.5, 2.0),
                      Catch::Contains("target class 2 of sample 1") && Catch::Contains("[0, 2)"));
  }
  CHECK(tape.op_count() == ops_before);
}

TEST_CASE("Distillation kernel: a target class out of range is caught on replay",
          "[autodiff][kernels]") {
  TwoClasses g;
  auto& [tape, z, p, targets] = g;
  const auto loss = chaosnet::distillation_loss(z, p, targets, 0.5, 2.0);
  tape.set(targets, std::array{1, 2});
  CHECK_THROWS_AS(tape.forward(), std::out_of_range);
  tape.set(targets, std::array{-1, 0});
  CHECK_THROWS_WITH(tape.forward(), Catch::Contains("target class -1 of sample 0"));
  tape.set(targets, std::array{1, 0});
  tape.forward();
  CHECK(std::isfinite(loss.value()[0]));
}

namespace {
/// One recording of the loss on `tape`; every leaf can be set for a replay.
template <int N>
struct DistillationGraph {
  std::vector<Tensor1D<double, N>> logits;
  std::vector<Tensor1D<double, N>> teacher;
  chaosnet::Targets<double, N> targets;
  chaosnet::Tensor0D<double, N> loss;

  DistillationGraph(Tape<double, N>& tape, const std::vector<Eigen::Array<double, N, 1>>& z,
                    const Probabilities<N>& p, const std::array<int, static_cast<std::size_t>(N)>& y) {
    for (const auto& zc : z) logits.push_back(tape.variable(zc));
    teacher = teacher_inputs(tape, p);
    targets = tape.targets(y);
    loss = mean(chaosnet::distillation_loss(logits, teacher, targets, 0.7, 3.0));
  }
};
}  // namespace

TEMPLATE_TEST_CASE_SIG("Distillation kernel: replay with new logits, teacher and labels equals a "
                       "fresh recording", "[autodiff][kernels]", ((int N), N), 1, 4, 32) {
  using Batch = Eigen::Array<double, N, 1>;
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> logit(-5.0, 5.0);
  const auto random_logits = [&] {
    std::vector<Batch> z;
    for (std::size_t c = 0; c < classes; ++c) z.push_back(Batch::NullaryExpr([&] { return logit(rng); }));
    return z;
  };
  const std::array<std::vector<Batch>, 2> z{random_logits(), random_logits()};
  const std::array<Probabilities<N>, 2> p{teacher_probabilities<N>(3.0, 31), teacher_probabilities<N>(3.0, 32)};
  const std::array y{labels<N>(0), labels<N>(3)};

  Tape<double, N> replayed;
  DistillationGraph<N> graph(replayed, z[0], p[0], y[0]);
  const std::size_t ops = replayed.op_count();
  for (int step = 0; step < 3; ++step) {
    const auto i = static_cast<std::size_t>(step % 2 == 0 ? 1 : 0);
    for (std::size_t c = 0; c < classes; ++c) {
      replayed.set(graph.logits[c], z[i][c]);
      Batch pc;
      for (int k = 0; k < N; ++k) pc[k] = p[i][c][static_cast<std::size_t>(k)];
      replayed.set(graph.teacher[c], pc);
    }
    replayed.set(graph.targets, y[i]);
    replayed.forward();
    replayed.zero_grad();
    replayed.backward(graph.loss);

    Tape<double, N> fresh;
    DistillationGraph<N> reference(fresh, z[i], p[i], y[i]);
    fresh.backward(reference.loss);

    INFO("step " << step);
    CHECK(replayed.op_count() == ops);
    CHECK(graph.loss.value() == reference.loss.value());
    for (std::size_t c = 0; c < classes; ++c) {
      CHECK((graph.logits[c].grad() == reference.logits[c].grad()).all());
    }
  }
}
