// Fuzz target: the IDX image and label readers on gzip files. Input that is gzip already is
// written as it is (damaged, truncated, concatenated or oversized streams); any other input is
// compressed first, which fuzzes the IDX contents behind a valid stream.

#include <fuzz/idx_fuzz.hpp>
#include <support/idx_writer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto file = chaosnet::fuzz::scratch_file("input.idx.gz");
  if (chaosnet::fuzz::starts_like_gzip(input)) {
    chaosnet::test::write_file(file, input);
    chaosnet::fuzz::check_idx_file(file, std::nullopt);
  } else {
    chaosnet::test::write_gzip_file(file, input);
    chaosnet::fuzz::check_idx_file(file, input);
  }
  return 0;
}
