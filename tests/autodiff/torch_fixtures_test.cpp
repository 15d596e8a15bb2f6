// Every op, a composite graph with fan-out and a random 30-node network, rebuilt with chaosnet
// ops and compared with values and gradients computed by PyTorch in float64
// (tests/tools/make_torch_fixtures.py), in double and in float, at batch sizes 1, 4 and 32.
#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <chaosnet/autodiff/distillation.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

#include <support/torch_fixture.hpp>

using chaosnet::Tape;
using chaosnet::Tensor0D;
using chaosnet::Tensor1D;
using chaosnet::test::check_torch_fixture;
using chaosnet::test::Json;
using chaosnet::test::TorchCase;
using chaosnet::test::TorchGraph;
using chaosnet::test::variables;

// N is the compile-time batch size; each instance reads the fixture cases of that size.
#define TORCH_FIXTURE_TEST_CASE(name)                                                         \
  TEMPLATE_TEST_CASE_SIG("PyTorch fixtures: " name, "[autodiff][torch]",                      \
                         ((typename T, int N), T, N), (double, 1), (double, 4), (double, 32), \
                         (float, 1), (float, 4), (float, 32))

namespace {

/// z = op(x, second) over batch input "x" and input `second`, a Tensor0D or a Tensor1D.
template <class T, int N, class Second, class Op>
void check_binary(const std::string& fixture, const std::string& second, Op op) {
  check_torch_fixture<T, N>(fixture, [&](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto x = tape.variable(c.batch("x"));
    const auto y = [&]() -> Second {
      if constexpr (std::is_same_v<Second, Tensor0D<T, N>>) {
        return tape.variable(c.scalar(second));
      } else {
        return tape.variable(c.batch(second));
      }
    }();
    return TorchGraph<T, N>{{{"z", op(x, y)}}, {{"x", x}, {second, y}}};
  });
}

/// `output` = op(x) over batch input "x": an activation, or a reduction whose scalar output is
/// also the loss.
template <class T, int N, class Op>
void check_unary(const std::string& fixture, const std::string& output, Op op) {
  check_torch_fixture<T, N>(fixture, [&](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto x = tape.variable(c.batch("x"));
    return TorchGraph<T, N>{{{output, op(x)}}, {{"x", x}}};
  });
}

}  // namespace

// --- arithmetic ------------------------------------------------------------------------------

TORCH_FIXTURE_TEST_CASE("add(1D, 1D) gradients") {
  check_binary<T, N, Tensor1D<T, N>>(
      "add_batch_batch", "y", [](const auto& x, const auto& y) { return chaosnet::add(x, y); });
}
TORCH_FIXTURE_TEST_CASE("add(1D, 0D) gradients") {
  check_binary<T, N, Tensor0D<T, N>>(
      "add_batch_scalar", "s", [](const auto& x, const auto& s) { return chaosnet::add(x, s); });
}
TORCH_FIXTURE_TEST_CASE("sub(1D, 1D) gradients") {
  check_binary<T, N, Tensor1D<T, N>>(
      "sub_batch_batch", "y", [](const auto& x, const auto& y) { return chaosnet::sub(x, y); });
}
TORCH_FIXTURE_TEST_CASE("sub(1D, 0D) gradients") {
  check_binary<T, N, Tensor0D<T, N>>(
      "sub_batch_scalar", "s", [](const auto& x, const auto& s) { return chaosnet::sub(x, s); });
}
TORCH_FIXTURE_TEST_CASE("mul(0D, 1D) gradients") {
  check_binary<T, N, Tensor0D<T, N>>(
      "mul_scalar_batch", "s", [](const auto& x, const auto& s) { return chaosnet::mul(s, x); });
}
TORCH_FIXTURE_TEST_CASE("mul(1D, 1D) gradients") {
  check_binary<T, N, Tensor1D<T, N>>(
      "mul_batch_batch", "y", [](const auto& x, const auto& y) { return chaosnet::mul(x, y); });
}

// --- activations -----------------------------------------------------------------------------

TORCH_FIXTURE_TEST_CASE("mish gradients") {
  check_unary<T, N>("mish", "y", [](const auto& x) { return chaosnet::mish(x); });
}
TORCH_FIXTURE_TEST_CASE("relu gradients") {
  check_unary<T, N>("relu", "y", [](const auto& x) { return chaosnet::relu(x); });
}
TORCH_FIXTURE_TEST_CASE("tanh gradients") {
  check_unary<T, N>("tanh", "y", [](const auto& x) { return chaosnet::tanh(x); });
}
TORCH_FIXTURE_TEST_CASE("sigmoid gradients") {
  check_unary<T, N>("sigmoid", "y", [](const auto& x) { return chaosnet::sigmoid(x); });
}
TORCH_FIXTURE_TEST_CASE("exp gradients") {
  check_unary<T, N>("exp", "y", [](const auto& x) { return chaosnet::exp(x); });
}
TORCH_FIXTURE_TEST_CASE("log gradients") {
  check_unary<T, N>("log", "y", [](const auto& x) { return chaosnet::log(x); });
}

// --- n-ary ops -------------------------------------------------------------------------------

TORCH_FIXTURE_TEST_CASE("weighted_sum gradients") {
  check_torch_fixture<T, N>("weighted_sum", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto bias = tape.variable(c.scalar("bias"));
    const auto weights = variables(tape, c.scalars("weights"));
    const auto sources = variables(tape, c.batches("sources"));
    return TorchGraph<T, N>{{{"y", chaosnet::weighted_sum<T, N>(weights, sources, bias)}},
                            {{"bias", bias}, {"weights", weights}, {"sources", sources}}};
  });
}

TORCH_FIXTURE_TEST_CASE("split_on_add gradients") {
  check_torch_fixture<T, N>("split_on_add", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto x = tape.variable(c.batch("x"));
    return TorchGraph<T, N>{{{"copies", chaosnet::split_on_add(x, 3)}}, {{"x", x}}};
  });
}

// --- reductions and losses -------------------------------------------------------------------

TORCH_FIXTURE_TEST_CASE("sum gradients") {
  check_unary<T, N>("sum", "s", [](const auto& x) { return chaosnet::sum(x); });
}
TORCH_FIXTURE_TEST_CASE("mean gradients") {
  check_unary<T, N>("mean", "m", [](const auto& x) { return chaosnet::mean(x); });
}
TORCH_FIXTURE_TEST_CASE("mse gradients") {
  check_torch_fixture<T, N>("mse", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto prediction = tape.variable(c.batch("prediction"));
    const auto target = tape.variable(c.batch("target"));
    return TorchGraph<T, N>{{{"loss", chaosnet::mse(prediction, target)}},
                            {{"prediction", prediction}, {"target", target}}};
  });
}

TORCH_FIXTURE_TEST_CASE("log_softmax gradients") {
  check_torch_fixture<T, N>("log_softmax", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto logits = variables(tape, c.batches("logits"));
    return TorchGraph<T, N>{{{"log_probs", chaosnet::log_softmax(logits)}}, {{"logits", logits}}};
  });
}

TORCH_FIXTURE_TEST_CASE("nll gradients") {
  check_torch_fixture<T, N>("nll", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto logits = variables(tape, c.batches("logits"));
    const auto losses = chaosnet::nll(chaosnet::log_softmax(logits), tape.targets(c.targets()));
    return TorchGraph<T, N>{{{"losses", losses}}, {{"logits", logits}}};
  });
}

TORCH_FIXTURE_TEST_CASE("mean nll gradients") {
  check_torch_fixture<T, N>("nll_mean", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const auto logits = variables(tape, c.batches("logits"));
    const auto losses = chaosnet::nll(chaosnet::log_softmax(logits), tape.targets(c.targets()));
    return TorchGraph<T, N>{{{"losses", losses}, {"loss", chaosnet::mean(losses)}},
                            {{"logits", logits}}};
  });
}

TORCH_FIXTURE_TEST_CASE("distillation loss gradients") {
  check_torch_fixture<T, N>("distillation", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
    const Json& constants = c.json().at("constants");
    const auto logits = variables(tape, c.batches("logits"));
    std::vector<Tensor1D<T, N>> teacher_probs;
    for (const Json& p : constants.at("teacher_probs")) {
      teacher_probs.push_back(tape.input(TorchCase<T, N>::to_batch(p)));
    }
    const auto losses = chaosnet::distillation_loss(
        logits, teacher_probs, tape.targets(c.targets()),
        TorchCase<T, N>::number(constants.at("alpha")),
        TorchCase<T, N>::number(constants.at("temperature")));
    return TorchGraph<T, N>{{{"losses", losses}, {"loss", chaosnet::mean(losses)}},
                            {{"logits", logits}}};
  });
}

// --- graphs ----------------------------------------------------------------------------------

namespace {

enum class FanOut { split_on_add, reuse };

/// h = mish(w1·x + b); out = h·h + w2·h + sigmoid(h0) + w3·h1 + h2·x, where h0, h1, h2 are the
/// copies of split_on_add(h, 3) or h itself. h·h, w2·h and h2·x are plain fan-out either way.
template <class T, int N>
TorchGraph<T, N> composite(Tape<T, N>& tape, const TorchCase<T, N>& c, FanOut fan_out) {
  const auto x = tape.variable(c.batch("x"));
  const auto w1 = tape.variable(c.scalar("w1"));
  const auto b = tape.variable(c.scalar("b"));
  const auto w2 = tape.variable(c.scalar("w2"));
  const auto w3 = tape.variable(c.scalar("w3"));
  const auto h = chaosnet::mish(w1 * x + b);
  std::array<Tensor1D<T, N>, 3> copies{h, h, h};
  if (fan_out == FanOut::split_on_add) {
    const auto split = chaosnet::split_on_add(h, copies.size());
    copies = {split[0], split[1], split[2]};
  }
  const auto out = h * h + w2 * h + chaosnet::sigmoid(copies[0]) + w3 * copies[1] + copies[2] * x;
  return {{{"h", h}, {"out", out}}, {{"x", x}, {"w1", w1}, {"b", b}, {"w2", w2}, {"w3", w3}}};
}

/// How a node's pre-activation β + Σ w·source is recorded.
enum class NodeSum { op_by_op, weighted_sum };

/// The graph30 network: inputs, then normal nodes mish(β + Σ w·source), then leaves Σ w·source,
/// and the mean NLL of log-softmax over the leaves. With `constant_inputs` the inputs are data
/// (Tape::input) as in a network, whose gradients the tape does not compute.
template <class T, int N>
TorchGraph<T, N> graph30(Tape<T, N>& tape, const TorchCase<T, N>& c, NodeSum node_sum,
                         bool constant_inputs) {
  const Json& graph = c.document().at("graph");
  const auto input_count = graph.at("input_count").get<std::size_t>();
  const std::size_t first_leaf = input_count + graph.at("normal_count").get<std::size_t>();
  const std::size_t node_count = first_leaf + graph.at("leaf_count").get<std::size_t>();
  const Json& edges = graph.at("edges");

  std::vector<Tensor1D<T, N>> nodes;
  for (const auto& values : c.batches("inputs")) {
    nodes.push_back(constant_inputs ? tape.input(values) : tape.variable(values));
  }
  const std::vector<Tensor1D<T, N>> inputs = nodes;
  std::vector<T> biases;
  for (const Json& b : graph.at("biases")) biases.push_back(TorchCase<T, N>::number(b));
  std::vector<T> weight_values;
  for (const Json& e : edges) weight_values.push_back(TorchCase<T, N>::number(e.at("weight")));
  const auto bias_variables = variables(tape, biases);
  const auto weights = variables(tape, weight_values);

  std::size_t e = 0;  // edges are sorted by target node
  for (std::size_t j = input_count; j < node_count; ++j) {
    std::vector<Tensor0D<T, N>> node_weights;
    std::vector<Tensor1D<T, N>> sources;
    for (; e < edges.size() && edges[e].at("to").get<std::size_t>() == j; ++e) {
      node_weights.push_back(weights[e]);
      sources.push_back(nodes[edges[e].at("from").get<std::size_t>()]);
    }
    REQUIRE_FALSE(sources.empty());
    const bool normal = j < first_leaf;
    const Tensor0D<T, N> bias = normal ? bias_variables[j - input_count] : Tensor0D<T, N>{};
    Tensor1D<T, N> z;
    if (node_sum == NodeSum::weighted_sum) {
      z = chaosnet::weighted_sum<T, N>(node_weights, sources, bias);
    } else {
      z = node_weights[0] * sources[0];
      for (std::size_t i = 1; i < sources.size(); ++i) z = z + node_weights[i] * sources[i];
      if (normal) z = z + bias;
    }
    nodes.push_back(normal ? chaosnet::mish(z) : z);
  }
  REQUIRE(e == edges.size());

  const std::vector<Tensor1D<T, N>> logits(nodes.begin() + static_cast<std::ptrdiff_t>(first_leaf),
                                           nodes.end());
  const auto loss =
      chaosnet::mean(chaosnet::nll(chaosnet::log_softmax(logits), tape.targets(c.targets())));
  TorchGraph<T, N> out{{{"logits", logits}, {"loss", loss}},
                       {{"biases", bias_variables}, {"weights", weights}}};
  if (!constant_inputs) out.inputs.push_back({"inputs", inputs});
  return out;
}

}  // namespace

TORCH_FIXTURE_TEST_CASE("composite graph with fan-out") {
  SECTION("three uses through split_on_add") {
    check_torch_fixture<T, N>("composite", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
      return composite(tape, c, FanOut::split_on_add);
    });
  }
  SECTION("three uses by plain reuse") {
    check_torch_fixture<T, N>("composite", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
      return composite(tape, c, FanOut::reuse);
    });
  }
}

TORCH_FIXTURE_TEST_CASE("random 30-node network") {
  SECTION("nodes as mul and add chains") {
    check_torch_fixture<T, N>("graph30", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
      return graph30(tape, c, NodeSum::op_by_op, false);
    });
  }
  SECTION("nodes as weighted_sum") {
    check_torch_fixture<T, N>("graph30", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
      return graph30(tape, c, NodeSum::weighted_sum, false);
    });
  }
  SECTION("nodes as weighted_sum over constant inputs") {
    check_torch_fixture<T, N>("graph30", [](Tape<T, N>& tape, const TorchCase<T, N>& c) {
      return graph30(tape, c, NodeSum::weighted_sum, true);
    });
  }
}
