// A random 40-node DAG saved as a model file (tests/fixtures/network/dag40.model.json), loaded
// and trained one step: its loss and the gradient of every parameter match PyTorch's
// (dag40.torch.json, written from the same model file by tests/tools/make_network_fixture.py).

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/io/io.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace {

const std::string fixture_dir = std::string(CHAOSNET_TEST_FIXTURES) + "/network";

nlohmann::json load_torch_fixture() {
  const std::string path = fixture_dir + "/dag40.torch.json";
  std::ifstream in(path);
  REQUIRE(in);
  nlohmann::json doc = nlohmann::json::parse(in);
  REQUIRE(doc.at("format") == "chaosnet-network-fixture/1");
  return doc;
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("Network fixture: a random 40-node DAG's loss and gradients match PyTorch",
                       "[io][network][torch]", ((class T, int N), T, N), (double, 1), (double, 4),
                       (double, 32), (float, 1), (float, 4), (float, 32)) {
  const nlohmann::json doc = load_torch_fixture();
  auto model = chaosnet::load_model<T>(fixture_dir + "/" + doc.at("model").get<std::string>());
  chaosnet::Network<T, N> net(std::move(model.topology));

  int checked = 0;
  for (const nlohmann::json& c : doc.at("cases")) {
    if (c.at("n").get<int>() != N) continue;
    ++checked;
    const auto inputs = c.at("inputs").get<std::vector<std::vector<float>>>();
    const auto labels = c.at("labels").get<std::vector<int>>();
    REQUIRE(inputs.size() == static_cast<std::size_t>(N));
    REQUIRE(labels.size() == static_cast<std::size_t>(N));
    std::vector<const float*> rows;
    for (const auto& row : inputs) {
      REQUIRE(row.size() == net.input_count());
      rows.push_back(row.data());
    }
    const T loss = net.compute_gradients({rows, labels});

    // Gradients by ParamId, in slot order on both sides; every parameter has one.
    const nlohmann::json& expected_by_id = c.at("grads");
    const auto ids = net.parameter_ids();
    const auto grads = net.gradients();
    REQUIRE(expected_by_id.size() == net.parameter_count());
    std::vector<double> expected, actual;
    for (std::size_t s = 0; s < ids.size(); ++s) {
      const std::string id = std::to_string(ids[s]);
      INFO("parameter id " << id);
      REQUIRE(expected_by_id.contains(id));
      expected.push_back(expected_by_id.at(id).get<double>());
      actual.push_back(static_cast<double>(grads[s]));
    }
    const double expected_loss = c.at("loss").get<double>();
    INFO("n = " << N << " in " << (std::is_same_v<T, double> ? "double" : "float") << ", "
                << net.edge_count() << " edges, " << net.parameter_count() << " parameters");
    if constexpr (std::is_same_v<T, double>) {
      CHECK(std::abs(static_cast<double>(loss) - expected_loss) <=
            1e-10 * std::max(1.0, expected_loss));
      double worst = 0;  // the largest |a − b| / max(1, |b|)
      for (std::size_t i = 0; i < actual.size(); ++i) {
        worst = std::max(worst,
                         std::abs(actual[i] - expected[i]) / std::max(1.0, std::abs(expected[i])));
      }
      INFO("worst gradient error " << worst);
      CHECK(worst <= 1e-10);
    } else {
      const double loss_error = chaosnet::relative_error(std::vector{static_cast<double>(loss)},
                                                         std::vector{expected_loss});
      CHECK(loss_error <= 1e-4);
      const double error = chaosnet::relative_error(actual, expected);
      INFO("gradient error " << error);
      CHECK(error <= 1e-4);
    }
  }
  CHECK(checked == 1);
}

// Writes dag40.model.json; run by hand (`io_network_fixture_test "[.generate]"`), then run
// tests/tools/make_network_fixture.py. Deterministic: the same bytes every time.
TEST_CASE("Network fixture: generate dag40.model.json", "[.generate]") {
  chaosnet::Rng rng(40);
  chaosnet_test::DagShape shape;
  shape.inputs = 12;
  shape.outputs = 4;
  shape.normals = 26;
  shape.extra_edges = 40;
  shape.leaf_bias = true;
  auto net = chaosnet_test::random_dag<chaosnet::Topology<double>>(rng, shape);
  // Prune so that node and parameter ids are sparse, as in an evolved network: cut two normal
  // nodes off from the inputs (they die) and drop some random edges.
  for (const std::size_t p : {shape.inputs + 3, shape.inputs + 10}) {
    const chaosnet::Node node = net.nodes()[p];
    for (const chaosnet::NodeId source : node.sources) net.remove_edge(source, node.id);
  }
  chaosnet::remove_edges(net, 10, chaosnet::EdgeRemoval::random, rng);
  REQUIRE(chaosnet::remove_dead_nodes(net) == 2);
  REQUIRE(net.node_count() == 40);
  REQUIRE(net.check_invariants().empty());
  chaosnet::ModelInfo info;
  info.preset = "random-dag";
  info.metadata = {{"about",
                    "random DAG for the PyTorch gradient fixture (random_dag, seed 40, "
                    "weights and biases U[-1, 1), two normal nodes and 10 edges pruned)"}};
  chaosnet::save_model(fixture_dir + "/dag40.model.json", net, info);
}
