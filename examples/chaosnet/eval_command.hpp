#pragma once

// `chaosnet eval MODEL`: accuracy of a saved model on the validation and test splits.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace chaosnet::cli {

struct EvalSettings {
  std::filesystem::path model;
  std::filesystem::path data = "data/mnist";
  std::size_t validation = 10000;
  std::filesystem::path json;
};

inline void add_eval_command(CLI::App& app, EvalSettings& s) {
  CLI::App* cmd = app.add_subcommand("eval", "Accuracy of a saved model on the validation and test splits");
  add_model_argument(*cmd, s.model);
  cmd->add_option("--data", s.data, "Directory with the four MNIST IDX files")->capture_default_str();
  cmd->add_option("--validation", s.validation, "Training images held out for validation")
      ->check(at_least<std::size_t>(1))
      ->capture_default_str();
  cmd->add_option("--json", s.json, "Write the result (val_acc, test_acc, edges, params) here");
}

inline int eval_command(const EvalSettings& s) {
  std::vector<std::filesystem::path> inputs = mnist_files(s.data);
  inputs.push_back(s.model);
  check_output("--json", s.json, OutputKind::file, inputs);
  const LoadedModel<float> model = load_model<float>(s.model);
  const MnistSplits data = load_mnist_splits(s.data, s.validation);
  Network<float, 64> net(model.topology);
  const double validation = evaluate_accuracy(net, data.validation);
  const double test = evaluate_accuracy(net, data.test);
  std::printf("%s (preset %s): %s edges, %s parameters, %zu hidden nodes\n", s.model.c_str(),
              model.info.preset.empty() ? "none" : model.info.preset.c_str(),
              with_commas(double(net.edge_count())).c_str(), with_commas(double(net.parameter_count())).c_str(),
              net.normal_count());
  std::printf("validation accuracy %.2f%%\ntest accuracy %.2f%%\n", 100 * validation, 100 * test);
  if (!s.json.empty()) {
    write_json_file(s.json, {{"command", "eval"},
                             {"model", s.model.string()},
                             {"val_acc", validation},
                             {"test_acc", test},
                             {"edges", net.edge_count()},
                             {"params", net.parameter_count()},
                             {"hidden", net.normal_count()}});
  }
  return exit_ok;
}

}  // namespace chaosnet::cli
