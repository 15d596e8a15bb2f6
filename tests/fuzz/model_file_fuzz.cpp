// Fuzz target: model_from_string, the in-memory entry of load_model, in both precisions. A model
// that loads must save, and what it saves must load back and save to the same text.

#include <fuzz/fuzz_support.hpp>

#include <chaosnet/io/model_file.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

template <class T>
void check_model(std::string_view text) {
  const std::filesystem::path origin = "fuzz.model.json";
  const auto model = chaosnet::fuzz::read_or_reject<chaosnet::ModelFileError>(
      origin, [&] { return chaosnet::model_from_string<T>(text, origin); });
  if (!model) return;
  const std::string saved = chaosnet::fuzz::must_succeed("saving a loaded model", [&] {
    return chaosnet::model_to_string(model->topology, model->info);
  });
  const auto again = chaosnet::fuzz::must_succeed("loading a saved model", [&] {
    return chaosnet::model_from_string<T>(saved, origin);
  });
  if (chaosnet::model_to_string(again.topology, again.info) != saved) {
    chaosnet::fuzz::fail("a saved model does not load back to the same model");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = chaosnet::fuzz::as_text(data, size);
  check_model<double>(text);
  check_model<float>(text);
  return 0;
}
