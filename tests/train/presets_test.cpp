// Training presets: v01 and v02 build the seeds' starting networks, the list of names follows
// presets(), and an unknown name is refused.

#include <chaosnet/train/presets.hpp>
#include <chaosnet/util/random.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

TEST_CASE("Presets: preset_names lists presets() in order, each found by name", "[train][presets]") {
  const std::vector<std::string> names = chaosnet::preset_names();
  CHECK(names == std::vector<std::string>{"v01", "v02"});
  for (const std::string& name : names) CHECK(chaosnet::find_preset(name).name == name);
  CHECK_THROWS_WITH(chaosnet::find_preset("v03"), "unknown preset 'v03' (known: v01, v02)");
}

TEST_CASE("Presets: v01 and v02 build the seeds' starting networks", "[train][presets]") {
  chaosnet::Rng rng(4);
  const auto& v01 = chaosnet::find_preset("v01");
  const auto net01 = chaosnet::build_topology<float>(v01, 784, 10, v01.hidden, rng);
  CHECK(net01.normal_count() == 5000);
  // Every input feeds every leaf; every new node has one incoming and six outgoing edges.
  CHECK(net01.edge_count() == 784 * 10 + 5000 * 7);
  CHECK(net01.check_invariants().empty());
  for (const float w : net01.parameter_values()) CHECK((w >= 0.0f && w < 0.1f));

  const auto& v02 = chaosnet::find_preset("v02");
  const auto net02 = chaosnet::build_topology<float>(v02, 784, 10, 1000, rng);
  CHECK(net02.normal_count() == 1000);
  CHECK(net02.edge_count() > 1000 * 20);
  CHECK(net02.edge_count() < 1000 * 20 + 200);
  CHECK_THROWS_WITH(chaosnet::find_preset("v03"), Catch::Contains("known: v01, v02"));
}
