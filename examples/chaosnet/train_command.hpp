#pragma once

// `chaosnet train`: train one network from a preset, a saved model (--init) or to an edge budget
// (--edges, train_budget.hpp) on MNIST or any IDX dataset; report the validation accuracy per
// epoch and the test accuracy once at the end.

#include "chaos_train.hpp"
#include "cli_common.hpp"
#include "graph_failure.hpp"
#include "train_budget.hpp"

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
  std::optional<int> augment;
  std::optional<std::string> lr_schedule;
  std::optional<double> warmup;
  double weight_decay = 0.0;
  std::filesystem::path init;
  bool reinit = false;
  std::filesystem::path teacher;
  Distillation distillation;
  BudgetSettings budget;
  std::uint64_t seed = 1;
  std::size_t validation = 10000;
  std::filesystem::path save, log, json;
  ChaosSettings chaos;
};

inline void add_train_command(CLI::App& app, TrainSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "train", "Train one network from a preset; report validation accuracy per epoch and the "
               "test accuracy once at the end");
  cmd->add_option("--data", s.data, "Directory with the four MNIST IDX files (data/fetch_mnist.sh)")
      ->capture_default_str();
  std::vector<std::string> presets = preset_names();
  presets.emplace_back(chaos_preset_name);
  cmd->add_option("--preset", s.preset,
                  "Starting network and training setup: v01 (seed 000), v02 (seed 001) or chaosnet-mnist "
                  "(seed 002: 512 spiking chaos neurons on raw pixels, AdamW + OneCycle, batch 128)")
      ->check(CLI::IsMember(presets))
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
                  "and epoch (0: no augmentation; default: " + std::to_string(BudgetDefaults::augment) +
                      " with --edges, else 0)")
      ->check(number_in(0, 4));
  cmd->add_option("--lr-schedule", s.lr_schedule,
                  util::enum_names_text<LearningRateDecay>() +
                      ": the learning rate over training (default: cosine with --edges, else constant)")
      ->check(CLI::IsMember(util::enum_name_list<LearningRateDecay>()));
  cmd->add_option("--warmup", s.warmup,
                  "Fraction of training over which the learning rate rises linearly from 0 "
                  "(default: 0.02 with --edges, else 0)")
      ->check(number_in(0.0, 0.5));
  cmd->add_option("--weight-decay", s.weight_decay, "Decoupled weight decay per step (AdamW's lambda)")
      ->check(number_in(0.0, 0.1))
      ->capture_default_str();
  cmd->add_option("--init", s.init,
                  "Continue from this saved model (its edges and weights) instead of building a "
                  "network from the preset; with --edges it is pruned and rewired to the budget")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--reinit", s.reinit,
                "With --init: keep the model's edges but draw every weight afresh (fan-in uniform, biases 0, "
                "from --seed), to train an evolved topology from scratch");
  cmd->add_option("--teacher", s.teacher,
                  "Distill from this saved model (e.g. a large network from chaosnet train): train on "
                  "alpha*T^2*KL(teacher || student at T) + (1-alpha)*NLL; its probabilities are computed "
                  "once per training image")
      ->check(CLI::ExistingFile);
  cmd->add_option("--alpha", s.distillation.alpha, "Weight of the teacher's term in the distillation loss")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--temperature", s.distillation.temperature, "Distillation temperature T")
      ->check(number_in(0.05, 100.0))
      ->capture_default_str();
  add_budget_options(*cmd, s.budget);
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
  add_chaos_options(*cmd, s.chaos);
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

/// What train_command() settled before dispatching on the batch size.
struct TrainPlan {
  std::string setup;  ///< the preset's name, or "budget" / "init" (the model file's "preset")
  Topology<float> start;
  OptimizerOptions optimizer;
  TrainOptions options;
  std::optional<BudgetOptions> budget;
  std::optional<NodeFailure> failure;  ///< --fail-prob / --noise on the hidden nodes
  /// The generator training draws from: for a preset, from where building the start left it
  /// (so a seed gives the batches it always gave); for --edges, afresh from the seed.
  Rng rng;
};

template <int N>
int run_train(const TrainSettings& s, TrainPlan plan, const MnistSplits& data) {
  Rng& rng = plan.rng;
  Network<float, N> net(std::move(plan.start));
  net.set_node_failure(plan.failure);
  Optimizer<float> optimizer(plan.optimizer);
  const OptimizerOptions& optimizer_options = plan.optimizer;
  const TrainOptions& options = plan.options;
  const std::size_t epochs = options.epochs;
  const std::size_t start_edges = net.edge_count();

  std::printf("network: %s inputs, %s hidden, %zu outputs; %s edges, %s parameters\n",
              with_commas(double(net.input_count())).c_str(), with_commas(double(net.normal_count())).c_str(),
              net.output_count(), with_commas(double(net.edge_count())).c_str(),
              with_commas(double(net.parameter_count())).c_str());
  std::printf("training: %s, lr %g (%s%s), batch %d, %zu epochs of %s samples%s, seed %llu\n",
              std::string(to_string(optimizer_options.kind)).c_str(), optimizer_options.learning_rate,
              std::string(to_string(options.learning_rate.decay)).c_str(),
              options.learning_rate.warmup > 0
                  ? (", warm-up " + std::to_string(int(100 * options.learning_rate.warmup + 0.5)) + "%").c_str()
                  : "",
              N, epochs,
              with_commas(double(options.samples_per_epoch ? std::min(options.samples_per_epoch, data.train.size())
                                                           : data.train.size())).c_str(),
              options.max_shift > 0 ? (" shifted by up to " + std::to_string(options.max_shift) + " px").c_str() : "",
              static_cast<unsigned long long>(s.seed));
  if (plan.budget) {
    const BudgetOptions& b = *plan.budget;
    const std::string from = s.init.empty() ? "hidden layers " + layers_text(budget_layers(s.budget)) : s.init.string();
    std::printf("budget: %s edges (start: %s) by %d%% of training, rewiring %g%% every %zu steps (%s "
                "regrowth) until %d%%\n",
                with_commas(double(b.budget)).c_str(), from.c_str(),
                int(100 * b.prune_until + 0.5), 100 * b.rewire_fraction,
                b.rewire_every, std::string(to_string(b.regrowth)).c_str(), int(100 * b.rewire_until + 0.5));
  }
  if (plan.failure) std::printf("failure: %s\n", failure_text(*plan.failure).c_str());
  std::fflush(stdout);

  std::ostringstream csv;
  csv << "epoch,train_loss,val_acc,edges,params,elapsed_s,samples_per_s\n";
  // One bar over the whole run (its ETA is the run's), showing the last epoch's edges and
  // validation accuracy; a line per epoch, or per twentieth of the run when there are many
  // (--log keeps every epoch).
  ProgressBar bar("  training", "samples");
  const std::size_t print_every = epochs <= 25 ? 1 : epochs / 20;
  std::size_t finished = 0;
  std::string last_epoch;
  auto on_epoch = [&](const EpochStats& e) {
    finished = e.epoch;
    char validation[16];
    std::snprintf(validation, sizeof validation, "%.2f%%", 100 * e.validation_accuracy);
    last_epoch = "epoch " + std::to_string(e.epoch) + "/" + std::to_string(epochs) + "  edges " +
                 with_commas(double(e.edges)) + "  val " + validation;
    if (e.epoch == 1 || e.epoch % print_every == 0 || e.epoch == epochs) {
      bar.finish();
      std::printf("epoch %2zu/%zu  loss %.4f  val %.2f%%  edges %s  params %s  %s  (%s samples/s)\n", e.epoch,
                  epochs, e.train_loss, 100 * e.validation_accuracy, with_commas(double(e.edges)).c_str(),
                  with_commas(double(e.parameters)).c_str(), format_duration(e.elapsed_s).c_str(),
                  with_commas(e.samples_per_s).c_str());
      std::fflush(stdout);
    }
    csv << e.epoch << ',' << e.train_loss << ',' << e.validation_accuracy << ',' << e.edges << ','
        << e.parameters << ',' << e.elapsed_s << ',' << e.samples_per_s << '\n';
  };
  auto on_batch = [&](std::size_t done, std::size_t per_epoch) {
    bar.update(finished * per_epoch + done, epochs * per_epoch, last_epoch);
  };
  std::optional<BudgetSchedule<float>> schedule;
  if (plan.budget) schedule.emplace(*plan.budget, budget_schedule_seed(s.seed));
  const TrainResult result =
      schedule ? train(net, optimizer, data.train, data.validation, options, rng, on_batch, on_epoch, *schedule)
               : train(net, optimizer, data.train, data.validation, options, rng, on_batch, on_epoch);
  bar.finish();
  if (result.diverged) std::fprintf(stderr, "warning: %s\n", in_flag_terms(result.message).c_str());
  if (plan.budget && result.best_epoch == 0) {
    std::fprintf(stderr, "warning: no epoch ended within the budget of %zu edges (the last had %zu); "
                         "lower --prune-until or train longer\n", plan.budget->budget, net.edge_count());
  }

  // The test set is touched exactly once, after training and model selection; under failure in
  // evaluation that pass fails nodes too (one set of masks: `chaosnet robustness` averages many),
  // and the same network is also measured clean.
  const double test_accuracy = evaluate_accuracy(net, data.test);
  std::optional<double> clean_test_accuracy;
  if (plan.failure && plan.failure->in_evaluation()) {
    net.set_node_failure(std::nullopt);
    clean_test_accuracy = evaluate_accuracy(net, data.test);
  }
  const double samples_per_s = result.epochs.empty() ? 0 : result.epochs.back().samples_per_s;
  std::printf("\nbest validation accuracy %.2f%% (epoch %zu, network kept)\n",
              100 * result.best_validation_accuracy, result.best_epoch);
  if (clean_test_accuracy) {
    std::printf("clean test accuracy %.2f%% (no failure or noise); the line below is with them, one mask set\n",
                100 * *clean_test_accuracy);
  }
  std::printf("test accuracy %.2f%%  |  %s edges, %s parameters  |  %s wall, %s samples/s, 1 thread, %s\n",
              100 * test_accuracy, with_commas(double(net.edge_count())).c_str(),
              with_commas(double(net.parameter_count())).c_str(), format_duration(result.wall_s).c_str(),
              with_commas(samples_per_s).c_str(), cpu_model().c_str());

  nlohmann::json summary = {
      {"command", "train"},
      {"preset", plan.setup},
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
      {"lr_schedule", to_string(options.learning_rate.decay)},
      {"warmup", options.learning_rate.warmup},
      {"weight_decay", optimizer_options.weight_decay},
      {"augment", options.max_shift},
      {"seed", s.seed},
      {"threads", 1},
      {"cpu", cpu_model()},
      {"diverged", result.diverged},
  };
  add_failure_fields(summary, plan.failure);
  if (clean_test_accuracy) summary["test_acc_clean"] = *clean_test_accuracy;
  if (!s.init.empty()) summary["init"] = s.init.string();
  if (s.reinit) summary["reinit"] = true;
  if (options.teacher != nullptr) {
    summary["teacher"] = s.teacher.string();
    summary["alpha"] = options.distillation.alpha;
    summary["temperature"] = options.distillation.temperature;
  }
  if (plan.budget) {
    const BudgetOptions& b = *plan.budget;
    summary["budget"] = b.budget;
    summary["start_edges"] = start_edges;
    if (s.init.empty()) summary["layers"] = budget_layers(s.budget);
    summary["regrowth"] = to_string(b.regrowth);
    summary["rewire_every"] = b.rewire_every;
    summary["rewire_fraction"] = b.rewire_fraction;
    summary["prune_until"] = b.prune_until;
    summary["rewire_until"] = b.rewire_until;
    summary["rewirings"] = schedule->counts().rewirings;
    summary["rewired_edges"] = schedule->counts().rewired;
  }
  if (!s.log.empty()) write_text_file(s.log, csv.str());
  if (!s.json.empty()) write_json_file(s.json, summary);
  if (!s.save.empty()) {
    save_model(s.save, static_cast<const Topology<float>&>(net), ModelInfo{plan.setup, summary});
    std::printf("model saved to %s\n", s.save.c_str());
  }
  return result.diverged ? exit_runtime_error : exit_ok;
}

/// The spiking preset: its own model and training setup; the flags of graph networks do not apply.
inline int chaos_train_command(const TrainSettings& s) {
  const std::pair<bool, const char*> graph_only[] = {
      {s.hidden.has_value(), "--hidden (use --neurons)"}, {s.batch && *s.batch != chaos_batch, "--batch (it is 128)"},
      {s.optimizer.has_value(), "--optimizer (it is AdamW)"}, {s.lr_schedule.has_value(), "--lr-schedule (it is OneCycle)"},
      {s.warmup.has_value(), "--warmup"}, {s.augment.has_value(), "--augment"}, {!s.init.empty(), "--init"},
      {!s.teacher.empty(), "--teacher"}, {s.budget.edges.has_value(), "--edges"}, {s.momentum != 0, "--momentum"},
      {s.weight_decay != 0, "--weight-decay (it is 1e-4)"},
      {s.chaos.rescale, "--rescale (the seed does not rescale)"},
      {s.chaos.fail_in.has_value(), "--fail-in (the seed fails in training and evaluation)"}};
  for (const auto& [given, flag] : graph_only) {
    if (given) throw UsageError(std::string(flag) + " does not apply to --preset chaosnet-mnist");
  }
  const std::vector<std::filesystem::path> inputs = mnist_files(s.data);
  check_output("--save", s.save, OutputKind::file, inputs);
  check_output("--log", s.log, OutputKind::file, inputs);
  check_output("--json", s.json, OutputKind::file, inputs);
  return run_chaos_train(s.chaos, {.data = s.data, .validation = s.validation, .epochs = s.epochs,
                                   .learning_rate = s.learning_rate, .seed = s.seed, .save = s.save,
                                   .log = s.log, .json = s.json});
}

inline int train_command(const TrainSettings& s) {
  if (s.preset == chaos_preset_name) return chaos_train_command(s);
  const Preset& preset = find_preset(s.preset);
  const bool to_budget = s.budget.edges.has_value();
  TrainPlan plan{.setup = std::string(preset.name), .start = Topology<float>(1, 1), .optimizer = {},
                 .options = {}, .budget = std::nullopt, .failure = graph_failure(s.chaos, s.seed),
                 .rng = Rng(s.seed)};
  OptimizerOptions& optimizer = plan.optimizer;
  optimizer.kind = preset.optimizer;
  if (to_budget) optimizer.kind = OptimizerKind::adam;
  if (s.optimizer) optimizer.kind = *util::parse_enum<OptimizerKind>(*s.optimizer);
  const double default_lr = to_budget && optimizer.kind == OptimizerKind::adam ? BudgetDefaults::adam_learning_rate
                                                                               : preset.learning_rate(optimizer.kind);
  optimizer.learning_rate = s.learning_rate.value_or(default_lr);
  optimizer.momentum = s.momentum;
  optimizer.epsilon = to_budget ? 1e-8 : preset.adam_epsilon;
  optimizer.weight_decay = s.weight_decay;
  const int batch = s.batch.value_or(preset.batch);
  std::vector<std::filesystem::path> inputs = mnist_files(s.data);
  if (!s.init.empty()) inputs.push_back(s.init);
  if (!s.teacher.empty()) inputs.push_back(s.teacher);
  check_output("--save", s.save, OutputKind::file, inputs);
  check_output("--log", s.log, OutputKind::file, inputs);
  check_output("--json", s.json, OutputKind::file, inputs);
  if (to_budget && s.hidden) throw UsageError("--hidden builds a preset network; with --edges use --layers");
  if (!s.init.empty() && s.hidden) throw UsageError("--hidden builds a new network; --init continues a saved one");
  if (s.reinit && s.init.empty()) throw UsageError("--reinit redraws the weights of an --init model; give --init too");

  std::printf("loading %s ...\n", s.data.c_str());
  std::fflush(stdout);
  const MnistSplits data = load_mnist_splits(s.data, s.validation);
  std::printf("data: %s train, %s validation, %s test images of %zux%zu, %d classes\n",
              with_commas(double(data.train.size())).c_str(), with_commas(double(data.validation.size())).c_str(),
              with_commas(double(data.test.size())).c_str(), data.train.rows(), data.train.cols(),
              data.train.classes());
  const std::size_t inputs_count = data.train.features();
  const auto classes = static_cast<std::size_t>(data.train.classes());
  Rng& rng = plan.rng;
  if (!s.init.empty()) {
    LoadedModel<float> model = load_model<float>(s.init);
    plan.start = std::move(model.topology);
    plan.setup = "init";
    check_fits(plan.start, data.train, "--init model's");
    if (s.reinit) redraw_parameters(plan.start, WeightInit::fan_in(), rng);
  } else if (to_budget) {
    plan.start = layered_start<float>(inputs_count, classes, budget_start(s.budget, inputs_count, classes), rng);
    plan.setup = "budget";
    rng = Rng(s.seed);  // batches from a fresh stream: their order does not depend on the start's size
  } else {
    plan.start = build_topology<float>(preset, inputs_count, classes, s.hidden.value_or(preset.hidden), rng);
  }
  TrainOptions& options = plan.options;
  options.epochs = s.epochs.value_or(to_budget ? BudgetDefaults::epochs : preset.epochs);
  options.samples_per_epoch = preset.samples_per_epoch;
  options.shuffle = preset.shuffle;
  options.max_shift = s.augment.value_or(to_budget ? BudgetDefaults::augment : 0);
  options.shift_seed = s.seed;
  options.learning_rate.decay = s.lr_schedule ? *util::parse_enum<LearningRateDecay>(*s.lr_schedule)
                                              : (to_budget ? LearningRateDecay::cosine : LearningRateDecay::constant);
  options.learning_rate.warmup = s.warmup.value_or(to_budget ? BudgetDefaults::warmup : 0.0);
  if (to_budget) plan.budget = budget_options(s.budget);
  std::optional<TeacherProbabilities> teacher;
  if (!s.teacher.empty()) {
    Network<float, 64> teacher_net(load_model<float>(s.teacher).topology);
    teacher.emplace(teacher_net, data.train, s.distillation.temperature);
    std::printf("teacher: %s, %s edges, validation accuracy %.2f%%; distilling with alpha %g, T %g\n",
                s.teacher.c_str(), with_commas(double(teacher_net.edge_count())).c_str(),
                100 * evaluate_accuracy(teacher_net, data.validation), s.distillation.alpha,
                s.distillation.temperature);
    options.teacher = &*teacher;
    options.distillation = s.distillation;
  }
  return with_batch_size(batch, [&]<int N>() { return run_train<N>(s, std::move(plan), data); });
}

}  // namespace chaosnet::cli
