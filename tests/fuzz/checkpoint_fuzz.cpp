// Fuzz target: checkpoint_from_string, the in-memory entry of load_checkpoint. A fuzzer cannot
// forge the checksum, so input that does not begin like a checkpoint file is taken as the body
// (generator states may be written as rng_placeholder) and given a valid header: raw files fuzz
// the header checks, bodies the parser behind them. A checkpoint that loads must save, and what
// it saves must load back and save to the same text.

#include <fuzz/checkpoint_fuzz.hpp>
#include <fuzz/fuzz_support.hpp>

#include <chaosnet/evolution/checkpoint.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

// The precision and batch size of the CLI's default run; the seed corpus is written with them.
using Scalar = float;
constexpr int batch = 32;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = chaosnet::fuzz::as_text(data, size);
  const std::string text =
      input.starts_with("{\"format\":")
          ? std::string(input)
          : chaosnet::checksummed_file_text(chaosnet::checkpoint_file_format,
                                            chaosnet::fuzz::with_rng_states(input));
  const std::filesystem::path origin = "fuzz/checkpoint.json";
  const auto loaded = chaosnet::fuzz::read_or_reject<chaosnet::CheckpointError>(
      origin, [&] { return chaosnet::checkpoint_from_string<Scalar, batch>(text, origin); });
  if (!loaded) return 0;
  const std::string saved = chaosnet::fuzz::must_succeed("saving a loaded checkpoint", [&] {
    return chaosnet::checkpoint_to_string(loaded->population, loaded->extra);
  });
  const auto again = chaosnet::fuzz::must_succeed("loading a saved checkpoint", [&] {
    return chaosnet::checkpoint_from_string<Scalar, batch>(saved, origin);
  });
  if (chaosnet::checkpoint_to_string(again.population, again.extra) != saved) {
    chaosnet::fuzz::fail("a saved checkpoint does not load back to the same checkpoint");
  }
  return 0;
}
