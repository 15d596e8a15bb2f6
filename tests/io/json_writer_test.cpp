// The JSON writing checks and layout: NaN, infinities and nesting the reader would refuse are
// found and named by their path; the readable layout puts one member or structured element per
// line and reads back to the same document.

#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/io/json_writer.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

using Json = nlohmann::json;

namespace {

/// The document nested `levels` arrays deep around a 0.
Json nested(std::size_t levels) {
  Json deep = 0;
  for (std::size_t level = 0; level < levels; ++level) deep = Json::array({std::move(deep)});
  return deep;
}

std::string readable(const Json& json) {
  std::string text;
  chaosnet::append_readable_json(text, json, 0);
  return text;
}

}  // namespace

TEST_CASE("JSON writer: numbers JSON cannot hold are found and named by their path",
          "[io][json]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(chaosnet::find_unwritable_json({{"a", {1.5, -0.0, "x", nullptr}}}, 0));
  const auto found = chaosnet::find_unwritable_json({{"a", 1}, {"run", {{"h", {1.5, -inf}}}}}, 0);
  REQUIRE(found);
  CHECK(found->where == ".run.h[1]");
  CHECK(found->problem == "it is -inf, which JSON cannot hold (null would be written)");
  CHECK(chaosnet::find_unwritable_json(Json::array({nan}), 0)->problem.starts_with("it is nan"));
  CHECK(chaosnet::find_unwritable_json(inf, 0)->where.empty());

  CHECK_THROWS_AS(chaosnet::check_writable_json({{"loss", nan}}, "metadata", 1),
                  std::invalid_argument);
  CHECK_THROWS_WITH(chaosnet::check_writable_json({{"loss", nan}}, "metadata", 1),
                    "cannot save metadata.loss: it is nan, which JSON cannot hold (null would be "
                    "written)");
  // At the top of a document the path starts with the member's name.
  CHECK_THROWS_WITH(chaosnet::check_writable_json({{"loss", inf}}, "", 0),
                    Catch::StartsWith("cannot save loss: it is inf"));
  CHECK_NOTHROW(chaosnet::check_writable_json({{"loss", 0.25}}, "metadata", 1));
}

TEST_CASE("JSON writer: nesting the reader would refuse is found, counting enclosing levels",
          "[io][json]") {
  // A value inside `enclosing` levels may itself nest max_json_depth - enclosing levels.
  CHECK_FALSE(chaosnet::find_unwritable_json(nested(127), 1));
  CHECK_FALSE(chaosnet::find_unwritable_json(nested(128), 0));
  const auto found = chaosnet::find_unwritable_json({{"deep", nested(200)}}, 1);
  REQUIRE(found);
  std::string where = ".deep";
  for (int level = 0; level < 126; ++level) where += "[0]";
  CHECK(found->where == where);
  CHECK(found->problem ==
        "it nests arrays and objects deeper than 128 levels, which chaosnet would not read back");
  CHECK(chaosnet::find_unwritable_json(nested(128), 1));
}

TEST_CASE("JSON writer: the readable layout has one line per member and structured element",
          "[io][json]") {
  const Json document = {{"b", {{"list", {1, 2, 3}}, {"empty", Json::object()}}},
                         {"a", "caf\xc3\xa9"},
                         {"edges", {{{"from", 0}, {"to", 1}}, {{"from", 1}, {"to", 2}}}}};
  CHECK(readable(document) ==
        "{\n"
        "  \"a\": \"caf\xc3\xa9\",\n"
        "  \"b\": {\n"
        "    \"empty\": {},\n"
        "    \"list\": [1,2,3]\n"
        "  },\n"
        "  \"edges\": [\n"
        "    {\"from\":0,\"to\":1},\n"
        "    {\"from\":1,\"to\":2}\n"
        "  ]\n"
        "}");
  CHECK(Json::parse(readable(document)) == document);
  CHECK(readable(Json::array()) == "[]");
  CHECK(readable(0.1) == "0.1");
  std::string appended = "x = ";
  chaosnet::append_readable_json(appended, {{"k", {{"v", 1}}}}, 1);
  CHECK(appended == "x = {\n    \"k\": {\n      \"v\": 1\n    }\n  }");
}
