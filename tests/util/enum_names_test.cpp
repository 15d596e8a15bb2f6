#include <chaosnet/util/enum_names.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fruit {

enum class Fruit { apple, pear, quince };

constexpr chaosnet::util::EnumTable<Fruit, 3> enum_names(Fruit) {
  return {{{Fruit::apple, "apple"}, {Fruit::pear, "pear"}, {Fruit::quince, "quince"}}};
}

enum class Coin { heads, tails };

constexpr chaosnet::util::EnumTable<Coin, 2> enum_names(Coin) {
  return {{{Coin::heads, "heads"}, {Coin::tails, "tails"}}};
}

}  // namespace fruit

using chaosnet::util::enum_name_list;
using chaosnet::util::enum_names_text;
using chaosnet::util::or_list;
using chaosnet::util::parse_enum;
using fruit::Coin;
using fruit::Fruit;

TEST_CASE("EnumNames: every enumerator survives a round trip through its name", "[util]") {
  for (const Fruit f : {Fruit::apple, Fruit::pear, Fruit::quince}) {
    CHECK(parse_enum<Fruit>(chaosnet::to_string(f)) == f);
  }
  CHECK(chaosnet::to_string(Fruit::pear) == "pear");
  STATIC_REQUIRE(parse_enum<Fruit>("quince") == Fruit::quince);
}

TEST_CASE("EnumNames: an unknown name parses to nullopt", "[util]") {
  CHECK(parse_enum<Fruit>("plum") == std::nullopt);
  CHECK(parse_enum<Fruit>("") == std::nullopt);
  CHECK(parse_enum<Fruit>("Pear") == std::nullopt);
  CHECK(chaosnet::to_string(static_cast<Fruit>(7)) == "?");
}

TEST_CASE("EnumNames: the text and the list give every name in table order", "[util]") {
  CHECK(enum_names_text<Fruit>() == "apple, pear or quince");
  CHECK(enum_names_text<Coin>() == "heads or tails");
  CHECK(enum_name_list<Fruit>() == std::vector<std::string>{"apple", "pear", "quince"});
  CHECK(enum_name_list<Coin>() == std::vector<std::string>{"heads", "tails"});
}

TEST_CASE("EnumNames: or_list joins with commas and a final or", "[util]") {
  CHECK(or_list({}).empty());
  CHECK(or_list({"a"}) == "a");
  CHECK(or_list({"a", "b"}) == "a or b");
  CHECK(or_list({"1", "16", "32", "64"}) == "1, 16, 32 or 64");
}
