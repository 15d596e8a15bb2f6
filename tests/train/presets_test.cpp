// Training presets: the list of names follows presets(), and an unknown name is refused.

#include <chaosnet/train/presets.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

TEST_CASE("Presets: preset_names lists presets() in order, each found by name", "[train][presets]") {
  const std::vector<std::string> names = chaosnet::preset_names();
  CHECK(names == std::vector<std::string>{"v01", "v02"});
  for (const std::string& name : names) CHECK(chaosnet::find_preset(name).name == name);
  CHECK_THROWS_WITH(chaosnet::find_preset("v03"), "unknown preset 'v03' (known: v01, v02)");
}
