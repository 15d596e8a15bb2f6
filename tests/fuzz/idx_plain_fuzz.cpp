// Fuzz target: the IDX image and label readers on a plain file holding the input.

#include <fuzz/idx_fuzz.hpp>
#include <support/idx_writer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto file = chaosnet::fuzz::scratch_file("input.idx");
  chaosnet::test::write_file(file, input);
  // Input that starts with the gzip magic is decompressed by the reader: contents unknown here.
  chaosnet::fuzz::check_idx_file(
      file, chaosnet::fuzz::starts_like_gzip(input) ? std::nullopt : std::optional(input));
  return 0;
}
