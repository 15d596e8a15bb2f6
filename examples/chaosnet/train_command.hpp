#pragma once

// `chaosnet train`: train one network from a preset on MNIST (or any IDX dataset), report the
// validation accuracy per epoch and the test accuracy once at the end.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chaosnet::cli {

struct TrainSettings {
  std::filesystem::path data = "data/mnist";
  std::string preset = "v02";
  std::optional<std::size_t> hidden;
  std::optional<std::size_t> epochs;
  std::optional<int> batch;
  std::optional<double> learning_rate;
  std::optional<std::string> optimizer;
  double momentum = 0.0;
  int augment = 0;
  std::uint64_t seed = 1;
  std::size_t validation = 10000;
  std::filesystem::path save, log, json;
};

inline void add_train_command(CLI::App& app, TrainSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "train", "Train one network from a preset; report validation accuracy per epoch and the "
               "test accuracy once at the end");
  cmd->add_option("--data", s.data, "Directory with the four MNIST IDX files (data/fetch_mnist.sh)")
      ->capture_default_str();
  cmd->add_option("--preset", s.preset, "Starting network and training setup: v01 (seed 000) or v02 (seed 001)")
      ->check(CLI::IsMember(preset_names()))
      ->capture_default_str();
  cmd->add_option("--hidden", s.hidden,
                  "Hidden (Normal) nodes to add (default: the preset's: v01 5000, v02 1000)")
      ->check(number_in<std::size_t>(0, max_hidden_nodes));
  cmd->add_option("--epochs", s.epochs, "Passes over the training data (default: the preset's)")
      ->check(number_in<std::size_t>(1, 100000));
  cmd->add_option("--batch", s.batch, "Samples per step: " + compiled_batch_sizes_text() + " (default: the preset's)")
      ->check(CLI::IsMember(compiled_batch_sizes));
  cmd->add_option("--lr", s.learning_rate, "Learning rate (default: the preset's for the optimizer)")
      ->check(above(0.0, max_learning_rate));
  cmd->add_option("--optimizer", s.optimizer,
                  util::enum_names_text<OptimizerKind>() + " (default: the preset's)")
      ->check(CLI::IsMember(util::enum_name_list<OptimizerKind>()));
  cmd->add_option("--momentum", s.momentum, "SGD momentum")
      ->check(number_in(0.0, 0.999))
      ->capture_default_str();
  cmd->add_option("--augment", s.augment,
                  "Shift each training image by up to +-K pixels, a fresh random shift per image "
                  "and epoch (0: no augmentation)")
      ->check(number_in(0, 4))
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Random seed: same seed, same network and batches")
      ->check(at_least<std::uint64_t>(0))
      ->capture_default_str();
  cmd->add_option("--validation", s.validation,
                  "Training images held out (from the end) for validation and model selection")
      ->check(at_least<std::size_t>(1))
      ->capture_default_str();
  cmd->add_option("--save", s.save, "Write the trained model (JSON) here");
  cmd->add_option("--log", s.log, "Write one CSV row per epoch here");
  cmd->add_option("--json", s.json, "Write the summary (test_acc, val_acc, edges, params, wall_s, ...) here");
}

/// A library message in the command's terms: the options it names become their flags.
inline std::string in_flag_terms(std::string message) {
  constexpr std::pair<std::string_view, std::string_view> flags[] = {{"learning rate", "--lr"}};
  for (const auto& [option, flag] : flags) {
    for (std::size_t at = 0; (at = message.find(option, at)) != std::string::npos;
         at += flag.size()) {
      message.replace(at, option.size(), flag);
    }
  }
  return message;
}

template <int N>
int run_train(const TrainSettings& s, const Preset& preset, const MnistSplits& data,
              OptimizerOptions optimizer_options, std::size_t hidden, std::size_t epochs) {
  Rng rng(s.seed);
  Network<float, N> net(build_topology<float>(preset, data.train.features(),
                                              static_cast<std::size_t>(data.train.classes()),
                                              hidden, rng));
  Optimizer<float> optimizer(optimizer_options);
  TrainOptions options;
  options.epochs = epochs;
  options.samples_per_epoch = preset.samples_per_epoch;
  options.shuffle = preset.shuffle;
  options.max_shift = s.augment;
  options.shift_seed = s.seed;

  std::printf("network: %s inputs, %s hidden, %zu outputs; %s edges, %s parameters\n",
              with_commas(double(net.input_count())).c_str(), with_commas(double(net.normal_count())).c_str(),
              net.output_count(), with_commas(double(net.edge_count())).c_str(),
              with_commas(double(net.parameter_count())).c_str());
  std::printf("training: %s, lr %g, batch %d, %zu epochs of %s samples%s, seed %llu\n",
              std::string(to_string(optimizer_options.kind)).c_str(), optimizer_options.learning_rate, N,
              epochs,
              with_commas(double(preset.samples_per_epoch ? std::min(preset.samples_per_epoch, data.train.size())
                                                          : data.train.size())).c_str(),
              s.augment > 0 ? (" shifted by up to " + std::to_string(s.augment) + " px").c_str() : "",
              static_cast<unsigned long long>(s.seed));
  std::fflush(stdout);

  std::ostringstream csv;
  csv << "epoch,train_loss,val_acc,edges,params,elapsed_s,samples_per_s\n";
  ProgressBar bar("  training", "samples");
  const TrainResult result = train(
      net, optimizer, data.train, data.validation, options, rng,
      [&](std::size_t done, std::size_t total) { bar.update(done, total); },
      [&](const EpochStats& e) {
        bar.finish();
        bar.restart();
        std::printf("epoch %2zu/%zu  loss %.4f  val %.2f%%  edges %s  params %s  %s  (%s samples/s)\n",
                    e.epoch, epochs, e.train_loss, 100 * e.validation_accuracy,
                    with_commas(double(e.edges)).c_str(), with_commas(double(e.parameters)).c_str(),
                    format_duration(e.elapsed_s).c_str(), with_commas(e.samples_per_s).c_str());
        std::fflush(stdout);
        csv << e.epoch << ',' << e.train_loss << ',' << e.validation_accuracy << ',' << e.edges << ','
            << e.parameters << ',' << e.elapsed_s << ',' << e.samples_per_s << '\n';
      });
  bar.finish();
  if (result.diverged) std::fprintf(stderr, "warning: %s\n", in_flag_terms(result.message).c_str());

  // The test set is touched exactly once, after training and model selection.
  const double test_accuracy = evaluate_accuracy(net, data.test);
  const double samples_per_s = result.epochs.empty() ? 0 : result.epochs.back().samples_per_s;
  std::printf("\nbest validation accuracy %.2f%% (epoch %zu, parameters kept)\n",
              100 * result.best_validation_accuracy, result.best_epoch);
  std::printf("test accuracy %.2f%%  |  %s edges, %s parameters  |  %s wall, %s samples/s, 1 thread, %s\n",
              100 * test_accuracy, with_commas(double(net.edge_count())).c_str(),
              with_commas(double(net.parameter_count())).c_str(), format_duration(result.wall_s).c_str(),
              with_commas(samples_per_s).c_str(), cpu_model().c_str());

  nlohmann::json summary = {
      {"command", "train"},
      {"preset", preset.name},
      {"test_acc", test_accuracy},
      {"val_acc", result.best_validation_accuracy},
      {"best_epoch", result.best_epoch},
      {"edges", net.edge_count()},
      {"params", net.parameter_count()},
      {"hidden", net.normal_count()},
      {"wall_s", result.wall_s},
      {"epochs", result.epochs.size()},
      {"samples_per_s", samples_per_s},
      {"batch", N},
      {"optimizer", to_string(optimizer_options.kind)},
      {"lr", optimizer_options.learning_rate},
      {"augment", s.augment},
      {"seed", s.seed},
      {"threads", 1},
      {"cpu", cpu_model()},
      {"diverged", result.diverged},
  };
  if (!s.log.empty()) write_text_file(s.log, csv.str());
  if (!s.json.empty()) write_json_file(s.json, summary);
  if (!s.save.empty()) {
    save_model(s.save, static_cast<const Topology<float>&>(net), ModelInfo{std::string(preset.name), summary});
    std::printf("model saved to %s\n", s.save.c_str());
  }
  return result.diverged ? exit_runtime_error : exit_ok;
}

inline int train_command(const TrainSettings& s) {
  const Preset& preset = find_preset(s.preset);
  OptimizerOptions optimizer;
  optimizer.kind = preset.optimizer;
  if (s.optimizer) optimizer.kind = *util::parse_enum<OptimizerKind>(*s.optimizer);
  optimizer.learning_rate = s.learning_rate.value_or(preset.learning_rate(optimizer.kind));
  optimizer.momentum = s.momentum;
  optimizer.epsilon = preset.adam_epsilon;
  const int batch = s.batch.value_or(preset.batch);
  const std::vector<std::filesystem::path> inputs = mnist_files(s.data);
  check_output("--save", s.save, OutputKind::file, inputs);
  check_output("--log", s.log, OutputKind::file, inputs);
  check_output("--json", s.json, OutputKind::file, inputs);

  std::printf("loading %s ...\n", s.data.c_str());
  std::fflush(stdout);
  const MnistSplits data = load_mnist_splits(s.data, s.validation);
  std::printf("data: %s train, %s validation, %s test images of %zux%zu, %d classes\n",
              with_commas(double(data.train.size())).c_str(), with_commas(double(data.validation.size())).c_str(),
              with_commas(double(data.test.size())).c_str(), data.train.rows(), data.train.cols(),
              data.train.classes());
  const std::size_t hidden = s.hidden.value_or(preset.hidden);
  const std::size_t epochs = s.epochs.value_or(preset.epochs);
  return with_batch_size(batch, [&]<int N>() {
    return run_train<N>(s, preset, data, optimizer, hidden, epochs);
  });
}

}  // namespace chaosnet::cli
