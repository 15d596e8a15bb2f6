// The tape itself: the seed's published unit values, record-once/replay, reset, and misuse.

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <vector>

using chaosnet::Tape;
using chaosnet::Tensor0D;
using chaosnet::Tensor1D;

TEST_CASE("Tape: seed v0.1 scalar values for add, mul and mish", "[autodiff][tape][seed]") {
  // The values the Chaos Network v0.1 seed printed: add(1,2) = 3 with grads (1,1); mul(1,2) = 2
  // with grads (2,1); mish(1) = 0.86509836, mish'(1) = 1.0490361. A batch of one sample is the
  // seed's scalar; the seed printed float32 values, so they are compared to float precision.
  Tape<double, 1> tape;
  using B = Tape<double, 1>::Batch;
  const auto a = tape.variable(B::Constant(1.0));
  const auto b = tape.variable(B::Constant(2.0));
  const auto sum = a + b;
  tape.backward(sum);
  CHECK(sum.value()[0] == 3.0);
  CHECK(a.grad()[0] == 1.0);
  CHECK(b.grad()[0] == 1.0);

  tape.zero_grad();
  const auto product = a * b;
  tape.backward(product);
  CHECK(product.value()[0] == 2.0);
  CHECK(a.grad()[0] == 2.0);
  CHECK(b.grad()[0] == 1.0);

  tape.zero_grad();
  const auto m = mish(a);
  tape.backward(m);
  CHECK(m.value()[0] == Approx(0.86509836).epsilon(2e-7));
  CHECK(a.grad()[0] == Approx(1.0490361).epsilon(2e-7));
}

TEST_CASE("Tape: seed v0.2 batch values for mul, mish and nll", "[autodiff][tape][seed]") {
  Tape<double, 3> tape;
  using B = Tape<double, 3>::Batch;

  SECTION("mul(w = 2, x = [1, 2, 3])") {
    const auto w = tape.variable(2.0);
    const auto x = tape.variable(B(1.0, 2.0, 3.0));
    const auto y = w * x;
    tape.backward(y);
    CHECK((y.value() == B(2.0, 4.0, 6.0)).all());
    CHECK((x.grad() == B(2.0, 2.0, 2.0)).all());
    // The seed kept the weight's gradient per sample, [1, 2, 3]; a Tensor0D reports the batch
    // sum, as PyTorch does: 1 + 2 + 3 = 6.
    CHECK(w.grad() == 6.0);
  }
  SECTION("mish([1, 2, 3]) and its derivative") {
    const auto x = tape.variable(B(1.0, 2.0, 3.0));
    const auto y = mish(x);
    tape.backward(y);
    CHECK(y.value()[0] == Approx(0.8650983882673103).epsilon(1e-14));
    CHECK(y.value()[1] == Approx(1.9439589595339946).epsilon(1e-14));
    CHECK(y.value()[2] == Approx(2.9865350049679575).epsilon(1e-14));
    CHECK(x.grad()[0] == Approx(1.0490362200997918).epsilon(1e-14));
    CHECK(x.grad()[1] == Approx(1.0693179342794896).epsilon(1e-14));
    CHECK(x.grad()[2] == Approx(1.0211069109294437).epsilon(1e-14));
  }
  SECTION("nll: class logits 1, 2, 3 for every sample, targets [0, 1, 2]") {
    const std::array logits{tape.variable(B::Constant(1.0)), tape.variable(B::Constant(2.0)),
                            tape.variable(B::Constant(3.0))};
    const std::array<int, 3> labels{0, 1, 2};
    const auto losses = nll(log_softmax(logits), tape.targets(labels));
    tape.backward(losses);  // per-sample losses, seeded with ones like the seed
    CHECK(losses.value()[0] == Approx(2.40760596444438).epsilon(1e-14));
    CHECK(losses.value()[1] == Approx(1.4076059644443801).epsilon(1e-14));
    CHECK(losses.value()[2] == Approx(0.4076059644443803).epsilon(1e-14));
    CHECK(logits[0].grad()[0] == Approx(-0.9099694268296196).epsilon(1e-14));
    CHECK(logits[0].grad()[1] == Approx(0.09003057317038046).epsilon(1e-14));
    CHECK(logits[0].grad()[2] == Approx(0.09003057317038046).epsilon(1e-14));
  }
}

TEST_CASE("Tape: seed v0.1 single-sample nll([1, 2, 3], 0)", "[autodiff][tape][seed]") {
  Tape<double, 1> tape;
  using B = Tape<double, 1>::Batch;
  const std::array logits{tape.variable(B::Constant(1.0)), tape.variable(B::Constant(2.0)),
                          tape.variable(B::Constant(3.0))};
  const std::array<int, 1> label{0};
  const auto loss = mean(nll(log_softmax(logits), tape.targets(label)));
  tape.backward(loss);
  CHECK(loss.value() == Approx(2.407606).epsilon(1e-6));
  CHECK(logits[0].grad()[0] == Approx(-0.90996945).epsilon(1e-7));
  CHECK(logits[1].grad()[0] == Approx(0.24472848).epsilon(1e-7));
  CHECK(logits[2].grad()[0] == Approx(0.66524094).epsilon(1e-7));
}

namespace {
/// A graph with every kind of op, fan-out through reuse and through split_on_add.
template <int N>
struct Composite {
  using B = typename Tape<double, N>::Batch;
  Tape<double, N>& tape;
  Tensor0D<double, N> w1, w2, bias;
  Tensor1D<double, N> x;
  chaosnet::Targets<double, N> targets;
  Tensor0D<double, N> loss;

  Composite(Tape<double, N>& t, const B& input, std::span<const int> labels)
      : tape(t), w1(t.variable(0.3)), w2(t.variable(-0.7)), bias(t.variable(0.1)),
        x(t.input(input)), targets(t.targets(labels)) {
    const auto h = mish(w1 * x + bias);
    const auto copies = split_on_add(h, 3);
    const std::array<Tensor0D<double, N>, 2> weights{w1, w2};
    const std::array<Tensor1D<double, N>, 2> sources{copies[0], h};
    const std::array logits{tanh(copies[1]) * h, weighted_sum<double, N>(weights, sources, bias),
                            sigmoid(copies[2]) - w2};
    loss = mean(nll(log_softmax(logits), targets));
  }
  [[nodiscard]] std::array<double, 3> gradients() const { return {w1.grad(), w2.grad(), bias.grad()}; }
};
}  // namespace

TEST_CASE("Tape: replay with new leaf values equals a fresh recording", "[autodiff][tape]") {
  constexpr int n = 8;
  using B = Tape<double, n>::Batch;
  const std::array<int, n> labels_a{0, 1, 2, 0, 1, 2, 0, 1};
  const std::array<int, n> labels_b{2, 2, 1, 1, 0, 0, 2, 1};
  std::mt19937_64 rng(7);
  const B input_a = B::Random();
  const B input_b = B::Random() * 3.0;

  Tape<double, n> replayed;
  Composite<n> graph(replayed, input_a, labels_a);
  const std::size_t ops = replayed.op_count();
  for (int step = 0; step < 3; ++step) {
    replayed.set(graph.x, step % 2 == 0 ? input_b : input_a);
    replayed.set(graph.targets, step % 2 == 0 ? labels_b : labels_a);
    replayed.set(graph.w2, -0.7 + 0.1 * step);
    replayed.forward();
    replayed.zero_grad();
    replayed.backward(graph.loss);

    Tape<double, n> fresh;
    Composite<n> reference(fresh, step % 2 == 0 ? input_b : input_a,
                           step % 2 == 0 ? labels_b : labels_a);
    fresh.set(reference.w2, -0.7 + 0.1 * step);
    fresh.forward();
    fresh.backward(reference.loss);

    CHECK(replayed.op_count() == ops);  // nothing was recorded again
    CHECK(graph.loss.value() == reference.loss.value());
    CHECK(graph.gradients() == reference.gradients());
  }
}

TEST_CASE("Tape: backward accumulates into leaves until zero_grad", "[autodiff][tape]") {
  Tape<double, 2> tape;
  const auto w = tape.variable(1.5);
  const auto x = tape.input(Eigen::Array2d(1.0, 2.0));
  const auto loss = sum(w * x);
  tape.backward(loss);
  CHECK(w.grad() == 3.0);
  tape.backward(loss);
  CHECK(w.grad() == 6.0);  // leaves accumulate, as in PyTorch
  tape.zero_grad();
  tape.backward(loss);
  CHECK(w.grad() == 3.0);
}

TEST_CASE("Tape: reset invalidates handles and keeps working", "[autodiff][tape]") {
  Tape<float, 4> tape;
  const auto stale = tape.variable(1.0f);
  tape.reset();
  CHECK(tape.op_count() == 0);
  CHECK_THROWS_WITH(stale.value(), Catch::Contains("stale") && Catch::Contains("reset"));
  const auto fresh = tape.variable(2.0f);
  CHECK(fresh.value() == 2.0f);
}

TEST_CASE("Tape: misuse throws with a message that says what was wrong", "[autodiff][tape]") {
  Tape<double, 2> first;
  Tape<double, 2> second;
  const auto x = first.variable(Eigen::Array2d(1.0, 2.0));
  const auto y = second.variable(Eigen::Array2d(3.0, 4.0));

  SECTION("mixing tensors of two tapes") {
    CHECK_THROWS_WITH(x + y, Catch::Contains("different tapes"));
    CHECK_THROWS_WITH(mul(second.variable(1.0), x), Catch::Contains("different tapes"));
  }
  SECTION("backward from a tensor that is not on the tape") {
    const auto loss = sum(x);
    CHECK_THROWS_WITH(second.backward(loss), Catch::Contains("different tapes"));
    CHECK_THROWS_WITH(first.backward(Tensor1D<double, 2>{}), Catch::Contains("empty"));
  }
  SECTION("a target class out of range, when recording and when replaying") {
    const std::array logits{x, x * x};
    const std::array<int, 2> bad{0, 2};
    const std::size_t ops_before = first.op_count() + 1;  // + the log_softmax below
    CHECK_THROWS_WITH(nll(log_softmax(logits), first.targets(bad)),
                      Catch::Contains("target class 2 of sample 1") && Catch::Contains("[0, 2)"));
    CHECK(first.op_count() == ops_before);  // the rejected op left no record behind
    const std::array<int, 2> good{0, 1};
    const auto targets = first.targets(good);
    const auto loss = nll(log_softmax(logits), targets);
    first.set(targets, std::array<int, 2>{-1, 0});
    CHECK_THROWS_WITH(first.forward(), Catch::Contains("target class -1 of sample 0"));
    CHECK(loss.tape() == &first);
  }
  SECTION("wrong number of labels") {
    CHECK_THROWS_WITH(first.targets(std::array<int, 3>{0, 1, 2}),
                      Catch::Contains("3 labels for a batch of 2"));
  }
  SECTION("setting a computed value, or reading the gradient of an input") {
    const auto z = x * x;
    CHECK_THROWS_WITH(first.set(z, Eigen::Array2d::Zero()), Catch::Contains("only leaves"));
    const auto data = first.input(Eigen::Array2d(1.0, 1.0));
    CHECK_THROWS_WITH(data.grad(), Catch::Contains("Tape::input()"));
  }
}
