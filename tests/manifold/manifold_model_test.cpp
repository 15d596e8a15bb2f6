// The Dynamic Neural Manifold (seed 003): layout and positions as the seed defines them, the
// range maps and the cutoff on hand-computed values, the blocked forward pass against a plain
// per-neuron loop, and every parameter group's gradient against finite differences (double,
// scale-free relative error ≤ 1e-6) and a PyTorch fixture (≤ 1e-10) for both objectives, with
// and without squared outputs; the toy task trains.

#include <chaosnet/manifold/manifold_loss.hpp>
#include <chaosnet/manifold/manifold_training.hpp>
#include <chaosnet/util/random.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

using chaosnet::ManifoldGroup;
using chaosnet::ManifoldLayout;
using chaosnet::ManifoldModel;

namespace {

const ManifoldLayout toy{.inputs = 5, .comps = 16, .outputs = 4, .period = 5};

ManifoldModel toy_model(std::uint64_t seed, chaosnet::ManifoldOptions options = {}) {
  ManifoldModel model(toy, options);
  chaosnet::Rng rng(seed);
  model.initialise(chaosnet::ManifoldInit::toy(), rng);
  // A wider envelope and a lower cutoff than the toy init, so that many cells are nonzero.
  for (auto& s : model.group(ManifoldGroup::sigma)) s = 3 + std::abs(s);
  model.group(ManifoldGroup::cutoff)[0] = -2.0;
  return model;
}

Eigen::MatrixXd random_inputs(std::uint64_t seed, Eigen::Index rows, Eigen::Index cols) {
  chaosnet::Rng rng(seed);
  Eigen::MatrixXd x(rows, cols);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = chaosnet::util::normal(rng, 0, 1);
  return x;
}

}  // namespace

TEST_CASE("Manifold layout: usable cells and positions as the seed defines them", "[manifold]") {
  CHECK(ManifoldLayout{}.usable_cells() == 192519);  // 1000 neurons: 784 / 206 / 10
  CHECK(toy.usable_cells() == 284);
  const std::size_t n = toy.neurons();
  // The first comp sees pos = k, the last output pos = k − (n − n_out − 1).
  for (std::size_t k = 0; k < toy.sources(); ++k) {
    CHECK(toy.position(0, k) == Approx(static_cast<double>(k)));
    CHECK(toy.position(toy.targets() - 1, k) == Approx(static_cast<double>(k) - static_cast<double>(n - 4 - 1)));
  }
  CHECK(toy.row_length(0) == 5);    // the first comp reads the inputs
  CHECK(toy.row_length(15) == 20);  // the last comp reads every neuron before it
  CHECK(toy.row_length(16) == 21);  // an output reads every input and comp
}

TEST_CASE("Manifold closeness: the range maps and the cutoff on hand-computed values", "[manifold]") {
  // Raw 0 everywhere: α' = 0, β' = 1, γ' = 0.5, θ' = softplus(0)/ln 2 = 1, σ' = ln 2.
  const chaosnet::detail::ClosenessRow zero(chaosnet::ClosenessRaw{});
  CHECK(zero.alpha == 0.0);
  CHECK(zero.beta == 1.0);
  CHECK(zero.gamma == 0.5);
  CHECK(zero.theta == Approx(1.0).epsilon(1e-15));
  CHECK(zero.sigma == Approx(std::log(2.0)).epsilon(1e-15));
  // α = ln 3 ⇒ α' = 2·0.75 − 1 = 0.5; at x = μ = 0, φ = 0: G = 1, u = 0, q = 0.501, S = q.
  const chaosnet::detail::ClosenessRow row(chaosnet::ClosenessRaw{.alpha = std::log(3.0)});
  CHECK(chaosnet::detail::closeness(row, 0.0, 28.0) == Approx(0.5 * (0.501 - 0.5)).epsilon(1e-12));
  // x = 7 with P = 28, θ' = 1: u = π/2, q = 1.001; G = exp(−49/(2 ln²2)).
  const double g = std::exp(-49.0 / (2 * std::log(2.0) * std::log(2.0)));
  CHECK(chaosnet::detail::closeness(row, 7.0, 28.0) == Approx(0.5 * g * (1.001 - 0.5)).epsilon(1e-12));
  // The cutoff at c_raw = −1: c = 1/(1 + e); |d| ≤ c gives 0, above it (|d| − c)/(1 − c), signed.
  const chaosnet::detail::Cutoff cutoff(-1.0);
  const double c = 1 / (1 + std::exp(1.0));
  CHECK(cutoff.c == Approx(c).epsilon(1e-15));
  CHECK(cutoff.apply(0.2) == 0.0);
  CHECK(cutoff.apply(-0.2) == 0.0);
  CHECK(cutoff.apply(0.8) == Approx((0.8 - c) / (1 - c)).epsilon(1e-15));
  CHECK(cutoff.apply(-0.8) == Approx(-(0.8 - c) / (1 - c)).epsilon(1e-15));
}

TEST_CASE("Manifold forward: the blocked pass equals a per-neuron loop", "[manifold]") {
  const ManifoldModel model = toy_model(3, {.squared_outputs = true});
  const Eigen::MatrixXd x = random_inputs(4, 6, 5);
  chaosnet::ManifoldPass pass;
  model.forward(x, pass);
  REQUIRE((pass.weight.array() != 0).count() > 20);
  const auto w = model.group(ManifoldGroup::weight);
  const auto b = model.group(ManifoldGroup::bias);
  auto lrelu = [](double v) { return v > 0 ? v : 0.2 * v; };
  for (Eigen::Index s = 0; s < x.rows(); ++s) {
    std::vector<double> y(toy.neurons(), 0.0);
    for (std::size_t k = 0; k < toy.inputs; ++k) y[k] = x(s, static_cast<Eigen::Index>(k));
    for (std::size_t j = toy.inputs; j < toy.neurons(); ++j) {
      const std::size_t t = j - toy.inputs;
      const bool output = j >= toy.sources();
      double sum = 0;
      for (std::size_t k = 0; k < toy.row_length(t); ++k) {
        const double pre = w[static_cast<Eigen::Index>(k)] * y[k] + b[static_cast<Eigen::Index>(k)];
        sum += pass.weight(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(k)) * (output ? pre : lrelu(pre));
      }
      y[j] = sum;
    }
    for (std::size_t o = 0; o < toy.outputs; ++o) {
      const double z = y[toy.sources() + o];
      CHECK(pass.prediction(s, static_cast<Eigen::Index>(o)) == Approx(z * z).epsilon(1e-12).margin(1e-14));
    }
  }
}

TEST_CASE("Manifold gradients: every parameter group matches finite differences", "[manifold]") {
  const bool squared = GENERATE(false, true);
  const auto objective = GENERATE(chaosnet::ManifoldObjective::cross_entropy, chaosnet::ManifoldObjective::mse);
  INFO("squared " << squared << ", objective " << static_cast<int>(objective));
  ManifoldModel model = toy_model(11, {.squared_outputs = squared});
  const Eigen::MatrixXd x = random_inputs(12, 8, 5);
  const std::vector<int> labels{0, 1, 2, 3, 3, 2, 1, 0};
  const Eigen::MatrixXd y = random_inputs(13, 8, 4);
  const chaosnet::ManifoldTargets targets{.labels = labels, .values = &y};
  chaosnet::ManifoldLossOptions options{.objective = objective, .objective_coefficient = 1.0,
                                        .flow_coefficient = 1e-2, .sparsity_coefficient = 0.1,
                                        .l1_coefficient = 0.5};
  chaosnet::ManifoldPass pass;
  Eigen::VectorXd analytic;
  chaosnet::manifold_loss(model, x, targets, options, pass, &analytic);
  // Central differences in each parameter; a step that moves a cell across the cutoff would
  // see the kink, so the step is small against every cell's distance from it.
  const Eigen::VectorXd start = model.values();
  const double h = 1e-6;
  Eigen::VectorXd numeric(start.size());
  for (Eigen::Index i = 0; i < start.size(); ++i) {
    model.values() = start;
    model.values()[i] += h;
    const double up = chaosnet::manifold_loss(model, x, targets, options, pass).total;
    model.values()[i] = start[i] - h;
    const double down = chaosnet::manifold_loss(model, x, targets, options, pass).total;
    numeric[i] = (up - down) / (2 * h);
  }
  model.values() = start;
  const char* names[] = {"alpha", "beta", "gamma", "theta", "phi", "mu", "sigma", "weight", "bias", "cutoff"};
  for (int g = 0; g <= static_cast<int>(ManifoldGroup::cutoff); ++g) {
    const auto group = static_cast<ManifoldGroup>(g);
    const auto at = static_cast<Eigen::Index>(model.offset(group));
    const auto n = static_cast<Eigen::Index>(model.size(group));
    const Eigen::VectorXd a = analytic.segment(at, n), f = numeric.segment(at, n);
    const double error = (a - f).norm() / std::max({a.norm(), f.norm(), 1e-12});
    INFO(names[g] << ": |analytic| " << a.norm() << ", |numeric| " << f.norm());
    CHECK(a.norm() > 0);  // every group trains here
    CHECK(error <= 1e-6);
  }
}

TEST_CASE("Manifold training: the toy task's loss falls and the targets follow the seed", "[manifold]") {
  chaosnet::Rng data_rng(5);
  const chaosnet::ManifoldBatch b = chaosnet::toy_manifold_batch(data_rng, 3);
  for (Eigen::Index s = 0; s < 3; ++s) {  // [b + e, e − d, b + e + d, e − d − c] from [a, b, c, d, e]
    CHECK(b.values(s, 0) == b.x(s, 1) + b.x(s, 4));
    CHECK(b.values(s, 1) == b.x(s, 4) - b.x(s, 3));
    CHECK(b.values(s, 2) == b.x(s, 1) + b.x(s, 4) + b.x(s, 3));
    CHECK(b.values(s, 3) == b.x(s, 4) - b.x(s, 3) - b.x(s, 2));
  }
  ManifoldModel model(chaosnet::toy_manifold_layout());
  chaosnet::Rng rng(1);
  model.initialise(chaosnet::ManifoldInit::toy(), rng);
  chaosnet::ManifoldTrainOptions options;
  options.steps = 1500;
  double first = 0, last = 0;
  const bool finite = chaosnet::train_manifold(
      model, options, [&](std::size_t) { return chaosnet::toy_manifold_batch(data_rng, 50); },
      [&](const chaosnet::ManifoldStep& s) {
        if (s.step <= 20) first += s.loss.objective / 20;
        if (s.step > options.steps - 20) last += s.loss.objective / 20;
      });
  CHECK(finite);
  INFO("MSE over the first 20 steps " << first << ", the last 20 " << last);
  CHECK(last < 0.8 * first);
}

TEST_CASE("Manifold gradients: the model matches a PyTorch fixture of the seed's notebook", "[manifold]") {
  // tests/tools/make_manifold_fixtures.py: the same model neuron by neuron in PyTorch (float64),
  // differentiated by autograd, for both objectives with and without squared outputs.
  std::ifstream in(std::string(CHAOSNET_TEST_FIXTURES) + "/manifold/manifold_toy.json");
  REQUIRE(in.good());
  const nlohmann::json doc = nlohmann::json::parse(in);
  REQUIRE(doc.at("format") == "chaosnet-manifold-fixture/1");
  const auto& l = doc.at("layout");
  const ManifoldLayout layout{.inputs = l.at("inputs"), .comps = l.at("comps"), .outputs = l.at("outputs"),
                              .period = l.at("period")};
  const std::vector<double> values = doc.at("values");
  const auto rows = static_cast<Eigen::Index>(doc.at("x").size());
  Eigen::MatrixXd x(rows, static_cast<Eigen::Index>(layout.inputs));
  Eigen::MatrixXd y(rows, static_cast<Eigen::Index>(layout.outputs));
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) x(r, c) = doc.at("x")[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
    for (Eigen::Index c = 0; c < y.cols(); ++c) y(r, c) = doc.at("targets")[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
  }
  const std::vector<int> labels = doc.at("labels");
  const auto& lo = doc.at("loss");
  for (const auto& c : doc.at("cases")) {
    const bool squared = c.at("squared");
    const std::string objective = c.at("objective");
    INFO(objective << ", squared " << squared);
    ManifoldModel model(layout, {.squared_outputs = squared});
    REQUIRE(model.values().size() == static_cast<Eigen::Index>(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) model.values()[static_cast<Eigen::Index>(i)] = values[i];
    const chaosnet::ManifoldLossOptions options{
        .objective = objective == "mse" ? chaosnet::ManifoldObjective::mse : chaosnet::ManifoldObjective::cross_entropy,
        .objective_coefficient = lo.at("objective_coefficient"), .flow_coefficient = lo.at("flow_coefficient"),
        .sparsity_coefficient = lo.at("sparsity_coefficient"), .l1_coefficient = lo.at("l1_coefficient")};
    chaosnet::ManifoldPass pass;
    Eigen::VectorXd grad;
    const auto parts = chaosnet::manifold_loss(model, x, {.labels = labels, .values = &y}, options, pass, &grad);
    CHECK(parts.nonzero == c.at("nonzero").get<std::size_t>());
    CHECK(parts.total == Approx(c.at("total").get<double>()).epsilon(1e-12));
    CHECK(parts.objective == Approx(c.at("objective_value").get<double>()).epsilon(1e-12));
    CHECK(parts.flow == Approx(c.at("flow").get<double>()).epsilon(1e-12));
    for (Eigen::Index r = 0; r < rows; ++r) {
      for (Eigen::Index o = 0; o < y.cols(); ++o) {
        const double expected = c.at("prediction")[static_cast<std::size_t>(r)][static_cast<std::size_t>(o)];
        CHECK(std::abs(pass.prediction(r, o) - expected) <= 1e-10 * std::max(1.0, std::abs(expected)));
      }
    }
    const std::vector<double> expected = c.at("grad");
    std::size_t worst = 0;
    double worst_error = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const double e = std::abs(grad[static_cast<Eigen::Index>(i)] - expected[i]) / std::max(1.0, std::abs(expected[i]));
      if (e > worst_error) worst_error = e, worst = i;
    }
    INFO("worst parameter " << worst << ": " << grad[static_cast<Eigen::Index>(worst)] << " against " << expected[worst]);
    CHECK(worst_error <= 1e-10);
  }
}
