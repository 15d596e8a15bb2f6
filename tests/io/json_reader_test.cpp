// The JSON reading toolkit: places name the field and throw their root's error type, fields are
// checked for type and range, and files that are missing, empty, cut short, invalid or nested
// too deep are refused with one line naming the file and its kind.

#include <support/temp_dir.hpp>

#include <chaosnet/io/json_reader.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

using chaosnet::JsonPlace;
using chaosnet::read_field;
using chaosnet::test::TempDir;
using Json = nlohmann::json;

namespace {

class TestError : public chaosnet::FileError {
 public:
  using FileError::FileError;
};

class OtherError : public chaosnet::FileError {
 public:
  using FileError::FileError;
};

enum class Fruit { apple, pear, fig };
constexpr chaosnet::util::EnumTable<Fruit, 3> enum_names(Fruit) {
  return {{{Fruit::apple, "apple"}, {Fruit::pear, "pear"}, {Fruit::fig, "fig"}}};
}

/// What parse_json_text<TestError> says about `text`, or "" if it parses.
std::string parse_error(const std::string& text) {
  try {
    (void)chaosnet::parse_json_text<TestError>(text, "doc.json", "test file", "write it again");
  } catch (const TestError& e) {
    return e.what();
  }
  return "";
}

/// parse_json_text<TestError> refuses `text` with one line naming doc.json and every `parts`.
void check_refused(const std::string& text, std::initializer_list<std::string> parts) {
  const std::string message = parse_error(text);
  INFO(message);
  CHECK(message.starts_with("doc.json: "));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(std::all_of(message.begin(), message.end(),
                    [](char c) { return c >= 0x20 && c < 0x7f; }));
  for (const std::string& part : parts) CHECK(message.find(part) != std::string::npos);
}

/// A document of several lines, nested like chaosnet's own files.
std::string sample_text() {
  Json edges = Json::array();
  for (int i = 0; i < 40; ++i) edges.push_back({{"from", i}, {"to", i + 1}, {"weight", 0.5 * i}});
  return Json{{"format", "test"}, {"topology", {{"edges", edges}, {"next_id", 41}}}}.dump(2);
}

}  // namespace

TEST_CASE("JSON reader: a place names the field and throws its root's error type", "[io][json]") {
  const std::filesystem::path file = "run/a.json";
  const JsonPlace root = JsonPlace::root<TestError>(file, "");
  // Each place refers to its parent, so every level is a named variable.
  const JsonPlace topology = root.key("topology");
  const JsonPlace edges = topology.key("edges");
  const JsonPlace edge = edges.index(2);
  CHECK(root.where().empty());
  CHECK(edge.where() == "topology.edges[2]");
  CHECK(edge.key("weight").where() == "topology.edges[2].weight");
  CHECK_THROWS_AS(edge.fail("bad"), TestError);
  CHECK_THROWS_WITH(edge.fail("bad"), "run/a.json: topology.edges[2]: bad");
  CHECK_THROWS_WITH(root.fail("is not a test file"), "run/a.json: is not a test file");

  const JsonPlace part = JsonPlace::root<OtherError>(file, "members[3]");
  CHECK(part.key("topology").where() == "members[3].topology");
  CHECK_THROWS_AS(part.key("id").fail("bad"), OtherError);
  try {
    part.key("id").fail("bad");
  } catch (const TestError&) {
    FAIL("the error type of another root was thrown");
  } catch (const OtherError& e) {
    CHECK(e.path() == file);
    CHECK(e.problem() == "members[3].id: bad");
  }
}

TEST_CASE("JSON reader: fields are checked for presence, type and range", "[io][json]") {
  const std::filesystem::path file = "f.json";
  const JsonPlace at = JsonPlace::root<TestError>(file, "body");
  const Json object = {{"flag", true},     {"name", "x"},      {"count", 255u},
                       {"negative", -1},   {"fraction", 1.5},  {"huge", 1e300},
                       {"list", {1, 2}},   {"text", "0.5"},    {"long", std::string(60, 'a')}};
  CHECK(read_field<bool>(object, at, "flag"));
  CHECK(read_field<std::string>(object, at, "name") == "x");
  CHECK(read_field<std::uint8_t>(object, at, "count") == 255);
  CHECK(read_field<double>(object, at, "fraction") == 1.5);
  CHECK(read_field<double>(object, at, "huge") == 1e300);
  CHECK(chaosnet::read_array(object, at, "list").size() == 2);

  const auto refuses = [&](auto read, const std::string& message) {
    INFO(message);
    CHECK_THROWS_AS(read(), TestError);
    CHECK_THROWS_WITH(read(), "f.json: body." + message);
  };
  refuses([&] { return read_field<bool>(object, at, "name"); },
          "name: expected true or false, found the string \"x\"");
  refuses([&] { return read_field<std::uint16_t>(object, at, "negative"); },
          "negative: expected an integer from 0 to 65535, found the number -1");
  refuses([&] { return read_field<std::uint32_t>(object, at, "fraction"); },
          "fraction: expected an integer from 0 to 4294967295, found the number 1.5");
  refuses([&] { return read_field<float>(object, at, "huge"); },
          "huge: the number 1e+300 does not fit in float; load the model as double");
  refuses([&] { return read_field<double>(object, at, "text"); },
          "text: expected a number, found the string \"0.5\"");
  refuses([&] { return chaosnet::read_array(object, at, "flag"); },
          "flag: expected an array, found true");
  refuses([&] { return read_field<std::string>(object, at, "list"); },
          "list: expected a string, found an array");
  // Long values are shortened to 40 characters in messages.
  refuses([&] { return read_field<double>(object, at, "long"); },
          "long: expected a number, found the string \"" + std::string(36, 'a') + "...");
  // A missing field is named at the object that lacks it.
  CHECK_THROWS_WITH(read_field<std::uint8_t>(object, at, "missing"),
                    "f.json: body: missing field \"missing\"");
  CHECK_THROWS_WITH(read_field<bool>(Json::array(), at, "flag"),
                    "f.json: body: expected an object, found an array");
  CHECK(chaosnet::describe_json(Json()) == "null");
  CHECK(chaosnet::describe_json(Json::object()) == "an object");
}

TEST_CASE("JSON reader: enumerators are read by the names of their table", "[io][json]") {
  const std::filesystem::path file = "f.json";
  const JsonPlace at = JsonPlace::root<TestError>(file, "");
  const Json object = {{"a", "pear"}, {"b", "Pear"}, {"c", 1u}};
  CHECK(chaosnet::read_enum_field<Fruit>(object, at, "a", "fruit") == Fruit::pear);
  CHECK_THROWS_AS(chaosnet::read_enum_field<Fruit>(object, at, "b", "fruit"), TestError);
  CHECK_THROWS_WITH(chaosnet::read_enum_field<Fruit>(object, at, "b", "fruit"),
                    "f.json: b: unknown fruit \"Pear\" (expected apple, pear or fig)");
  CHECK_THROWS_WITH(chaosnet::read_enum_field<Fruit>(object, at, "c", "fruit"),
                    "f.json: c: expected a string, found the number 1");
}

TEST_CASE("JSON reader: empty, truncated and invalid text is refused, naming the file",
          "[io][json]") {
  const std::string text = sample_text();
  REQUIRE(parse_error(text).empty());
  CHECK(chaosnet::parse_json_text<TestError>(text, "doc.json", "test file", "") ==
        Json::parse(text));

  check_refused("", {"doc.json: is empty, not a test file (was it cut short while being copied?)"});
  check_refused(" \n\t ", {"is empty"});
  for (const std::size_t length :
       {std::size_t{1}, std::size_t{17}, text.size() / 3, text.size() / 2, text.size() - 2}) {
    INFO("cut at " << length << " of " << text.size());
    check_refused(text.substr(0, length),
                  {"is truncated", "ends after " + std::to_string(length) + " bytes"});
    CHECK(parse_error(text.substr(0, length)).ends_with("); write it again"));
  }

  check_refused("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                {"is not valid JSON", "line 1, column 1", "\\x89",
                 "the file is damaged or is not a test file"});
  std::string damaged = text;
  const std::size_t middle = damaged.find('\n', text.size() / 2);
  damaged.replace(middle + 3, 3, "#@\xff");
  const auto line =
      std::count(damaged.begin(), damaged.begin() + static_cast<std::ptrdiff_t>(middle), '\n') + 2;
  check_refused(damaged, {"is not valid JSON", "at line " + std::to_string(line) + ", column 3"});
  check_refused(text + "}", {"is not valid JSON", "expected end of input"});
  check_refused("[1e999]", {"is not valid JSON", "number overflow"});
}

TEST_CASE("JSON reader: nesting deeper than max_json_depth is refused before parsing",
          "[io][json]") {
  STATIC_REQUIRE(chaosnet::max_json_depth == 128);
  const auto nested = [](std::size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
  };
  CHECK(parse_error(nested(128)).empty());
  const std::string deep = "doc.json: has JSON nesting deeper than 128 levels";
  CHECK_THAT(parse_error(nested(129)), Catch::StartsWith(deep));
  // 150,000 levels would overflow the stack while the document was parsed and copied.
  CHECK_THAT(parse_error(nested(150000)), Catch::StartsWith(deep));
  CHECK_THAT(parse_error("{\"a\":" + nested(128) + "}"), Catch::StartsWith(deep));
  CHECK_THROWS_AS(chaosnet::check_json_depth<OtherError>(nested(129), "x"), OtherError);
  // Brackets and escaped quotes inside strings are text, not nesting.
  const std::string in_string = "{\"deep\": \"\\\"" + std::string(1000, '[') + "\"}";
  CHECK(parse_error(in_string).empty());
  CHECK(chaosnet::parse_json_text<TestError>(in_string, "doc.json", "", "")["deep"]
            .get<std::string>()
            .size() == 1001);
}

TEST_CASE("JSON reader: read_file_text reads every byte or names the file and its problem",
          "[io][json]") {
  const TempDir dir;
  const std::string bytes("{\"a\":\0\xff\r\n}", 10);
  std::ofstream(dir / "a.json", std::ios::binary) << bytes;
  CHECK(chaosnet::read_file_text<TestError>(dir / "a.json", "test file") == bytes);
  CHECK_THROWS_AS(chaosnet::read_file_text<TestError>(dir / "none.json", "test file"), TestError);
  CHECK_THROWS_WITH(chaosnet::read_file_text<TestError>(dir / "none.json", "test file"),
                    (dir / "none.json").string() +
                        ": does not exist (check the path and the working directory)");
  CHECK_THROWS_WITH(chaosnet::read_file_text<TestError>(dir.path(), "test file"),
                    dir.path().string() + ": is a directory, not a test file");
}

TEST_CASE("JSON reader: scalar names", "[io][json]") {
  STATIC_REQUIRE(chaosnet::scalar_name<float>() == "float");
  STATIC_REQUIRE(chaosnet::scalar_name<double>() == "double");
}
