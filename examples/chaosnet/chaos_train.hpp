#pragma once

// `chaosnet train --preset chaosnet-mnist`: seed 002's raw-pixel ChaosNet (784 inputs → 512
// spiking chaos neurons for 5 ticks → a linear readout of their mean spikes) trained with the
// seed's setup (dynamics/chaos_training.hpp), selected on validation, tested once.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

namespace chaosnet::cli {

inline constexpr std::string_view chaos_preset_name = "chaosnet-mnist";
inline constexpr int chaos_batch = 128;  ///< the seed's batch size, compiled for this preset only
inline constexpr std::size_t chaos_default_epochs = 10;
/// The masks the test evaluation draws (the seed evaluates with failure on, so the test
/// accuracy depends on them; `chaosnet robustness` averages over many).
inline constexpr std::uint64_t chaos_test_mask_seed = 0x7e57;

/// The flags of the spiking preset.
struct ChaosSettings {
  std::optional<double> fail_prob;
  std::optional<double> noise;
  bool rescale = false;              ///< graph networks only
  std::optional<std::string> fail_in;  ///< graph networks only: train, eval or both
  std::optional<std::uint32_t> ticks;
  std::optional<std::uint32_t> neurons;
  std::string tick_mode = "independent";
  bool split_mnist = false;
};

/// --fail-prob, --noise, --rescale and --fail-in: on graph networks (train and evolve) and, when
/// `spiking`, on the spiking preset too (train).
inline void add_failure_options(CLI::App& cmd, ChaosSettings& s, bool spiking) {
  const char* failure = "Node failure and noise (seed 002)";
  const std::string graph_fail = "chance that a hidden node's output is zeroed, per node, sample and forward pass "
                                 "(default 0: off)";
  const std::string graph_noise = "each hidden node's pre-activation every pass (default 0)";
  cmd.add_option("--fail-prob", s.fail_prob,
                 spiking ? "Spiking preset: chance that a neuron's spike is dropped, per neuron, sample and tick, in "
                           "training and evaluation (default 0.5, the seed's headline run). Graph networks (v01, "
                           "v02, --edges, --init): " + graph_fail
                         : "The " + graph_fail)
      ->check(number_in(0.0, 1.0))->group(failure);
  cmd.add_option("--noise", s.noise,
                 spiking ? "Std of the Gaussian noise added to each membrane every tick (spiking, default 0.01) or "
                           "to " + graph_noise + " (graph networks)"
                         : "Std of the Gaussian noise added to " + graph_noise)
      ->check(number_in(0.0, 10.0))->group(failure);
  cmd.add_flag("--rescale", s.rescale,
               "Graph networks: scale surviving nodes by 1/(1 - p), inverted dropout (the control; the seed "
               "does not rescale)")
      ->group(failure);
  cmd.add_option("--fail-in", s.fail_in,
                 "Graph networks: apply failure and noise in training passes (train), evaluation passes "
                 "(eval) or both, as the seed does (default both)")
      ->check(CLI::IsMember(util::enum_name_list<FailurePhase>()))->group(failure);
}

/// The failure flags and those of the spiking preset (train).
inline void add_chaos_options(CLI::App& cmd, ChaosSettings& s) {
  add_failure_options(cmd, s, true);
  const char* group = "Spiking chaos neurons (--preset chaosnet-mnist)";
  cmd.add_option("--ticks", s.ticks, "Ticks each input is presented for (default 5)")
      ->check(number_in<std::uint32_t>(1, 1000))->group(group);
  cmd.add_option("--neurons", s.neurons, "Spiking neurons (default 512)")
      ->check(number_in<std::uint32_t>(1, 65536))->group(group);
  cmd.add_option("--tick-mode", s.tick_mode,
                 "independent: each tick from zero state (the seed's scripts); sequential: membrane and "
                 "refractory state carried across ticks, trained through time")
      ->check(CLI::IsMember(util::enum_name_list<TickMode>()))->capture_default_str()->group(group);
  cmd.add_flag("--split-mnist", s.split_mnist,
               "Learn digits 0-4, then 5-9, on one shared core with a readout per task (each task --epochs "
               "epochs, selected on its own validation digits); report task 1's test accuracy before and after "
               "task 2: seed 002's forgetting claim")
      ->group(group);
}

/// The first flag given that only the spiking preset has, or nullptr.
inline const char* spiking_only_flag(const ChaosSettings& s) {
  if (s.ticks) return "--ticks";
  if (s.neurons) return "--neurons";
  if (s.tick_mode != "independent") return "--tick-mode";
  if (s.split_mnist) return "--split-mnist";
  return nullptr;
}

/// What the general train flags bring to this preset.
struct ChaosRun {
  std::filesystem::path data;
  std::size_t validation = 10000;
  std::optional<std::size_t> epochs;
  std::optional<double> learning_rate;  ///< OneCycle's peak
  std::uint64_t seed = 1;
  std::filesystem::path save, log, json;
};

/// The model the flags describe, for `classes` classes.
inline ChaosModelConfig chaos_config(const ChaosSettings& s, std::size_t inputs, std::size_t classes) {
  ChaosModelConfig config;
  config.inputs = inputs;
  config.classes = classes;
  config.hidden = {s.neurons.value_or(512)};
  config.ticks = s.ticks.value_or(5);
  config.mode = *util::parse_enum<TickMode>(s.tick_mode);
  config.params = chaos_experiment_params();
  if (s.fail_prob) config.params.fail_prob = *s.fail_prob;
  if (s.noise) config.params.noise_std = *s.noise;
  return config;
}

inline ChaosTrainOptions chaos_train_options(const ChaosRun& run) {
  ChaosTrainOptions options;
  options.epochs = run.epochs.value_or(chaos_default_epochs);
  if (run.learning_rate) options.max_learning_rate = *run.learning_rate;
  options.seed = run.seed;
  return options;
}

/// The lines that say what is about to be trained.
inline void print_chaos_setup(const ChaosModelConfig& config, const ChaosTrainOptions& options, std::uint64_t seed) {
  const ChaosModelLayout layout(config);
  std::printf("model: %zu inputs -> %u spiking chaos neurons (%u ticks, %s) -> %zu classes; %s weights "
              "(W_in %s, readout %s + %zu biases)\n",
              config.inputs, config.hidden[0], config.ticks, to_string(config.mode).data(), config.classes,
              with_commas(double(layout.total - config.classes)).c_str(),
              with_commas(double(layout.readout_weights)).c_str(),
              with_commas(double(layout.readout_biases - layout.readout_weights)).c_str(), config.classes);
  std::printf("neurons: threshold %g, noise %g, fail prob %g (training and evaluation, no rescaling), "
              "decay %g, refractory decay %g\n",
              config.params.threshold, config.params.noise_std, config.params.fail_prob, config.params.decay,
              config.params.refractory_decay);
  std::printf("training: AdamW (wd %g), OneCycle cosine to %g per step, clip %g, batch %d, %zu epochs, seed %llu\n",
              options.weight_decay, options.max_learning_rate, options.clip_norm, chaos_batch, options.epochs,
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
}

/// Progress of train_chaos_model on the terminal (a bar over the steps, a line per epoch) and
/// its epochs as CSV rows.
class ChaosTrainProgress {
 public:
  explicit ChaosTrainProgress(std::size_t epochs) : epochs_(epochs) { csv_ << "epoch,train_loss,val_acc,elapsed_s\n"; }

  void step(std::size_t step, std::size_t total) { bar_.update(step, total, last_); }
  void epoch(std::size_t epoch, const ChaosEpoch& e) {
    bar_.finish();
    std::printf("epoch %2zu/%zu  loss %.4f  val %.2f%%  %s\n", epoch + 1, epochs_, e.loss,
                100 * e.validation_accuracy, format_duration(elapsed()).c_str());
    std::fflush(stdout);
    char text[64];
    std::snprintf(text, sizeof text, "epoch %zu val %.2f%%", epoch + 1, 100 * e.validation_accuracy);
    last_ = text;
    csv_ << epoch + 1 << ',' << e.loss << ',' << e.validation_accuracy << ',' << elapsed() << '\n';
  }
  void finish() { bar_.finish(); }
  [[nodiscard]] double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  [[nodiscard]] std::string csv() const { return csv_.str(); }

 private:
  std::size_t epochs_;
  ProgressBar bar_{"  training", "steps"};
  std::ostringstream csv_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::string last_;
};

/// --split-mnist: digits 0-4, then 5-9, on one core; task 1 tested before and after task 2.
inline int run_chaos_split(const ChaosSettings& s, const ChaosRun& run, const MnistSplits& data) {
  if (!run.save.empty() || !run.log.empty()) {
    throw UsageError("--save and --log do not apply to --split-mnist (its summary goes to --json)");
  }
  constexpr int classes_per_task = 5;
  const auto tasks = split_by_classes(data.train, data.validation, data.test, classes_per_task);
  const ChaosModelConfig config = chaos_config(s, data.train.features(), classes_per_task);
  const ChaosTrainOptions options = chaos_train_options(run);
  print_chaos_setup(config, options, run.seed);
  std::printf("split MNIST: task 1 digits 0-4 (%zu training images), then task 2 digits 5-9 (%zu); one core, "
              "a readout per task\n",
              tasks[0].train.size(), tasks[1].train.size());
  std::optional<ChaosTrainProgress> progress;
  const SequentialTasksResult result = train_sequential_tasks<chaos_batch>(
      config, tasks, options, chaos_test_mask_seed,
      [&](std::size_t task) {
        std::printf("\ntask %zu: digits %d-%d\n", task + 1, int(task) * classes_per_task,
                    int(task + 1) * classes_per_task - 1);
        std::fflush(stdout);
        progress.emplace(options.epochs);
      },
      [&](std::size_t step, std::size_t total) { progress->step(step, total); },
      [&](std::size_t epoch, const ChaosEpoch& e) { progress->epoch(epoch, e); });
  progress->finish();
  const double before = result.test_accuracy[0][0], after = result.test_accuracy[1][0];
  const double task2 = result.test_accuracy[1][1];
  std::printf("\ntask 1 (digits 0-4) test accuracy: %.2f%% after task 1, %.2f%% after task 2 (forgetting %.2f "
              "points)\ntask 2 (digits 5-9) test accuracy: %.2f%%\n(each task through its own readout, fail prob "
              "%g at test time too, one set of masks)\n",
              100 * before, 100 * after, 100 * (before - after), 100 * task2, config.params.fail_prob);
  if (!run.json.empty()) {
    write_json_file(run.json, {{"command", "train"},
                               {"preset", chaos_preset_name},
                               {"split_mnist", true},
                               {"task1_test_acc_before", before},
                               {"task1_test_acc_after", after},
                               {"task2_test_acc", task2},
                               {"epochs_per_task", options.epochs},
                               {"neurons", config.hidden[0]},
                               {"ticks", config.ticks},
                               {"tick_mode", s.tick_mode},
                               {"fail_prob", config.params.fail_prob},
                               {"noise", config.params.noise_std},
                               {"seed", run.seed}});
  }
  return exit_ok;
}

inline int run_chaos_train(const ChaosSettings& s, const ChaosRun& run) {
  const MnistSplits data = load_mnist_splits(run.data, run.validation);
  if (s.split_mnist) return run_chaos_split(s, run, data);
  const ChaosModelConfig config = chaos_config(s, data.train.features(), static_cast<std::size_t>(data.train.classes()));
  const ChaosTrainOptions options = chaos_train_options(run);
  Rng rng(run.seed);
  ChaosModel<float> model = make_chaos_model<float>(config, rng);
  const ChaosModelLayout layout(config);
  print_chaos_setup(config, options, run.seed);

  ChaosTrainProgress progress(options.epochs);
  const ChaosTrainResult result = train_chaos_model<float, chaos_batch>(
      model, data.train, data.validation, options,
      [&](std::size_t step, std::size_t total) { progress.step(step, total); },
      [&](std::size_t epoch, const ChaosEpoch& e) { progress.epoch(epoch, e); });
  progress.finish();
  const double wall_s = progress.elapsed();
  // The test set is touched once, with the parameters of the best validation epoch.
  ChaosModelTape<float, chaos_batch> tape(model);
  const double test_accuracy = evaluate_chaos_accuracy(tape, data.test, chaos_test_mask_seed);
  const double validation_accuracy = result.epochs[result.best_epoch].validation_accuracy;
  std::printf("\nbest validation accuracy %.2f%% (epoch %zu, model kept)\n", 100 * validation_accuracy,
              result.best_epoch + 1);
  std::printf("test accuracy %.2f%% (fail prob %g at test time too, one set of masks)  |  %s weights  |  %s wall, "
              "1 thread, %s\n",
              100 * test_accuracy, config.params.fail_prob, with_commas(double(layout.total - config.classes)).c_str(),
              format_duration(wall_s).c_str(), cpu_model().c_str());
  nlohmann::json summary = {{"command", "train"},
                            {"preset", chaos_preset_name},
                            {"test_acc", test_accuracy},
                            {"val_acc", validation_accuracy},
                            {"best_epoch", result.best_epoch + 1},
                            {"epochs", options.epochs},
                            {"neurons", config.hidden[0]},
                            {"ticks", config.ticks},
                            {"tick_mode", s.tick_mode},
                            {"fail_prob", config.params.fail_prob},
                            {"noise", config.params.noise_std},
                            {"weights", layout.total - config.classes},
                            {"params", layout.total},
                            {"max_lr", options.max_learning_rate},
                            {"seed", run.seed},
                            {"wall_s", wall_s},
                            {"threads", 1},
                            {"cpu", cpu_model()}};
  if (!run.log.empty()) write_text_file(run.log, progress.csv());
  if (!run.json.empty()) write_json_file(run.json, summary);
  if (!run.save.empty()) {
    if (run.save.has_parent_path()) std::filesystem::create_directories(run.save.parent_path());
    save_chaos_model(run.save, model, summary);
    std::printf("model saved to %s\n", run.save.c_str());
  }
  return exit_ok;
}

}  // namespace chaosnet::cli
