// What ops.hpp itself decides, before any kernel runs: the checks on its arguments, each of which
// must throw before anything is recorded. The kernels' values and gradients are tested in
// tests/autodiff/kernels/, one file per kernel header.

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <span>
#include <stdexcept>
#include <vector>

using chaosnet::Tape;
using chaosnet::Tensor0D;
using chaosnet::Tensor1D;

TEST_CASE("Ops: arguments that name no operation are refused and leave no record",
          "[autodiff][ops]") {
  Tape<double, 2> tape;
  const auto x = tape.variable(Eigen::Array2d(1.0, 2.0));
  const std::size_t ops_before = tape.op_count();

  SECTION("weighted_sum with neither a bias nor a source") {
    const std::span<const Tensor0D<double, 2>> no_weights;
    const std::span<const Tensor1D<double, 2>> no_sources;
    CHECK_THROWS_WITH((chaosnet::weighted_sum<double, 2>(no_weights, no_sources)),
                      Catch::Contains("needs a bias or at least one source"));
  }
  SECTION("weighted_sum with one weight for two sources") {
    const std::array weights{tape.variable(1.0)};
    const std::array<Tensor1D<double, 2>, 2> sources{x, x};
    CHECK_THROWS_WITH((chaosnet::weighted_sum<double, 2>(weights, sources)),
                      Catch::Contains("1 weights for 2 sources"));
  }
  SECTION("split_on_add into zero copies") {
    CHECK_THROWS_AS(split_on_add(x, 0), std::invalid_argument);
  }
  SECTION("log_softmax and nll over no classes") {
    const std::vector<Tensor1D<double, 2>> none;
    CHECK_THROWS_WITH(chaosnet::log_softmax(none), Catch::Contains("at least one class logit"));
    const auto targets = tape.targets(std::array<int, 2>{0, 0});
    CHECK_THROWS_WITH(chaosnet::nll(none, targets), Catch::Contains("at least one class"));
  }
  CHECK(tape.op_count() == ops_before);
}

TEST_CASE("Ops: weighted_sum with only a bias is the bias in every sample", "[autodiff][ops]") {
  Tape<double, 2> tape;
  const auto bias = tape.variable(0.25);
  const std::span<const Tensor0D<double, 2>> no_weights;
  const std::span<const Tensor1D<double, 2>> no_sources;
  const auto y = chaosnet::weighted_sum<double, 2>(no_weights, no_sources, bias);
  CHECK((y.value() == 0.25).all());
  tape.backward(sum(y));
  CHECK(bias.grad() == Approx(2.0));  // one per sample of the batch
}
