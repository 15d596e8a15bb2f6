// Network: whole-network gradients against finite differences, the recorded tape against an
// op-by-op build of the same graph, replay, inference and clones.

#include <support/op_by_op_network.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

using chaosnet::Network;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet_test::RandomBatch;
using chaosnet_test::op_by_op;
using chaosnet_test::random_dag;

TEMPLATE_TEST_CASE_SIG("Network: gradients match finite differences on random DAGs",
                       "[graph][network]", ((int N), N), 1, 4, 32) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Rng rng(seed);
    auto net = random_dag<Network<double, N>>(rng);
    chaosnet::remove_edges(net, 3, chaosnet::EdgeRemoval::random, rng);
    chaosnet::remove_dead_nodes(net);
    const RandomBatch<N> batch(rng, net.input_count(), net.output_count());
    net.compute_gradients(batch.ref());
    const std::vector<double> analytic(net.gradients().begin(), net.gradients().end());
    std::vector<double> x(net.parameter_values().begin(), net.parameter_values().end());
    const auto numeric = chaosnet::finite_difference_gradient(
        [&](const std::vector<double>& p) {
          std::copy(p.begin(), p.end(), net.parameter_values().begin());
          return net.compute_gradients(batch.ref());
        },
        x);
    INFO("seed " << seed << ", " << net.edge_count() << " edges");
    CHECK(chaosnet::relative_error(analytic, numeric) <= 1e-6);
  }
}

/// The network's loss and gradients equal those of the op-by-op build of the same graph, which
/// are returned.
template <int N>
std::pair<double, std::vector<double>> check_equals_op_by_op(Network<double, N>& net, const RandomBatch<N>& batch) {
  const double loss = net.compute_gradients(batch.ref());
  const auto [reference_loss, reference_grads] = op_by_op(net, batch);
  CHECK(loss == Approx(reference_loss).epsilon(1e-12));
  const std::vector<double> grads(net.gradients().begin(), net.gradients().end());
  CHECK(chaosnet::relative_error(grads, reference_grads) <= 1e-12);
  return {reference_loss, reference_grads};
}

TEMPLATE_TEST_CASE_SIG("Network: the recorded tape equals an op-by-op build of the same graph",
                       "[graph][network]", ((int N), N), 1, 4, 32) {
  for (std::uint64_t seed = 10; seed < 15; ++seed) {
    Rng rng(seed);
    auto net = random_dag<Network<double, N>>(rng, {.inputs = 9, .outputs = 4, .normals = 15});
    const RandomBatch<N> batch(rng, net.input_count(), net.output_count());
    check_equals_op_by_op(net, batch);
  }
}

TEMPLATE_TEST_CASE_SIG("Network: high fan-out still matches the op-by-op build",
                       "[graph][network]", ((int N), N), 8, 32, 64) {
  // Every input feeds all 40 hidden nodes and every hidden node feeds all leaves and many later
  // hidden nodes: sources with dozens of outgoing edges and nodes with dozens of incoming ones,
  // beyond the four-accumulator unrolling of the forward and the tails of every loop.
  Rng rng(30);
  chaosnet::TopologyOptions options;
  options.leaf_bias = true;
  options.input_edges = 0;
  options.new_node_edges_in = 0;
  options.new_node_edges_out = 0;
  options.init = chaosnet::WeightInit::uniform(-0.6, 0.6);
  Network<double, N> net(5, 4, rng, options);
  const auto hidden = chaosnet::add_nodes(net, NodeKind::normal, 40, rng);
  for (const auto& n : std::vector<chaosnet::Node>(net.nodes().begin(), net.nodes().end())) {
    for (const auto& m : std::vector<chaosnet::Node>(net.nodes().begin(), net.nodes().end())) {
      const bool later = net.position(n.id) < net.position(m.id);
      const bool wanted = n.kind != NodeKind::leaf && m.kind != NodeKind::input && later &&
                          (n.kind == NodeKind::input || m.kind == NodeKind::leaf ||
                           chaosnet::util::bernoulli(rng, 0.5));
      if (wanted) net.add_edge(n.id, m.id, static_cast<double>(chaosnet::util::uniform_real(rng, -0.6, 0.6)));
    }
  }
  for (const auto id : hidden) net.set_bias(id, chaosnet::util::uniform_real(rng, -0.5, 0.5));
  const RandomBatch<N> batch(rng, net.input_count(), net.output_count());
  const auto [loss, reference_grads] = check_equals_op_by_op(net, batch);

  // The same network in float agrees with double.
  Network<float, N> single(chaosnet::Topology<float>(
      [&] {
        const auto data = net.to_data();
        chaosnet::TopologyData<float> converted;
        converted.options = data.options;
        converted.next_node_id = data.next_node_id;
        converted.next_param_id = data.next_param_id;
        for (const auto& n : data.nodes) {
          converted.nodes.push_back({n.id, n.kind, n.has_bias, static_cast<float>(n.bias), n.bias_id});
        }
        for (const auto& e : data.edges) {
          converted.edges.push_back({e.from, e.to, static_cast<float>(e.weight), e.id});
        }
        return converted;
      }()));
  CHECK(single.compute_gradients(batch.ref()) == Approx(loss).epsilon(1e-5));
  const std::vector<double> float_grads(single.gradients().begin(), single.gradients().end());
  CHECK(chaosnet::relative_error(float_grads, reference_grads) <= 1e-4);
}

TEST_CASE("Network: records once per topology and replays otherwise", "[graph][network]") {
  Rng rng(20);
  auto net = random_dag<Network<double, 4>>(rng);
  const RandomBatch<4> first(rng, net.input_count(), net.output_count());
  const RandomBatch<4> second(rng, net.input_count(), net.output_count());
  net.compute_gradients(first.ref());
  const double replayed = net.compute_gradients(second.ref());
  CHECK(net.recordings() == 1);
  Network<double, 4> fresh = net;  // a clone records its own tape
  CHECK(fresh.compute_gradients(second.ref()) == replayed);
  chaosnet::add_nodes(net, NodeKind::normal, 2, rng);
  net.compute_gradients(first.ref());
  CHECK(net.recordings() == 2);
  const Network<double, 4> unrecorded = net;
  CHECK_THROWS_WITH(unrecorded.gradients(), Catch::Contains("compute_gradients"));
}

TEST_CASE("Network: predict agrees with the recorded forward pass", "[graph][network]") {
  Rng rng(21);
  auto net = random_dag<Network<float, 32>>(rng, {.inputs = 12, .outputs = 5, .normals = 20});
  const RandomBatch<32> batch(rng, net.input_count(), net.output_count());
  std::vector<Eigen::Array<float, 32, 1>> logits(net.output_count());
  net.predict_logits(batch.rows, logits);
  // Cross-entropy recomputed from the predicted logits equals the tape's loss.
  double loss = 0;
  for (std::size_t k = 0; k < 32; ++k) {
    double max = -1e30, sum = 0;
    for (const auto& l : logits) max = std::max(max, double(l[static_cast<Eigen::Index>(k)]));
    for (const auto& l : logits) sum += std::exp(double(l[static_cast<Eigen::Index>(k)]) - max);
    loss += max + std::log(sum) -
            double(logits[static_cast<std::size_t>(batch.labels[k])][static_cast<Eigen::Index>(k)]);
  }
  CHECK(net.compute_gradients(batch.ref()) == Approx(loss / 32).epsilon(1e-5));
  const auto classes = net.predict(batch.rows);
  for (std::size_t k = 0; k < 32; ++k) {
    for (const auto& l : logits) {
      CHECK(l[static_cast<Eigen::Index>(k)] <=
            logits[static_cast<std::size_t>(classes[k])][static_cast<Eigen::Index>(k)]);
    }
  }
}

TEST_CASE("Network: bad batches are rejected with the expected size", "[graph][network]") {
  Rng rng(22);
  auto net = random_dag<Network<double, 4>>(rng);
  const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  CHECK_THROWS_WITH(net.compute_gradients({std::span(batch.rows).first(3), batch.labels}),
                    Catch::Contains("needs 4 samples, got 3"));
  auto labels = batch.labels;
  labels[2] = 99;
  CHECK_THROWS_WITH(net.compute_gradients({batch.rows, labels}),
                    Catch::Contains("target class 99 of sample 2"));
}
