#include <chaosnet/util/named_list.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {
struct Item {
  std::string_view name;
  int value = 0;
};
const std::vector<Item> items = {{"first", 1}, {"second", 2}};
}  // namespace

TEST_CASE("NamedList: names in order, and each found by its name", "[util]") {
  CHECK(chaosnet::util::names_of(items) == std::vector<std::string>{"first", "second"});
  CHECK(chaosnet::util::find_named(items, "second", "item").value == 2);
  CHECK(&chaosnet::util::find_named(items, "first", "item") == &items[0]);
}

TEST_CASE("NamedList: an unknown name is refused, listing the known ones", "[util]") {
  CHECK_THROWS_AS(chaosnet::util::find_named(items, "third", "item"), std::invalid_argument);
  CHECK_THROWS_WITH(chaosnet::util::find_named(items, "third", "thing"),
                    "unknown thing 'third' (known: first, second)");
}
