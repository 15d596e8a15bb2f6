#pragma once

// ChaosNet model files (seed 002): a ChaosModel's shape, neuron parameters and weights as JSON,
// written atomically, read back with errors that name the file and the field.
//
//   {"format": "chaosnet-chaos-model/1", "inputs": 784, "hidden": [512], "classes": 10,
//    "ticks": 5, "tick_mode": "independent", "input_mean": 0.1307, "input_std": 0.3081,
//    "neuron": {"threshold", "noise_std", "fail_prob", "decay", "refractory_decay"},
//    "parameters": [...], "info": {...}}   (the parameters in ChaosModelLayout's order)

#include <chaosnet/dynamics/chaos_model.hpp>
#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/io/json_writer.hpp>
#include <chaosnet/util/enum_names.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace chaosnet {

inline constexpr std::string_view chaos_model_format = "chaosnet-chaos-model/1";

/// Write `model` to `path` (atomically: a reader never sees half a file); `info` (say, the
/// training summary) is stored beside it. Throws FileError when the file cannot be written.
template <class T>
void save_chaos_model(const std::filesystem::path& path, const ChaosModel<T>& model, const nlohmann::json& info = {}) {
  const ChaosModelConfig& c = model.config;
  nlohmann::json doc = {
      {"format", chaos_model_format},
      {"inputs", c.inputs},
      {"hidden", c.hidden},
      {"classes", c.classes},
      {"ticks", c.ticks},
      {"tick_mode", to_string(c.mode)},
      {"input_mean", c.input_mean},
      {"input_std", c.input_std},
      {"neuron", {{"threshold", c.params.threshold}, {"noise_std", c.params.noise_std},
                  {"fail_prob", c.params.fail_prob}, {"decay", c.params.decay},
                  {"refractory_decay", c.params.refractory_decay}}},
      {"parameters", model.parameters},
      {"info", info}};
  write_file_atomically(path, doc.dump() + "\n");
}

/// Read a model written by save_chaos_model(). Throws ModelFileError, naming the file and the
/// field, for a file that is missing, damaged, of another format, or whose parameters do not
/// fit its shape.
inline ChaosModel<float> load_chaos_model(const std::filesystem::path& path) {
  const std::string text = read_file_text<ModelFileError>(path, "chaos model file");
  const nlohmann::json doc = parse_json_text<ModelFileError>(text, path, "chaos model file", "save the model again");
  const JsonPlace at = JsonPlace::root<ModelFileError>(path, "");
  if (!doc.is_object() || !doc.contains("format") || doc.at("format") != chaos_model_format) {
    at.fail(std::string("is not a chaos model file (expected \"format\": \"") + std::string(chaos_model_format) +
            "\"; models of `chaosnet train --preset chaosnet-mnist --save` have it)");
  }
  ChaosModel<float> model;
  ChaosModelConfig& c = model.config;
  c.inputs = read_field<std::uint32_t>(doc, at, "inputs");
  c.classes = read_field<std::uint32_t>(doc, at, "classes");
  c.ticks = read_field<std::uint32_t>(doc, at, "ticks");
  c.mode = read_enum_field<TickMode>(doc, at, "tick_mode", "tick mode");
  c.input_mean = read_field<double>(doc, at, "input_mean");
  c.input_std = read_field<double>(doc, at, "input_std");
  c.hidden.clear();
  const nlohmann::json& hidden = read_array(doc, at, "hidden");
  for (std::size_t l = 0; l < hidden.size(); ++l) {
    if (!hidden[l].is_number_unsigned() || hidden[l].get<std::uint64_t>() == 0 || hidden[l].get<std::uint64_t>() > 1u << 20) {
      at.key("hidden").index(l).fail("expected a layer size from 1 to 1048576, found " + describe_json(hidden[l]));
    }
    c.hidden.push_back(hidden[l].get<std::uint32_t>());
  }
  if (c.hidden.empty() || c.inputs == 0 || c.classes < 2 || c.ticks == 0 || !(c.input_std > 0)) {
    at.fail("has an empty shape (no layer, no inputs, fewer than 2 classes, no tick or input_std <= 0)");
  }
  const JsonPlace neuron_at = at.key("neuron");
  const nlohmann::json& neuron = json_member(doc, at, "neuron");
  c.params = {read_field<double>(neuron, neuron_at, "threshold"), read_field<double>(neuron, neuron_at, "noise_std"),
              read_field<double>(neuron, neuron_at, "fail_prob"), read_field<double>(neuron, neuron_at, "decay"),
              read_field<double>(neuron, neuron_at, "refractory_decay")};
  try {
    detail::check_chaos_params(c.params);
  } catch (const std::invalid_argument& e) {
    neuron_at.fail(e.what());
  }
  const nlohmann::json& parameters = read_array(doc, at, "parameters");
  const ChaosModelLayout layout(c);
  if (parameters.size() != layout.total) {
    at.key("parameters").fail("holds " + std::to_string(parameters.size()) + " values; its shape needs " +
                              std::to_string(layout.total));
  }
  model.parameters.reserve(layout.total);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    model.parameters.push_back(finite_number<float>(parameters[i], at.key("parameters").index(i)));
  }
  return model;
}

}  // namespace chaosnet
