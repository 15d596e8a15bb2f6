// Checksummed files: the frame round-trips in any format, every single changed byte and every
// kind of truncation or damage is refused with the file named; the rotation keeps the last
// sound file, falls back to it and never replaces it with a damaged one.

#include <support/temp_dir.hpp>

#include <chaosnet/io/checksummed_file.hpp>
#include <chaosnet/util/fnv1a.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

using chaosnet::ChecksummedFormat;
using chaosnet::test::TempDir;

namespace {

class TestError : public chaosnet::FileError {
 public:
  using FileError::FileError;
};

constexpr ChecksummedFormat format{"test-frame", 3, "test frame", "snapshot"};

std::string framed(const std::string& body) {
  return chaosnet::checksummed_file_text(format, body);
}

std::string body_of(const std::string& text, const std::filesystem::path& file = "f.json") {
  return std::string(chaosnet::checked_file_body<TestError>(format, text, file));
}

/// What checked_file_body<TestError> says about `text` read from "f.json", or "" if it is sound.
std::string refusal(const std::string& text) {
  try {
    (void)body_of(text);
  } catch (const TestError& e) {
    return e.what();
  }
  return "";
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("Checksummed file: a frame in another format round-trips, its header exactly so",
          "[io][checksummed]") {
  const std::string body = R"({"a":[1,2],"b":"x"})";
  const std::string text = framed(body);
  CHECK(text == "{\"format\":\"test-frame\",\"version\":3,\"bytes\":19,\"fnv1a64\":\"" +
                    chaosnet::util::hex64(chaosnet::util::fnv1a64(body)) + "\",\"body\":" + body +
                    "}\n");
  CHECK(body_of(text) == body);
  CHECK(body_of(framed("")) == "");
  // The same body in another format is another file.
  constexpr ChecksummedFormat other{"other-frame", 3, "other frame", "snapshot"};
  const std::string other_text = chaosnet::checksummed_file_text(other, body);
  CHECK(chaosnet::checked_file_body<TestError>(other, other_text, "g.json") == body);
  CHECK(refusal(other_text) ==
        "f.json: is not a test frame (it does not begin with {\"format\":\"test-frame\","
        "\"version\":...); the file is damaged or is something else");
  constexpr ChecksummedFormat newer{"test-frame", 4, "test frame", "snapshot"};
  CHECK_THAT(refusal(chaosnet::checksummed_file_text(newer, body)),
             Catch::StartsWith("f.json: is snapshot format version 4; this chaosnet (") &&
                 Catch::EndsWith(") reads version 3 only"));
}

TEST_CASE("Checksummed file: every single changed byte is refused", "[io][checksummed]") {
  const std::string text = framed(R"({"weights":[0.5,-1.25],"note":"ok"})");
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (const int flip : {0x01, 0x20, 0x80}) {
      std::string changed = text;
      changed[i] = static_cast<char>(static_cast<unsigned char>(changed[i]) ^ flip);
      INFO("byte " << i << " ^ " << flip);
      CHECK_THAT(refusal(changed), Catch::StartsWith("f.json: "));
    }
  }
}

TEST_CASE("Checksummed file: empty, garbage, truncated and damaged files are refused",
          "[io][checksummed]") {
  std::string members;
  for (int id = 1; id <= 20; ++id) {
    members += (id > 1 ? ",{\"id\":" : "{\"id\":") + std::to_string(id) + "}";
  }
  const std::string good = framed("{\"members\":[" + members + "],\"extra\":{}}");
  REQUIRE(good.find("\"body\":") < good.size() / 2);
  const auto rejects = [&](const std::string& text, const std::string& problem) {
    INFO(problem);
    CHECK_THROWS_AS(body_of(text), TestError);
    CHECK_THAT(refusal(text), Catch::StartsWith("f.json: ") && Catch::Contains(problem));
  };
  rejects("", "is empty");
  rejects("garbage\n", "is not a test frame");
  rejects(good.substr(0, good.size() / 2), "is truncated");
  rejects(good.substr(0, 60), "damaged header");
  std::string flipped = good;
  flipped[good.size() - 10] = flipped[good.size() - 10] == '1' ? '2' : '1';
  rejects(flipped, "do not match their checksum");
  rejects(good + "trailing", "is not the");
  // A body size so large that adding to it wraps around.
  std::string huge = good;
  const std::size_t bytes_at = huge.find("\"bytes\":") + 8;
  huge.replace(bytes_at, huge.find(',', bytes_at) - bytes_at,
               std::to_string(std::numeric_limits<std::uint64_t>::max()));
  rejects(huge, "is truncated");
}

TEST_CASE("Checksummed file: the rotation falls back to the previous file and keeps it",
          "[io][checksummed]") {
  const TempDir dir;
  const auto files = chaosnet::rotated_files(dir / "run", "state");
  CHECK(files.current == dir / "run" / "state.json");
  CHECK(files.previous == dir / "run" / "state.prev.json");
  CHECK(files.bad == dir / "run" / "state.bad.json");
  const auto save = [&](const std::string& body) {
    chaosnet::write_rotated_file<TestError>(dir / "run", "state", format, framed(body));
  };
  const auto load = [&] {
    return chaosnet::read_rotated_file<TestError>(dir / "run", "state", format);
  };

  save("[1]");  // creates the directory
  CHECK(read(files.current) == framed("[1]"));
  CHECK_FALSE(std::filesystem::exists(files.previous));
  save("[2]");
  CHECK(read(files.previous) == framed("[1]"));
  const auto newest = load();
  CHECK(newest.text == framed("[2]"));
  CHECK(newest.file == files.current);
  CHECK(newest.warning.empty());

  SECTION("a damaged newest file") {
    std::string damaged = framed("[2]");
    damaged[damaged.find("[2]") + 1] = '9';
    write(files.current, damaged);
  }
  SECTION("a truncated newest file") { write(files.current, framed("[2]").substr(0, 30)); }
  SECTION("a missing newest file") { std::filesystem::remove(files.current); }

  const auto fallback = load();
  CHECK(fallback.text == framed("[1]"));
  CHECK(fallback.file == files.previous);
  CHECK_THAT(fallback.warning, Catch::StartsWith(files.current.string() + ": ") &&
                                   Catch::EndsWith("; resuming from the previous snapshot " +
                                                   files.previous.string()));
  // The next write never replaces the sound previous file with the damaged newest one.
  const bool had_newest = std::filesystem::exists(files.current);
  save("[3]");
  CHECK(read(files.previous) == framed("[1]"));
  CHECK(std::filesystem::exists(files.bad) == had_newest);
  CHECK(load().text == framed("[3]"));
  save("[4]");
  CHECK(read(files.previous) == framed("[3]"));
}

TEST_CASE("Checksummed file: a rotation with nothing usable is a clear error",
          "[io][checksummed]") {
  const TempDir dir;
  const auto files = chaosnet::rotated_files(dir.path(), "state");
  const auto load = [&] {
    return chaosnet::read_rotated_file<TestError>(dir.path(), "state", format);
  };
  CHECK_THROWS_AS(load(), TestError);
  CHECK_THROWS_WITH(load(), dir.path().string() +
                                ": holds no snapshot to resume from (no state.json or "
                                "state.prev.json)");
  write(files.current, "{\"format\"");
  CHECK_THROWS_WITH(load(), Catch::StartsWith(files.current.string() + ": is not a test frame") &&
                                Catch::EndsWith(", and there is no previous snapshot to fall "
                                                "back to"));
  write(files.previous, "");
  CHECK_THROWS_WITH(load(), Catch::Contains(", and the previous snapshot is unusable too (" +
                                            files.previous.string() + ": is empty"));
  std::filesystem::remove(files.current);
  std::filesystem::create_directory(files.current);
  CHECK_THROWS_WITH(load(), Catch::StartsWith(files.current.string() +
                                              ": is a directory, not a snapshot"));
}
