// idx.hpp compiled as in a build without zlib, whatever this build found: a gzip file must be
// refused with advice, never parsed as garbage.
#undef CHAOSNET_WITH_ZLIB

#include <chaosnet/data/idx.hpp>

#include <support/idx_writer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using Catch::Matchers::Contains;

TEST_CASE("IDX: without zlib, a gzip file is refused with advice to gunzip it", "[data]") {
  const chaosnet::test::TempDir dir;
  const auto path = dir / "train-images-idx3-ubyte";
  // The gzip magic bytes, then a plausible deflate header: detection must not need the name.
  chaosnet::test::write_file(path, std::vector<std::uint8_t>{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0});
  REQUIRE_THROWS_AS(chaosnet::read_idx_images(path), chaosnet::DataError);
  REQUIRE_THROWS_WITH(chaosnet::read_idx_images(path),
                      Contains(path.string() + ": is gzip-compressed, but chaosnet was built "
                                               "without zlib") &&
                          Contains("gunzip"));
  REQUIRE_THROWS_WITH(chaosnet::read_idx_labels(path), Contains("built without zlib"));
}
