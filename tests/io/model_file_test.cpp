// Model files: bit-exact round trips of mutated topologies in float and double, ids, info and
// training after a load; every kind of bad file rejected with a message naming the file.

#include <support/child_process.hpp>
#include <support/random_dag.hpp>
#include <support/temp_dir.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/io/io.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <type_traits>

using chaosnet::ModelFileError;
using chaosnet::Network;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;
using chaosnet::test::TempDir;
using Json = nlohmann::json;

namespace {

template <class T>
auto bits(T value) {
  return std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(value);
}

/// A random DAG after rounds of growth and pruning: sparse ids, free parameter slots.
template <class Net>
Net mutated_dag(std::uint64_t seed) {
  Rng rng(seed);
  auto net = chaosnet_test::random_dag<Net>(rng);
  for (int round = 0; round < 6; ++round) {
    chaosnet::add_nodes(net, NodeKind::normal, 2, rng);
    chaosnet::add_random_edges(net, 5, rng);
    chaosnet::remove_edges(net, 4, chaosnet::EdgeRemoval::random, rng);
    chaosnet::remove_edges(net, 2, chaosnet::EdgeRemoval::smallest_magnitude, rng);
    chaosnet::remove_dead_nodes(net);
  }
  return net;
}

/// The last edge into the last node that has one.
template <class T>
std::pair<chaosnet::NodeId, chaosnet::NodeId> some_edge(const Topology<T>& t) {
  for (auto it = t.nodes().rbegin(); it != t.nodes().rend(); ++it) {
    if (!it->sources.empty()) return {it->sources.back(), it->id};
  }
  FAIL("no edges");
  return {};
}

/// Same nodes, edges, ids and next ids; parameter values and options with the same bits.
template <class T>
void check_same(const chaosnet::TopologyData<T>& a, const chaosnet::TopologyData<T>& b) {
  CHECK(a.next_node_id == b.next_node_id);
  CHECK(a.next_param_id == b.next_param_id);
  CHECK(a.options.init.kind == b.options.init.kind);
  CHECK(bits(a.options.init.low) == bits(b.options.init.low));
  CHECK(bits(a.options.init.high) == bits(b.options.init.high));
  CHECK(bits(a.options.init.scale) == bits(b.options.init.scale));
  CHECK(a.options.leaf_bias == b.options.leaf_bias);
  CHECK(bits(a.options.input_edges) == bits(b.options.input_edges));
  CHECK(a.options.new_node_edges_in == b.options.new_node_edges_in);
  CHECK(a.options.new_node_edges_out == b.options.new_node_edges_out);
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    INFO("node " << i);
    CHECK(a.nodes[i].id == b.nodes[i].id);
    CHECK(a.nodes[i].kind == b.nodes[i].kind);
    CHECK(a.nodes[i].has_bias == b.nodes[i].has_bias);
    CHECK(bits(a.nodes[i].bias) == bits(b.nodes[i].bias));
    CHECK(a.nodes[i].bias_id == b.nodes[i].bias_id);
  }
  REQUIRE(a.edges.size() == b.edges.size());
  for (std::size_t i = 0; i < a.edges.size(); ++i) {
    INFO("edge " << i);
    CHECK(a.edges[i].from == b.edges[i].from);
    CHECK(a.edges[i].to == b.edges[i].to);
    CHECK(bits(a.edges[i].weight) == bits(b.edges[i].weight));
    CHECK(a.edges[i].id == b.edges[i].id);
  }
}

/// load_model<T>(path) throws a one-line ModelFileError naming the file and every `parts`.
template <class T = double>
void check_rejected(const std::filesystem::path& path, std::initializer_list<std::string> parts) {
  try {
    (void)chaosnet::load_model<T>(path);
    FAIL("loaded " << path);
  } catch (const ModelFileError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.starts_with(path.string() + ": "));
    CHECK(message.find('\n') == std::string::npos);
    for (const std::string& part : parts) CHECK(message.find(part) != std::string::npos);
  }
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEMPLATE_TEST_CASE("Model file: a round trip restores every parameter bit for bit", "[io][model]",
                   float, double) {
  using T = TestType;
  const TempDir dir;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Topology<T> original = mutated_dag<Topology<T>>(seed);
    REQUIRE_FALSE(original.parameters_compact());  // free slots: the file must not depend on them
    // Values whose shortest decimal form is long or special.
    const auto [from, to] = some_edge(original);
    original.set_weight(from, to, T(-0.0));
    const auto params = original.parameter_values();
    const auto ids = original.parameter_ids();
    const T specials[] = {std::numeric_limits<T>::denorm_min(),
                          std::numeric_limits<T>::max(),
                          std::numeric_limits<T>::lowest(),
                          std::numeric_limits<T>::epsilon(),
                          T(1) / T(3),
                          std::nextafter(T(1), T(2))};
    std::size_t next_special = 0;
    for (std::size_t slot = 0; slot < params.size() && next_special < std::size(specials); ++slot) {
      if (ids[slot] != 0 && params[slot] != T(0)) params[slot] = specials[next_special++];
    }

    const auto path = dir / ("model" + std::to_string(seed) + ".json");
    chaosnet::save_model(path, original);
    const auto loaded = chaosnet::load_model<T>(path);
    INFO("seed " << seed);
    CHECK(loaded.topology.check_invariants().empty());
    check_same(original.to_data(), loaded.topology.to_data());
    CHECK(std::signbit(loaded.topology.weight(from, to)));

    // Every parameter keeps its id and value; slots may differ.
    std::set<std::pair<chaosnet::ParamId, decltype(bits(T()))>> before, after;
    for (std::size_t s = 0; s < params.size(); ++s) {
      if (ids[s] != 0) before.insert({ids[s], bits(params[s])});
    }
    const auto loaded_params = loaded.topology.parameter_values();
    const auto loaded_ids = loaded.topology.parameter_ids();
    for (std::size_t s = 0; s < loaded_params.size(); ++s) {
      if (loaded_ids[s] != 0) after.insert({loaded_ids[s], bits(loaded_params[s])});
    }
    CHECK(before == after);
    CHECK(before.size() == original.parameter_count());

    // Saving the loaded model writes the same file.
    const auto again = dir / "again.json";
    chaosnet::save_model(again, loaded.topology);
    CHECK(read_text(again) == read_text(path));
  }
}

TEST_CASE("Model file: preset, metadata and scalar type are kept", "[io][model]") {
  const TempDir dir;
  const auto net = mutated_dag<Topology<float>>(7);
  chaosnet::ModelInfo info;
  info.preset = "v02";
  info.metadata = {{"epochs", 12},
                   {"optimizer", {{"name", "adam"}, {"lr", 0.001}}},
                   {"validation_accuracy", {0.91, 0.925, 0.931}},
                   {"note", "caf\xc3\xa9"}};
  chaosnet::save_model(dir / "m.json", net, info);
  const auto loaded = chaosnet::load_model<float>(dir / "m.json");
  CHECK(loaded.info.preset == "v02");
  CHECK(loaded.info.metadata == info.metadata);
  CHECK(loaded.scalar == "float");

  const Json document = Json::parse(read_text(dir / "m.json"));
  CHECK(document.at("format") == "chaosnet-model");
  CHECK(document.at("version") == 1);
  CHECK(document.at("scalar") == "float");
  // One line per node and per edge.
  const std::string text = read_text(dir / "m.json");
  CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >
        net.node_count() + net.edge_count());

  chaosnet::ModelInfo bad;
  bad.metadata = Json::array({1, 2});
  CHECK_THROWS_WITH(chaosnet::save_model(dir / "bad.json", net, bad),
                    Catch::Contains("bad.json") &&
                        Catch::Contains("metadata that is not a JSON object (found an array)"));
  CHECK_FALSE(std::filesystem::exists(dir / "bad.json"));
}

TEST_CASE("Model file: a model loads in the other precision", "[io][model]") {
  const TempDir dir;
  const auto as_float = mutated_dag<Topology<float>>(8);
  chaosnet::save_model(dir / "f.json", as_float);
  const auto widened = chaosnet::load_model<double>(dir / "f.json");
  CHECK(widened.scalar == "float");
  const auto f = as_float.to_data();
  const auto d = widened.topology.to_data();
  REQUIRE(f.edges.size() == d.edges.size());
  for (std::size_t i = 0; i < f.edges.size(); ++i) {
    CHECK(static_cast<double>(f.edges[i].weight) == d.edges[i].weight);
  }

  const auto as_double = mutated_dag<Topology<double>>(9);
  chaosnet::save_model(dir / "d.json", as_double);
  const auto narrowed = chaosnet::load_model<float>(dir / "d.json");
  const auto dd = as_double.to_data();
  const auto nf = narrowed.topology.to_data();
  REQUIRE(dd.nodes.size() == nf.nodes.size());
  for (std::size_t i = 0; i < dd.nodes.size(); ++i) {
    CHECK(static_cast<float>(dd.nodes[i].bias) == nf.nodes[i].bias);
  }
}

TEMPLATE_TEST_CASE("Model file: a loaded network trains to the same losses as the original",
                   "[io][model]", float, double) {
  using T = TestType;
  constexpr int N = 4;
  const TempDir dir;
  const auto topology = mutated_dag<Topology<T>>(11);
  chaosnet::save_model(dir / "m.json", topology);
  Network<T, N> original(topology);
  Network<T, N> loaded(chaosnet::load_model<T>(dir / "m.json").topology);
  Rng rng(12);
  for (int step = 0; step < 5; ++step) {
    const chaosnet_test::RandomBatch<N> batch(rng, topology.input_count(), topology.output_count());
    const T a = original.compute_gradients(batch.ref());
    const T b = loaded.compute_gradients(batch.ref());
    INFO("step " << step);
    CHECK(bits(a) == bits(b));
    for (Network<T, N>* net : {&original, &loaded}) {
      const auto grads = net->gradients();
      const auto params = net->parameter_values();
      for (std::size_t s = 0; s < params.size(); ++s) params[s] -= T(0.1) * grads[s];
    }
  }
}

TEST_CASE("Model file: topologies embed in a larger JSON document", "[io][model]") {
  const auto a = mutated_dag<Topology<double>>(13);
  const auto b = mutated_dag<Topology<double>>(14);
  Json checkpoint = {{"members", {chaosnet::topology_to_json(a), chaosnet::topology_to_json(b)}}};
  const Json reparsed = Json::parse(checkpoint.dump());
  const std::filesystem::path file = "run/checkpoint.json";
  check_same(
      b.to_data(),
      chaosnet::topology_from_json<double>(reparsed["members"][1], file, "members[1]").to_data());

  checkpoint["members"][1]["edges"][2]["weight"] = "heavy";
  CHECK_THROWS_WITH(
      chaosnet::topology_from_json<double>(checkpoint["members"][1], file, "members[1]"),
      "run/checkpoint.json: members[1].edges[2].weight: expected a number, found the "
      "string \"heavy\"");
}

TEST_CASE("Model file: non-finite parameters are refused and nothing is written", "[io][model]") {
  const TempDir dir;
  auto net = mutated_dag<Topology<float>>(15);
  const auto old_model = dir / "old.json";
  chaosnet::save_model(old_model, net);
  const std::string old_text = read_text(old_model);
  const auto [source, target] = some_edge(net);
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
    net.set_weight(source, target, bad);
    for (const auto& path : {dir / "new.json", old_model}) {
      INFO(path);
      CHECK_THROWS_MATCHES(
          chaosnet::save_model(path, net), ModelFileError,
          Catch::Matchers::Predicate<ModelFileError>([&](const ModelFileError& e) {
            const std::string m = e.what();
            return m.starts_with(path.string() + ": ") &&
                   m.find("non-finite parameter: the weight of edge " + std::to_string(source) +
                          " -> " + std::to_string(target)) != std::string::npos &&
                   m.find(std::isnan(bad) ? "is nan" : "is -inf") != std::string::npos;
          }));
    }
    CHECK_FALSE(std::filesystem::exists(dir / "new.json"));
    CHECK(read_text(old_model) == old_text);
  }
}

TEST_CASE("Model file: missing, empty, truncated and garbage files are rejected", "[io][model]") {
  const TempDir dir;
  check_rejected(dir / "nothing.json", {"does not exist"});
  check_rejected(dir.path(), {"is a directory, not a model file"});

  const auto good = dir / "good.json";
  chaosnet::save_model(good, mutated_dag<Topology<double>>(16));
  const std::string text = read_text(good);
  const auto bad = dir / "bad.json";
  write_text(bad, "");
  check_rejected(bad, {"is empty"});
  // Cuts at other places, damage and trailing text: tests/io/json_reader_test.cpp.
  write_text(bad, text.substr(0, text.size() / 2));
  check_rejected(bad, {"is truncated", "ends after " + std::to_string(text.size() / 2) + " bytes",
                       "copy or save the model again"});
  write_text(bad, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
  check_rejected(bad, {"is not valid JSON", "line 1, column 1", "is not a model file"});
}

TEST_CASE("Model file: JSON that is not a chaosnet model of a known version is rejected",
          "[io][model]") {
  const TempDir dir;
  const auto bad = dir / "bad.json";
  write_text(bad, "[1, 2, 3]");
  check_rejected(bad, {"not a chaosnet model file", "an array", "\"format\": \"chaosnet-model\""});
  write_text(bad, R"({"name": "resnet"})");
  check_rejected(bad, {"not a chaosnet model file", "without a \"format\" field"});
  write_text(bad, R"({"format": "chaosnet-checkpoint", "version": 1})");
  check_rejected(bad, {"not a chaosnet model file", "\"chaosnet-checkpoint\""});

  chaosnet::save_model(bad, mutated_dag<Topology<double>>(17));
  Json document = Json::parse(read_text(bad));
  document["version"] = 999;
  write_text(bad, document.dump());
  check_rejected(bad, {": model format version 999 is not supported", "reads version 1 only",
                       "newer chaosnet"});
  document["version"] = "1";
  write_text(bad, document.dump());
  check_rejected(bad, {"version: expected an integer from 0 to", "found the string \"1\""});
}

TEST_CASE("Model file: missing, ill-typed and out-of-range fields are rejected", "[io][model]") {
  const TempDir dir;
  const auto bad = dir / "bad.json";
  chaosnet::save_model(bad, mutated_dag<Topology<double>>(18));
  const Json good = Json::parse(read_text(bad));

  struct Case {
    const char* name;
    void (*edit)(Json&);
    std::initializer_list<std::string> parts;
  };
  const Case cases[] = {
      {"no topology", [](Json& j) { j.erase("topology"); }, {"missing field \"topology\""}},
      {"no next_param_id",
       [](Json& j) { j["topology"].erase("next_param_id"); },
       {"topology: missing field \"next_param_id\""}},
      {"no weight",
       [](Json& j) { j["topology"]["edges"][0].erase("weight"); },
       {"topology.edges[0]: missing field \"weight\""}},
      {"no bias",
       [](Json& j) { j["topology"]["nodes"].back().erase("bias"); },
       {"topology.nodes[", "]: missing field \"bias\""}},
      {"no init",
       [](Json& j) { j["topology"]["options"].erase("init"); },
       {"topology.options: missing field \"init\""}},
      {"weight is a string",
       [](Json& j) { j["topology"]["edges"][3]["weight"] = "0.5"; },
       {"topology.edges[3].weight: expected a number, found the string \"0.5\""}},
      {"negative id",
       [](Json& j) { j["topology"]["nodes"][1]["id"] = -1; },
       {"topology.nodes[1].id: expected an integer from 0 to 4294967295, found the number -1"}},
      {"fractional id",
       [](Json& j) { j["topology"]["edges"][0]["from"] = 1.5; },
       {"topology.edges[0].from: expected an integer"}},
      {"parameter id 0",
       [](Json& j) { j["topology"]["edges"][0]["id"] = 0; },
       {"topology.edges[0].id: parameter ids start at 1"}},
      {"unknown kind",
       [](Json& j) { j["topology"]["nodes"][0]["kind"] = "hidden"; },
       {"topology.nodes[0].kind: unknown node kind \"hidden\""}},
      {"input with bias",
       [](Json& j) { j["topology"]["nodes"][0]["bias"] = 0.5; },
       {"topology.nodes[0]: an input node has no bias"}},
      {"unknown init",
       [](Json& j) { j["topology"]["options"]["init"]["kind"] = "xavier"; },
       {"topology.options.init.kind: unknown weight initialisation \"xavier\""}},
      {"nodes not an array",
       [](Json& j) { j["topology"]["nodes"] = Json::object(); },
       {"topology.nodes: expected an array, found an object"}},
      {"edge not an object",
       [](Json& j) { j["topology"]["edges"][1] = 7; },
       {"topology.edges[1]: expected an object, found the number 7"}},
      {"metadata not an object",
       [](Json& j) { j["metadata"] = "none"; },
       {"metadata: expected an object"}},
      {"unknown scalar", [](Json& j) { j["scalar"] = "half"; }, {"unknown scalar type \"half\""}},
      {"no leaves",
       [](Json& j) {
         Json& nodes = j["topology"]["nodes"];
         while (nodes.back()["kind"] == "leaf") nodes.erase(nodes.size() - 1);
       },
       {"topology.nodes: a model needs at least one input and one leaf node", "0 leaves"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Json document = good;
    c.edit(document);
    write_text(bad, document.dump());
    check_rejected(bad, c.parts);
  }

  Json huge = good;
  huge["topology"]["edges"][0]["weight"] = 1e300;
  write_text(bad, huge.dump());
  CHECK_NOTHROW(chaosnet::load_model<double>(bad));
  check_rejected<float>(bad, {"topology.edges[0].weight: the number 1e+300 does not fit in float"});
  write_text(bad, std::string(huge.dump()).replace(huge.dump().find("1e+300"), 6, "1e999"));
  check_rejected(bad, {"is not valid JSON", "number overflow"});
}

TEST_CASE("Model file: inconsistent topologies are rejected", "[io][model]") {
  const TempDir dir;
  const auto bad = dir / "bad.json";
  const auto net = mutated_dag<Topology<double>>(19);
  chaosnet::save_model(bad, net);
  const Json good = Json::parse(read_text(bad));

  // A normal → normal edge, to turn around.
  Json forward;
  for (const Json& e : good["topology"]["edges"]) {
    if (net.node(e["from"].get<chaosnet::NodeId>()).kind == NodeKind::normal &&
        net.node(e["to"].get<chaosnet::NodeId>()).kind == NodeKind::normal) {
      forward = e;
      break;
    }
  }
  REQUIRE_FALSE(forward.is_null());

  Json duplicate = good;
  Json copy = good["topology"]["edges"][0];
  copy["id"] = good["topology"]["next_param_id"];
  duplicate["topology"]["next_param_id"] = copy["id"].get<std::uint64_t>() + 1;
  duplicate["topology"]["edges"].push_back(copy);
  write_text(bad, duplicate.dump());
  check_rejected(bad, {"topology: inconsistent topology: duplicate edge " + copy["from"].dump() +
                       " -> " + copy["to"].dump()});

  Json backwards = good;
  for (Json& e : backwards["topology"]["edges"]) {
    if (e == forward) std::swap(e["from"], e["to"]);
  }
  write_text(bad, backwards.dump());
  check_rejected(bad, {"inconsistent topology: edge " + forward["to"].dump() + " -> " +
                       forward["from"].dump() + " goes backwards"});

  Json reused = good;
  reused["topology"]["edges"][1]["id"] = reused["topology"]["edges"][0]["id"];
  write_text(bad, reused.dump());
  check_rejected(bad, {"inconsistent topology", "reused"});

  Json dangling = good;
  dangling["topology"]["edges"][0]["to"] =
      good["topology"]["next_node_id"].get<std::uint32_t>() + 5;
  write_text(bad, dangling.dump());
  check_rejected(bad, {"inconsistent topology", "does not exist"});

  Json stale = good;
  stale["topology"]["next_param_id"] = 1;
  write_text(bad, stale.dump());
  check_rejected(bad, {"inconsistent topology", "is not below next_param_id 1"});
}

TEST_CASE("Model file: the string API round-trips and names its source in errors", "[io][model]") {
  const auto net = mutated_dag<Topology<double>>(20);
  const std::string text = chaosnet::model_to_string(net, {"v01", {{"epochs", 1}}});
  CHECK(text.back() == '\n');
  const auto loaded = chaosnet::model_from_string<double>(text);
  check_same(net.to_data(), loaded.topology.to_data());
  CHECK(loaded.info.preset == "v01");
  CHECK_THROWS_WITH(chaosnet::model_from_string<double>("{}"),
                    Catch::StartsWith("<string>: is not a chaosnet model file"));
  CHECK_THROWS_WITH(chaosnet::model_from_string<double>("{", "http-body"),
                    Catch::StartsWith("http-body: is truncated"));
}

TEST_CASE("Model file: JSON nested deeper than 128 levels is rejected before it is parsed",
          "[io][model]") {
  const TempDir dir;
  const auto file = dir / "deep.json";
  const std::string text =
      chaosnet::model_to_string(mutated_dag<Topology<double>>(21), {"", {{"deep", 0}}});
  const std::size_t at = text.find("\"deep\": 0");
  REQUIRE(at != std::string::npos);
  // The document is level 1 and metadata level 2: 126 arrays inside it reach the limit.
  const auto nest = [&](std::size_t arrays) {
    std::string deep = text;
    deep.replace(at, 9, "\"deep\": " + std::string(arrays, '[') + std::string(arrays, ']'));
    return deep;
  };
  write_text(file, nest(126));
  CHECK(chaosnet::load_model<double>(file).info.metadata["deep"].is_array());
  // 150,000 levels used to overflow the stack while the document was parsed and copied.
  for (const std::size_t arrays : {std::size_t{127}, std::size_t{150000}}) {
    INFO(arrays << " arrays");
    write_text(file, nest(arrays));
    check_rejected(file, {"has JSON nesting deeper than 128 levels"});
  }
  // Brackets inside strings: tests/io/json_reader_test.cpp.
}

TEST_CASE("Model file: NaN and infinities anywhere are refused, naming the field", "[io][model]") {
  const TempDir dir;
  const auto path = dir / "model.json";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto net = mutated_dag<Topology<double>>(22);
  const auto refused = [&](const Topology<double>& topology, const Json& metadata,
                           const std::string& problem) {
    INFO(problem);
    CHECK_THROWS_MATCHES(chaosnet::save_model(path, topology, {"", metadata}), ModelFileError,
                         Catch::Matchers::Predicate<ModelFileError>([&](const ModelFileError& e) {
                           return std::string(e.what()) == path.string() + ": " + problem;
                         }));
    CHECK_FALSE(std::filesystem::exists(path));
  };
  refused(net, {{"loss", nan}},
          "cannot save metadata.loss: it is nan, which JSON cannot hold (null would be written)");
  refused(net, {{"run", {{"history", {1.5, -inf}}}}},
          "cannot save metadata.run.history[1]: it is -inf, which JSON cannot hold (null would be "
          "written)");
  auto options = net.options();
  options.init.low = inf;
  refused(Topology<double>(net.input_count(), net.output_count(), options), Json::object(),
          "cannot save topology.options.init.low: it is inf, which JSON cannot hold (null would "
          "be written)");

  // Metadata too deep to read back is refused as well.
  Json deep = Json::array();
  for (int level = 0; level < 200; ++level) deep = Json::array({std::move(deep)});
  std::string where = "metadata.deep";
  for (int level = 0; level < 126; ++level) where += "[0]";
  refused(net, {{"deep", deep}},
          "cannot save " + where +
              ": it nests arrays and objects deeper than 128 levels, which chaosnet would not "
              "read back");
}

TEST_CASE("Model file: node ids as large as 1,000,000,000 cost no memory", "[io][model]") {
  Topology<double> small(2, 2);
  small.add_edge(1, 3, 0.25);
  Json json = Json::parse(chaosnet::model_to_string(small));
  constexpr std::uint32_t huge = 1'000'000'000;
  json["topology"]["nodes"][3]["id"] = huge;
  json["topology"]["edges"][0]["to"] = huge;
  json["topology"]["next_node_id"] = huge + 1;
  const std::string text = json.dump();
  // A node table indexed by id would need 4 GB here.
  const auto outcome = chaosnet::test::run_in_child(
      [&] {
        const Topology<double> t = chaosnet::model_from_string<double>(text).topology;
        const bool right = t.node_count() == 4 && t.position(huge) == 3 &&
                           t.weight(1, huge) == 0.25 && !t.contains(3) &&
                           Json::parse(chaosnet::model_to_string(t)) == json;
        return right ? 0 : 1;
      },
      {.address_space_headroom = 512u << 20});
  CHECK(outcome.describe() == "exited with 0");
}

TEST_CASE("Model file: topology options read back on their own, failing in the caller's error type",
          "[io][model]") {
  class OptionsError : public chaosnet::FileError {
   public:
    using FileError::FileError;
  };
  chaosnet::TopologyOptions options;
  options.init.kind = chaosnet::WeightInit::Kind::uniform;
  options.init.low = -0.3;
  options.init.high = 0.7;
  options.init.scale = 2.5;
  options.leaf_bias = true;
  options.input_edges = 0.125;
  options.new_node_edges_in = 3;
  options.new_node_edges_out = 4;
  const std::filesystem::path file = "run/state.json";
  const auto at = chaosnet::JsonPlace::root<OptionsError>(file, "options");
  const Json json = Json::parse(chaosnet::topology_options_to_json(options).dump());
  chaosnet::TopologyData<double> a, b;
  a.options = options;
  b.options = chaosnet::topology_options_from_json(json, at);
  check_same(a, b);

  Json bad = json;
  bad["init"]["kind"] = "xavier";
  CHECK_THROWS_AS(chaosnet::topology_options_from_json(bad, at), OptionsError);
  CHECK_THROWS_WITH(chaosnet::topology_options_from_json(bad, at),
                    "run/state.json: options.init.kind: unknown weight initialisation \"xavier\" "
                    "(expected uniform or fan_in_scaled)");
  CHECK_THROWS_WITH(chaosnet::parse_model_text("[1,", "run/state.json"),
                    Catch::StartsWith("run/state.json: is truncated") &&
                        Catch::EndsWith("; copy or save the model again"));
}
