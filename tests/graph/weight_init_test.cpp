// Weight initialisation: the ranges each kind draws from, and the names model files use.

#include <chaosnet/graph/weight_init.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>

using chaosnet::Rng;
using chaosnet::WeightInit;

TEST_CASE("WeightInit: uniform draws weights and biases from [low, high]", "[graph]") {
  Rng rng(3);
  const WeightInit init = WeightInit::uniform(0.0, 0.1);
  for (int i = 0; i < 1000; ++i) {
    const double w = init.weight(rng, 50);
    const double b = init.bias(rng);
    CHECK((w >= 0.0 && w <= 0.1));
    CHECK((b >= 0.0 && b <= 0.1));
  }
}

TEST_CASE("WeightInit: fan_in_scaled bounds weights by s / sqrt(fan_in), biases 0", "[graph]") {
  Rng rng(3);
  const WeightInit init = WeightInit::fan_in(2.0);
  const double bound = 2.0 / std::sqrt(16.0);
  for (int i = 0; i < 1000; ++i) CHECK(std::abs(init.weight(rng, 16)) <= bound);
  for (int i = 0; i < 100; ++i) CHECK(std::abs(init.weight(rng, 0)) <= 2.0);  // fan-in 0 counts as 1
  CHECK(init.bias(rng) == 0.0);
}

TEST_CASE("WeightInit: kinds round-trip through their model-file names", "[graph]") {
  using Kind = WeightInit::Kind;
  CHECK(chaosnet::to_string(Kind::uniform) == "uniform");
  CHECK(chaosnet::to_string(Kind::fan_in_scaled) == "fan_in_scaled");
  for (const Kind kind : {Kind::uniform, Kind::fan_in_scaled}) {
    CHECK(chaosnet::util::parse_enum<Kind>(chaosnet::to_string(kind)) == kind);
  }
  CHECK(chaosnet::util::parse_enum<Kind>("normal") == std::nullopt);
  CHECK(chaosnet::util::enum_names_text<Kind>() == "uniform or fan_in_scaled");
}
