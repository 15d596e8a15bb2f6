#include <chaosnet/util/fnv1a.hpp>

#include <catch2/catch.hpp>

#include <string>

using chaosnet::util::Fnv1a64;
using chaosnet::util::fnv1a64;
using chaosnet::util::hex64;

TEST_CASE("fnv1a64 matches the published FNV-1a 64 test vectors", "[util][fnv1a]") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("add_word hashes the eight bytes least significant first", "[util][fnv1a]") {
  Fnv1a64 words;
  words.add_word(0x0000000000000061ULL);
  CHECK(words.value() == fnv1a64(std::string("a\0\0\0\0\0\0\0", 8)));
  Fnv1a64 other;
  other.add_word(0x6100000000000000ULL);
  CHECK(other.value() == fnv1a64(std::string("\0\0\0\0\0\0\0a", 8)));
}

TEST_CASE("hex64 writes sixteen lower-case digits with leading zeros", "[util][fnv1a]") {
  CHECK(hex64(0) == "0000000000000000");
  CHECK(hex64(0xcbf29ce484222325ULL) == "cbf29ce484222325");
  CHECK(hex64(0xabcULL) == "0000000000000abc");
}
