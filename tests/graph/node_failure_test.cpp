// Network under node failure and noise (seed 002 on chaos networks): loss and gradients equal
// an op-by-op build with the masks as data, pass k draws the masks of (seed, k, node id,
// sample), phases, clones, a node keeps its stream through a mutation, and bad settings.

#include <support/op_by_op_network.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <vector>

using chaosnet::FailurePhase;
using chaosnet::Network;
using chaosnet::NodeFailure;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet_test::RandomBatch;
using chaosnet_test::op_by_op;
using chaosnet_test::random_dag;

TEMPLATE_TEST_CASE_SIG("Network failure: loss and gradients equal the op-by-op build with the masks",
                       "[graph][network][noise]", ((int N), N), 1, 4, 32) {
  for (const NodeFailure failure : {NodeFailure{.fail_prob = 0.5, .seed = 3},
                                    NodeFailure{.fail_prob = 0.3, .noise_std = 0.1, .rescale = true, .seed = 4}}) {
    Rng rng(40);
    auto net = random_dag<Network<double, N>>(rng, {.inputs = 9, .outputs = 4, .normals = 15});
    net.set_node_failure(failure);
    const RandomBatch<N> batch(rng, net.input_count(), net.output_count());
    for (std::uint64_t pass = 0; pass < 3; ++pass) {
      INFO("fail_prob " << failure.fail_prob << ", pass " << pass);
      REQUIRE(net.noise_draw() == pass);
      const double loss = net.compute_gradients(batch.ref());
      const auto [reference_loss, reference_grads] = op_by_op(net, batch, failure.dag_noise(pass));
      CHECK(loss == Approx(reference_loss).epsilon(1e-12));
      const std::vector<double> grads(net.gradients().begin(), net.gradients().end());
      CHECK(chaosnet::relative_error(grads, reference_grads) <= 1e-12);
    }
  }
}

TEST_CASE("Network failure: every pass draws new masks; the draw counter replays them",
          "[graph][network][noise]") {
  Rng rng(41);
  auto net = random_dag<Network<double, 32>>(rng, {.inputs = 9, .outputs = 4, .normals = 15});
  const RandomBatch<32> batch(rng, net.input_count(), net.output_count());
  const double clean = net.compute_gradients(batch.ref());
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .seed = 1});
  const double first = net.compute_gradients(batch.ref());
  const double second = net.compute_gradients(batch.ref());
  CHECK(first != clean);
  CHECK(second != first);
  net.set_noise_draw(0);
  CHECK(net.compute_gradients(batch.ref()) == first);
  // Another seed, other masks; no failure at all, the clean loss again.
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .seed = 2});
  net.set_noise_draw(0);
  CHECK(net.compute_gradients(batch.ref()) != first);
  net.set_node_failure(std::nullopt);
  CHECK(net.compute_gradients(batch.ref()) == clean);
}

TEST_CASE("Network failure: the phase decides which passes fail", "[graph][network][noise]") {
  Rng rng(42);
  auto net = random_dag<Network<double, 32>>(rng, {.inputs = 9, .outputs = 4, .normals = 15});
  const RandomBatch<32> batch(rng, net.input_count(), net.output_count());
  std::vector<Eigen::Array<double, 32, 1>> clean_logits(net.output_count()), logits(net.output_count());
  const double clean = net.compute_gradients(batch.ref());
  net.predict_logits(batch.rows, clean_logits);
  auto same_logits = [&] {
    net.predict_logits(batch.rows, logits);
    for (std::size_t c = 0; c < logits.size(); ++c) {
      if (!(logits[c] == clean_logits[c]).all()) return false;
    }
    return true;
  };
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .phase = FailurePhase::training, .seed = 1});
  CHECK(net.compute_gradients(batch.ref()) != clean);
  CHECK(same_logits());
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .phase = FailurePhase::evaluation, .seed = 1});
  CHECK(net.compute_gradients(batch.ref()) == clean);
  CHECK_FALSE(same_logits());
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .phase = FailurePhase::both, .seed = 1});
  CHECK(net.compute_gradients(batch.ref()) != clean);
  CHECK_FALSE(same_logits());
}

TEST_CASE("Network failure: a clone keeps the failure and the draw counter", "[graph][network][noise]") {
  Rng rng(43);
  auto net = random_dag<Network<double, 4>>(rng);
  const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.set_node_failure(NodeFailure{.fail_prob = 0.4, .noise_std = 0.2, .seed = 9});
  net.compute_gradients(batch.ref());
  Network<double, 4> clone = net;
  CHECK(clone.node_failure().has_value());
  CHECK(clone.noise_draw() == 1);
  CHECK(clone.compute_gradients(batch.ref()) == net.compute_gradients(batch.ref()));
}

TEST_CASE("Network failure: a node keeps its masks when another node is added",
          "[graph][network][noise]") {
  // Masks are keyed by node id, not position: adding a node moves positions but not the
  // failure pattern of the nodes that were there.
  Rng rng(44);
  auto net = random_dag<Network<double, 32>>(rng, {.inputs = 9, .outputs = 4, .normals = 15});
  const RandomBatch<32> batch(rng, net.input_count(), net.output_count());
  net.set_node_failure(NodeFailure{.fail_prob = 0.5, .seed = 5});
  auto failed_by_id = [&] {
    std::map<chaosnet::NodeId, Eigen::Array<bool, 32, 1>> failed;
    net.set_noise_draw(0);
    net.compute_gradients(batch.ref());
    for (std::size_t p = net.input_count(); p < net.node_count(); ++p) {
      const chaosnet::Node& node = net.nodes()[p];
      if (node.kind == NodeKind::normal) failed[node.id] = net.activation(p) == 0.0;
    }
    return failed;
  };
  const auto before = failed_by_id();
  chaosnet::add_nodes(net, NodeKind::normal, 3, rng);
  const auto after = failed_by_id();
  REQUIRE(after.size() == before.size() + 3);
  std::size_t failures = 0;
  for (const auto& [id, failed] : before) {
    INFO("node " << id);
    CHECK((after.at(id) == failed).all());
    failures += static_cast<std::size_t>(failed.count());
  }
  CHECK(failures > 0);
}

TEST_CASE("Network failure: settings out of range are rejected, naming the field",
          "[graph][network][noise]") {
  Rng rng(45);
  auto net = random_dag<Network<double, 4>>(rng);
  CHECK_THROWS_WITH(net.set_node_failure(NodeFailure{.fail_prob = 1.0}), Catch::Contains("fail_prob 1"));
  CHECK_THROWS_WITH(net.set_node_failure(NodeFailure{.fail_prob = -0.5}), Catch::Contains("fail_prob"));
  CHECK_THROWS_WITH(net.set_node_failure(NodeFailure{.noise_std = -1}), Catch::Contains("noise_std"));
  CHECK_THROWS_WITH(net.set_node_failure(NodeFailure{.noise_std = std::numeric_limits<double>::infinity()}),
                    Catch::Contains("noise_std"));
  CHECK_FALSE(net.node_failure().has_value());
}
