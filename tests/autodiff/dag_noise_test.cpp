// sparse_dag under node failure and noise (seed 002 on chaos networks): the clean path is
// unchanged, a recording equals the op-by-op graph with the mask as data (values and every
// gradient), a failed unit passes no gradient, gradients match finite differences with a fixed
// mask, the failure rate over 1e6 unit-samples is p, the draw picks the masks, and rescaling.

#include <autodiff/op_check.hpp>
#include <autodiff/three_unit_dag.hpp>

#include <chaosnet/autodiff.hpp>
#include <chaosnet/util/counter_noise.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

using chaosnet::Activation;
using chaosnet::DagMode;
using chaosnet::DagNoise;
using chaosnet::DagSpec;

namespace {

/// three_units() (units 2 and 3 inner mish, 4 the identity output) under `noise`, its units
/// 11, 12 and 13 in the noise stream.
DagSpec three_units(DagNoise noise = {}) {
  DagSpec spec = chaosnet_test::three_units();
  spec.noise = noise;
  spec.noise_ids = {11, 12, 13};
  return spec;
}

constexpr std::array<double, 8> parameter_values{0.1, -0.4, 0.7, 0.3, -0.9, 0.5, 1.2, -0.2};

template <int N>
using Batch = Eigen::Array<double, N, 1>;

template <int N>
Batch<N> keep_of(const DagNoise& noise, std::uint64_t unit) {
  Batch<N> keep;
  chaosnet::util::fill_keep_mask(keep, noise.fail_prob, noise.seed, noise.draw, unit,
                                 noise.survivor_scale());
  return keep;
}

/// The sparse_dag of three_units() and the same graph op by op, noise and keep masks fed as
/// data, on one tape each; returns (dag tape output, op tape output) after backward.
template <int N>
struct BothGraphs {
  chaosnet::Tape<double, N> dag_tape, op_tape;
  chaosnet::Tensor1D<double, N> dag_out, op_out, dag_x, op_x;
  chaosnet::Tensor0DRange<double, N> dag_p, op_p;

  explicit BothGraphs(const DagNoise& noise) {
    Batch<N> x;
    for (int k = 0; k < N; ++k) x(k) = -1.5 + 3.0 * k / std::max(1, N - 1);
    const Batch<N> half = Batch<N>::Constant(0.5);
    dag_p = dag_tape.variables(parameter_values);
    dag_x = dag_tape.variable(x);
    const std::array dag_inputs{dag_tape.input(half), dag_x};
    dag_out = chaosnet::sparse_dag<double, N>(three_units(noise), dag_inputs, dag_p)[0];

    op_p = op_tape.variables(parameter_values);
    op_x = op_tape.variable(x);
    const auto in0 = op_tape.input(half);
    auto noisy = [&](chaosnet::Tensor1D<double, N> pre, std::uint64_t unit) {
      Batch<N> z = Batch<N>::Zero();
      if (noise.noise_std > 0) chaosnet::util::add_gaussian_noise(z, noise.noise_std, noise.seed, noise.draw, unit);
      return mish(pre + op_tape.input(z)) * op_tape.input(keep_of<N>(noise, unit));
    };
    const auto u2 = noisy(op_p[0] + op_p[1] * in0 + op_p[2] * op_x, 11);
    const auto u3 = noisy(op_p[3] * op_x + op_p[4] * u2, 12);
    op_out = op_p[5] * u2 + op_p[6] * u3 + op_p[7];

    const Batch<N> coefficients = Batch<N>::LinSpaced(N, 1.0, 2.0);
    dag_tape.backward(sum(dag_out * dag_tape.input(coefficients)));
    op_tape.backward(sum(op_out * op_tape.input(coefficients)));
  }
};

}  // namespace

TEMPLATE_TEST_CASE_SIG("sparse_dag noise: equals the op-by-op graph with the masks as data",
                       "[autodiff][sparse_dag][noise]", ((int N), N), 1, 4, 32) {
  for (const DagNoise noise : {DagNoise{.fail_prob = 0.5, .seed = 3, .draw = 7},
                               DagNoise{.fail_prob = 0.3, .noise_std = 0.2, .seed = 4, .draw = 1},
                               DagNoise{.fail_prob = 0.4, .rescale = true, .seed = 5, .draw = 2},
                               DagNoise{.noise_std = 0.5, .seed = 6, .draw = 9}}) {
    INFO("fail_prob " << noise.fail_prob << ", noise_std " << noise.noise_std << ", rescale " << noise.rescale);
    BothGraphs<N> g(noise);
    CHECK(g.dag_out.value().isApprox(g.op_out.value(), 1e-13));
    CHECK(g.dag_x.grad().isApprox(g.op_x.grad(), 1e-13));
    for (std::size_t i = 0; i < parameter_values.size(); ++i) {
      INFO("parameter " << i);
      CHECK(g.dag_p[i].grad() == Approx(g.op_p[i].grad()).epsilon(1e-12).margin(1e-14));
    }
  }
}

TEST_CASE("sparse_dag noise: a failed unit passes no gradient to its inputs or weights",
          "[autodiff][sparse_dag][noise]") {
  // At p = 0.5 over 32 samples both inner units fail somewhere; unit 2's incoming weights get
  // no gradient from a sample where it failed, so they equal the sum over its survivors.
  constexpr int N = 32;
  const DagNoise noise{.fail_prob = 0.5, .seed = 8, .draw = 0};
  const Batch<N> keep2 = keep_of<N>(noise, 11);
  REQUIRE(keep2.minCoeff() == 0.0);
  REQUIRE(keep2.maxCoeff() == 1.0);
  BothGraphs<N> failing(noise);
  // Unit 2's weight p2 reads in1 = x: its gradient is Σ_k δ2_k·x_k, with δ2_k = 0 where it failed.
  // Zero every sample of x where unit 2 survived: then nothing may be left of the gradient.
  Batch<N> x_where_failed;
  for (int k = 0; k < N; ++k) x_where_failed(k) = keep2(k) == 0 ? -1.5 + 3.0 * k / (N - 1) : 0.0;
  chaosnet::Tape<double, N> tape;
  const auto p = tape.variables(parameter_values);
  const std::array inputs{tape.input(Batch<N>::Constant(0.5)), tape.variable(x_where_failed)};
  const auto out = chaosnet::sparse_dag<double, N>(three_units(noise), inputs, p)[0];
  tape.backward(sum(out));
  // p2's gradient is Σ_k δ2_k·x_k: x is nonzero only where unit 2 failed, so it must be 0.
  CHECK(p[2].grad() == 0.0);
  CHECK(failing.dag_p[2].grad() != 0.0);  // the full x: the survivors contribute
}

TEMPLATE_TEST_CASE_SIG("sparse_dag noise: gradients match finite differences with a fixed mask",
                       "[autodiff][sparse_dag][noise]", ((int N), N), 1, 4, 32) {
  chaosnet_test::check_three_units_gradients<N>(
      three_units({.fail_prob = 0.3, .noise_std = 0.1, .rescale = true, .seed = 2, .draw = 5}));
}

TEST_CASE("sparse_dag noise: inactive noise leaves the outputs bit for bit as without it",
          "[autodiff][sparse_dag][noise]") {
  BothGraphs<4> clean({});
  BothGraphs<4> zero({.fail_prob = 0, .noise_std = 0, .rescale = true, .seed = 99, .draw = 3});
  CHECK((clean.dag_out.value() == zero.dag_out.value()).all());
}

TEST_CASE("sparse_dag noise: failure rate over 1e6 unit-samples is within the 99.9% interval",
          "[autodiff][sparse_dag][noise]") {
  // 64 inner units in a chain off one input, all with nonzero outputs when alive, × 64 samples
  // × 250 passes = 1,024,000 unit-samples; a failed one's value is exactly 0.
  constexpr int N = 64;
  constexpr std::uint32_t units = 64, passes = 250;
  DagSpec spec;
  spec.inputs = 1;
  spec.outputs = 1;
  std::vector<double> params;
  for (std::uint32_t u = 0; u <= units; ++u) {
    const bool output = u == units;
    spec.units.push_back({output ? Activation::identity : Activation::mish, static_cast<std::uint32_t>(params.size()),
                          static_cast<std::uint32_t>(params.size() + 1), static_cast<std::uint32_t>(spec.sources.size()), 1});
    params.push_back(0.25);  // bias
    params.push_back(1.0);   // weight
    spec.sources.push_back(0);  // every unit reads the input (the output too)
  }
  for (const double p : {0.1, 0.5, 0.9}) {
    spec.noise = {.fail_prob = p, .seed = 17};
    chaosnet::Tape<double, N> tape;
    const std::array inputs{tape.input(Batch<N>::LinSpaced(N, 0.5, 1.5))};
    (void)chaosnet::sparse_dag<double, N>(spec, inputs, tape.variables(params), DagMode::inference);
    std::size_t failed = 0, total = 0;
    for (std::uint32_t pass = 0; pass < passes; ++pass) {
      chaosnet::set_dag_noise_draw(tape, pass);
      tape.forward();
      // Inner unit u's value slot: after the input, slots alternate [pre, value] per unit.
      for (std::uint32_t u = 0; u < units; ++u) {
        const Batch<N>& value = tape.batch_values()[1 + 2 * u + 1];
        failed += static_cast<std::size_t>((value == 0.0).count());
        total += N;
      }
    }
    const double n = static_cast<double>(total);
    const double half_width = 3.29 * std::sqrt(p * (1 - p) / n);  // 99.9% two-sided
    INFO("p " << p << ": " << failed << " of " << total << " failed");
    CHECK(std::abs(static_cast<double>(failed) / n - p) <= half_width);
  }
}

TEST_CASE("sparse_dag noise: the draw picks the masks; the same draw replays them",
          "[autodiff][sparse_dag][noise]") {
  constexpr int N = 32;
  chaosnet::Tape<double, N> tape;
  const std::array inputs{tape.input(Batch<N>::Constant(0.5)), tape.input(Batch<N>::LinSpaced(N, -1, 1))};
  const auto out = chaosnet::sparse_dag<double, N>(three_units({.fail_prob = 0.5, .seed = 1}), inputs,
                                                   tape.variables(parameter_values), DagMode::inference)[0];
  const Batch<N> first = out.value();
  chaosnet::set_dag_noise_draw(tape, 1);
  tape.forward();
  const Batch<N> second = out.value();
  CHECK((first != second).any());
  chaosnet::set_dag_noise_draw(tape, 0);
  tape.forward();
  CHECK((out.value() == first).all());
}

TEST_CASE("sparse_dag noise: rescaling multiplies survivors by 1/(1 - p) and keeps the masks",
          "[autodiff][sparse_dag][noise]") {
  // Unit 2 reads only data, so its value is mish(pre)·keep: rescaled it is exactly 1/(1 − p) times.
  constexpr int N = 32;
  auto unit2 = [](bool rescale) {
    chaosnet::Tape<double, N> tape;
    const std::array inputs{tape.input(Batch<N>::Constant(0.5)), tape.input(Batch<N>::LinSpaced(N, -1, 1))};
    (void)chaosnet::sparse_dag<double, N>(three_units({.fail_prob = 0.2, .rescale = rescale, .seed = 4}), inputs,
                                          tape.variables(parameter_values), DagMode::inference);
    return Batch<N>(tape.batch_values()[3]);  // inputs 0, 1; unit 2's pre 2, value 3
  };
  const Batch<N> plain = unit2(false), rescaled = unit2(true);
  CHECK((plain == 0.0).any());
  CHECK(((plain == 0.0) == (rescaled == 0.0)).all());
  CHECK(rescaled.isApprox(plain / 0.8, 1e-15));
}

TEST_CASE("sparse_dag noise: out-of-range failure and noise settings are rejected",
          "[autodiff][sparse_dag][noise]") {
  chaosnet::Tape<double, 2> tape;
  const std::array inputs{tape.input(Eigen::Array2d(1.0, 2.0)), tape.input(Eigen::Array2d(3.0, 4.0))};
  const auto p = tape.variables(parameter_values);
  auto record = [&](DagSpec spec) { return chaosnet::sparse_dag<double, 2>(spec, inputs, p); };
  CHECK_THROWS_WITH(record(three_units({.fail_prob = 1.0})), Catch::Contains("fail_prob"));
  CHECK_THROWS_WITH(record(three_units({.fail_prob = -0.1})), Catch::Contains("fail_prob"));
  CHECK_THROWS_WITH(record(three_units({.noise_std = std::nan("")})), Catch::Contains("noise_std"));
  DagSpec wrong_ids = three_units({.fail_prob = 0.5});
  wrong_ids.noise_ids = {1, 2};
  CHECK_THROWS_WITH(record(wrong_ids), Catch::Contains("noise ids"));
}
