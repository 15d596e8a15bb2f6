// ChaosNet model files: a round trip keeps the shape, the neuron parameters and every weight
// bit for bit; damaged or foreign files are rejected with a message naming the file and field.

#include <support/temp_dir.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/io/io.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#include <fstream>
#include <string>

using chaosnet::ChaosModelConfig;
using chaosnet::ModelFileError;
using chaosnet::test::TempDir;
using Json = nlohmann::json;

namespace {

ChaosModelConfig small_config() {
  ChaosModelConfig config;
  config.inputs = 6;
  config.hidden = {5, 4};
  config.classes = 3;
  config.ticks = 3;
  config.mode = chaosnet::TickMode::sequential;
  config.params = chaosnet::chaos_library_params();
  config.params.fail_prob = 0.25;
  return config;
}

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

void write_json(const std::filesystem::path& path, const Json& doc) { std::ofstream(path) << doc.dump(); }

}  // namespace

TEST_CASE("a chaos model survives a save and load bit for bit", "[io][chaos]") {
  TempDir dir;
  chaosnet::Rng rng(7);
  const auto model = chaosnet::make_chaos_model<float>(small_config(), rng);
  chaosnet::save_chaos_model(dir / "m.json", model, Json{{"test_acc", 0.5}});

  const auto loaded = chaosnet::load_chaos_model(dir / "m.json");
  const ChaosModelConfig& c = loaded.config;
  CHECK(c.inputs == 6);
  CHECK(c.hidden == std::vector<std::uint32_t>{5, 4});
  CHECK(c.classes == 3);
  CHECK(c.ticks == 3);
  CHECK(c.mode == chaosnet::TickMode::sequential);
  CHECK(c.params.threshold == model.config.params.threshold);
  CHECK(c.params.fail_prob == 0.25);
  CHECK(c.params.decay == model.config.params.decay);
  CHECK(c.params.refractory_decay == model.config.params.refractory_decay);
  REQUIRE(loaded.parameters.size() == model.parameters.size());
  for (std::size_t i = 0; i < model.parameters.size(); ++i) {
    CHECK(std::bit_cast<std::uint32_t>(loaded.parameters[i]) == std::bit_cast<std::uint32_t>(model.parameters[i]));
  }
  CHECK(read_json(dir / "m.json").at("info").at("test_acc") == 0.5);
}

TEST_CASE("damaged or foreign chaos model files are rejected with the file and field named", "[io][chaos]") {
  TempDir dir;
  chaosnet::Rng rng(7);
  chaosnet::save_chaos_model(dir / "m.json", chaosnet::make_chaos_model<float>(small_config(), rng));
  const Json good = read_json(dir / "m.json");
  const auto bad = dir / "bad.json";
  using Catch::Matchers::Contains;

  SECTION("missing file") {
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(dir / "none.json"), Contains("none.json"));
  }
  SECTION("another format") {
    Json doc = good;
    doc["format"] = "chaosnet-model/1";
    write_json(bad, doc);
    CHECK_THROWS_AS(chaosnet::load_chaos_model(bad), ModelFileError);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("bad.json") && Contains("not a chaos model file"));
  }
  SECTION("truncated") {
    const std::string text = good.dump();
    std::ofstream(bad) << text.substr(0, text.size() / 2);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("truncated"));
  }
  SECTION("too few parameters for the shape") {
    Json doc = good;
    doc["parameters"].erase(doc["parameters"].size() - 1);
    write_json(bad, doc);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("parameters") && Contains("its shape needs"));
  }
  SECTION("a non-finite weight") {
    Json doc = good;
    doc["parameters"][3] = "nan";
    write_json(bad, doc);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("parameters[3]") || Contains("parameters/3"));
  }
  SECTION("a failure probability outside [0, 1]") {
    Json doc = good;
    doc["neuron"]["fail_prob"] = 1.5;
    write_json(bad, doc);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("neuron"));
  }
  SECTION("an unknown tick mode") {
    Json doc = good;
    doc["tick_mode"] = "parallel";
    write_json(bad, doc);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("tick_mode"));
  }
  SECTION("a zero-sized layer") {
    Json doc = good;
    doc["hidden"][1] = 0;
    write_json(bad, doc);
    CHECK_THROWS_WITH(chaosnet::load_chaos_model(bad), Contains("hidden"));
  }
}
