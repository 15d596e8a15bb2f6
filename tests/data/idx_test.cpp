#include <chaosnet/data/idx.hpp>

#include <support/child_process.hpp>
#include <support/idx_writer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using chaosnet::DataError;
using chaosnet::read_idx_images;
using chaosnet::read_idx_labels;
namespace test = chaosnet::test;

namespace {

const std::vector<std::uint8_t> six_pixels{0, 1, 2, 253, 254, 255};

/// One file in a fresh temporary directory, for the bad-input cases.
struct IdxFile {
  test::TempDir dir;
  std::filesystem::path path = dir / "file";

  void write(std::span<const std::uint8_t> bytes) const { test::write_file(path, bytes); }
  /// How a child process that may map only `headroom` more bytes than it starts with ends when
  /// it reads this file with `read`: "exited with 0" if that throws a DataError naming the file,
  /// then `problem`.
  template <class Read>
  [[nodiscard]] std::string read_in_child(Read read, const std::string& problem,
                                          std::uint64_t headroom) const {
    return test::run_in_child(
               [&] {
                 try {
                   read(path);
                 } catch (const DataError& e) {
                   if (std::string(e.what()).find(path.string() + ": " + problem) !=
                       std::string::npos) {
                     return 0;
                   }
                   std::fprintf(stderr, "%s\n", e.what());
                   return 1;
                 }
                 return 2;
               },
               {.address_space_headroom = headroom})
        .describe();
  }
  /// Matches an error message that names this file, then `problem`.
  [[nodiscard]] Catch::Matchers::StdString::ContainsMatcher names(
      const std::string& problem) const {
    return Contains(path.string() + ": " + problem);
  }
};

}  // namespace

TEST_CASE("IDX: images and labels round-trip", "[data]") {
  const test::TempDir dir;
  test::write_file(dir / "images", test::idx_image_bytes(3, 1, 2, six_pixels));
  test::write_file(dir / "labels", test::idx_label_bytes(3, std::vector<std::uint8_t>{7, 0, 9}));

  const chaosnet::IdxImages images = read_idx_images(dir / "images");
  CHECK(images.count == 3);
  CHECK(images.rows == 1);
  CHECK(images.cols == 2);
  CHECK(images.pixels == six_pixels);
  CHECK(read_idx_labels(dir / "labels") == std::vector<std::uint8_t>{7, 0, 9});
}

TEST_CASE_METHOD(IdxFile, "IDX: a file with zero samples is valid and empty", "[data]") {
  write(test::idx_image_bytes(0, 28, 28, {}));
  CHECK(read_idx_images(path).pixels.empty());
  write(test::idx_label_bytes(0, {}));
  CHECK(read_idx_labels(path).empty());
}

TEST_CASE_METHOD(IdxFile, "IDX: a missing file is rejected with its path", "[data]") {
  REQUIRE_THROWS_AS(read_idx_images(path), DataError);
  REQUIRE_THROWS_WITH(read_idx_images(path), names("file not found"));
  REQUIRE_THROWS_WITH(read_idx_labels(path), names("file not found"));
}

TEST_CASE("IDX: a directory is rejected with its path", "[data]") {
  const test::TempDir dir;
  REQUIRE_THROWS_WITH(read_idx_images(dir.path()),
                      Contains(dir.path().string() + ": is a directory, not a file"));
}

TEST_CASE_METHOD(IdxFile, "IDX: a label file read as images names both magic numbers",
                 "[data]") {
  write(test::idx_label_bytes(2, std::vector<std::uint8_t>{1, 2}));
  REQUIRE_THROWS_AS(read_idx_images(path), DataError);
  REQUIRE_THROWS_WITH(read_idx_images(path),
                      names("expected an IDX image file (magic 2051), found magic 2049 — is this "
                            "a label file?"));
}

TEST_CASE_METHOD(IdxFile, "IDX: an image file read as labels names both magic numbers",
                 "[data]") {
  write(test::idx_image_bytes(1, 1, 2, {six_pixels.data(), 2}));
  REQUIRE_THROWS_WITH(read_idx_labels(path),
                      names("expected an IDX label file (magic 2049), found magic 2051 — is this "
                            "an image file?"));
}

TEST_CASE_METHOD(IdxFile, "IDX: a wrong magic number says what the file seems to be", "[data]") {
  SECTION("little-endian header") {
    write(test::idx_image_bytes(1, 1, 2, {six_pixels.data(), 2}, 0x03080000));
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("expected an IDX image file (magic 2051), found magic 50855936") &&
                            Contains("little-endian"));
  }
  SECTION("IDX file of another element type") {
    write(test::idx_image_bytes(1, 1, 2, six_pixels, 0x0d03));
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("expected an IDX image file (magic 2051), found magic 3331") &&
                            Contains("IDX file of floats with 3 dimension(s)"));
  }
  SECTION("not an IDX file at all") {
    const std::string text = "P5\n28 28\n255\n";
    write({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    REQUIRE_THROWS_WITH(read_idx_labels(path), names("expected an IDX label file (magic 2049)") &&
                                                   Contains("this is not an IDX file"));
  }
}

TEST_CASE_METHOD(IdxFile, "IDX: zero rows or columns are rejected as wrong dimensions",
                 "[data]") {
  SECTION("zero rows") { write(test::idx_image_bytes(2, 0, 28, {})); }
  SECTION("zero columns") { write(test::idx_image_bytes(2, 28, 0, {})); }
  REQUIRE_THROWS_WITH(read_idx_images(path),
                      names("wrong dimensions") && Contains("rows and columns must be at least 1"));
}

TEST_CASE_METHOD(IdxFile, "IDX: dimensions whose product overflows are rejected", "[data]") {
  write(test::idx_image_bytes(0xffffffff, 0xffffffff, 0xffffffff, six_pixels));
  REQUIRE_THROWS_WITH(read_idx_images(path),
                      names("wrong dimensions") &&
                          Contains("4294967295 images of 4294967295 x 4294967295"));
}

TEST_CASE_METHOD(IdxFile, "IDX: images of more than 4096 x 4096 pixels are wrong dimensions",
                 "[data]") {
  write(test::idx_image_bytes(1, 4097, 4096, {}));
  REQUIRE_THROWS_WITH(read_idx_images(path),
                      names("wrong dimensions: the header declares 1 images of 4097 x 4096 pixels; "
                            "chaosnet reads images of at most 16777216 pixels"));
  write(test::idx_image_bytes(0, 4096, 4096, {}));
  CHECK(read_idx_images(path).rows == 4096);
}

TEST_CASE_METHOD(IdxFile, "IDX: a 1 GiB file whose header declares 2 labels is not read",
                 "[data]") {
  write(test::idx_label_bytes(2, six_pixels));
  std::filesystem::resize_file(path, std::uintmax_t{1} << 30);  // sparse: no disk space used
  // Reading it whole before checking the header needs 1 GiB.
  CHECK(read_in_child(read_idx_labels,
                      "unexpected trailing data: the header declares 2 labels (2 bytes after the "
                      "header), found 1073741816 bytes",
                      256u << 20) == "exited with 0");
}

TEST_CASE_METHOD(IdxFile, "IDX: truncated data is rejected with its path", "[data]") {
  SECTION("images") {
    write(test::idx_image_bytes(4, 1, 2, six_pixels));
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("truncated: the header declares 4 images of 1 x 2 pixels (8 bytes "
                              "after the header), found 6 bytes"));
  }
  SECTION("labels") {
    write(test::idx_label_bytes(5, std::vector<std::uint8_t>{1, 2, 3}));
    REQUIRE_THROWS_WITH(read_idx_labels(path),
                        names("truncated: the header declares 5 labels (5 bytes after the "
                              "header), found 3 bytes"));
  }
}

TEST_CASE_METHOD(IdxFile, "IDX: a truncated header is rejected with its path", "[data]") {
  SECTION("empty file") {
    write({});
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("truncated: an IDX image header is 16 bytes, found 0"));
  }
  SECTION("header cut after the count") {
    const std::vector<std::uint8_t> header = test::idx_image_bytes(1, 1, 2, {});
    write(std::span(header).first(10));
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("truncated: an IDX image header is 16 bytes, found 10"));
  }
  SECTION("label header cut inside the magic number") {
    const std::vector<std::uint8_t> header = test::idx_label_bytes(1, {});
    write(std::span(header).first(3));
    REQUIRE_THROWS_WITH(read_idx_labels(path),
                        names("truncated: an IDX label header is 8 bytes, found 3"));
  }
}

TEST_CASE_METHOD(IdxFile, "IDX: trailing data after the declared samples is rejected",
                 "[data]") {
  SECTION("images") {
    write(test::idx_image_bytes(2, 1, 2, six_pixels));
    REQUIRE_THROWS_WITH(read_idx_images(path),
                        names("unexpected trailing data") &&
                            Contains("(4 bytes after the header), found 6 bytes"));
  }
  SECTION("labels") {
    write(test::idx_label_bytes(2, six_pixels));
    REQUIRE_THROWS_WITH(read_idx_labels(path),
                        names("unexpected trailing data") &&
                            Contains("(2 bytes after the header), found 6 bytes"));
  }
}

#ifdef CHAOSNET_WITH_ZLIB

TEST_CASE("IDX: gzip files are recognised by content, not by name", "[data]") {
  const test::TempDir dir;
  test::write_gzip_file(dir / "images", test::idx_image_bytes(3, 2, 1, six_pixels));
  test::write_gzip_file(dir / "labels.gz",
                        test::idx_label_bytes(2, std::vector<std::uint8_t>{4, 2}));

  const chaosnet::IdxImages images = read_idx_images(dir / "images");
  CHECK(images.count == 3);
  CHECK(images.rows == 2);
  CHECK(images.pixels == six_pixels);
  CHECK(read_idx_labels(dir / "labels.gz") == std::vector<std::uint8_t>{4, 2});
}

TEST_CASE_METHOD(IdxFile, "IDX: a gzip bomb is inflated no further than its header declares",
                 "[data]") {
  // 128 MiB of zeros after the header: inflating them all would not fit in the child's 32 MiB.
  constexpr std::size_t zeros = std::size_t{128} << 20;
  SECTION("images") {
    test::write_gzip_bomb(path, test::idx_image_bytes(2, 1, 3, {}), zeros);
    CHECK(std::filesystem::file_size(path) < zeros / 1000);
    CHECK(read_in_child(read_idx_images,
                        "unexpected trailing data: the gzip data decompresses to more than the 22 "
                        "bytes its header declares (2 images of 1 x 3 pixels)",
                        32u << 20) == "exited with 0");
  }
  SECTION("labels") {
    test::write_gzip_bomb(path, test::idx_label_bytes(6, {}), zeros);
    CHECK(read_in_child(read_idx_labels,
                        "unexpected trailing data: the gzip data decompresses to more than the 14 "
                        "bytes its header declares (6 labels)",
                        32u << 20) == "exited with 0");
  }
}

TEST_CASE_METHOD(IdxFile, "IDX: a gzip header declaring more than its stream holds costs only "
                 "what it holds", "[data]") {
  test::write_gzip_file(path, test::idx_image_bytes(65536, 4096, 4096, six_pixels));
  CHECK(read_in_child(read_idx_images,
                      "truncated: the header declares 65536 images of 4096 x 4096 pixels "
                      "(1099511627776 bytes after the header), found 6 bytes",
                      64u << 20) == "exited with 0");
}

TEST_CASE_METHOD(IdxFile, "IDX: bad gzip files are rejected with their path", "[data]") {
  test::write_gzip_file(path, test::idx_image_bytes(3, 1, 2, six_pixels));
  std::vector<std::uint8_t> compressed = test::read_file(path);
  SECTION("a valid stream of a bad IDX file is reported like a plain one") {
    test::write_gzip_file(path, test::idx_image_bytes(4, 1, 2, six_pixels));
    REQUIRE_THROWS_WITH(read_idx_images(path), names("truncated: the header declares 4 images"));
  }
  SECTION("truncated compressed stream") {
    write(std::span(compressed).first(compressed.size() - 10));
    REQUIRE_THROWS_WITH(read_idx_images(path), names("truncated gzip data"));
  }
  SECTION("corrupt compressed stream") {
    compressed[compressed.size() - 6] ^= 0xff;  // inside the CRC-32 of the gzip trailer
    write(compressed);
    REQUIRE_THROWS_WITH(read_idx_images(path), names("corrupt gzip data"));
  }
}

#endif
