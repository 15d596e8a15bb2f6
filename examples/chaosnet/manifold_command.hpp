#pragma once

// `chaosnet manifold`: seed 003's Dynamic Neural Manifold, which learns which connections exist.
// --toy runs the seed's 5-in/4-out regression with fresh data every step; otherwise MNIST with
// the seed's settings (1000 neurons, batch 50, Adam 0.002, 50,000 steps), validation accuracy as
// it goes and the test accuracy once, on the full test set (the seed reported one batch of 50).

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/manifold/manifold.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace chaosnet::cli {

struct ManifoldSettings {
  bool toy = false;
  std::filesystem::path data = "data/mnist";
  std::size_t validation = 10000;
  std::optional<std::size_t> neurons, steps;
  std::optional<double> learning_rate, sparsity, flow;
  double l1 = 0;
  int batch = 50;
  bool squared = false;
  std::size_t eval_every = 1000;
  std::uint64_t seed = 1;
  std::filesystem::path json;
};

inline void add_manifold_command(CLI::App& app, ManifoldSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "manifold", "Seed 003's Dynamic Neural Manifold: learn the connections (a closeness per cell from 7 "
                  "parameters per neuron, thresholded by a trained cutoff) on MNIST or the seed's toy task");
  cmd->add_flag("--toy", s.toy, "The seed's toy task: 25 neurons (5 in, 16 comps, 4 out), fresh N(0,1) data every step, MSE");
  cmd->add_option("--data", s.data, "Directory with the four MNIST IDX files")->capture_default_str();
  cmd->add_option("--validation", s.validation, "Training images held out for validation")
      ->check(at_least<std::size_t>(1))->capture_default_str();
  cmd->add_option("--neurons", s.neurons, "All neurons, inputs and outputs included (default: MNIST 1000, toy 25)")
      ->check(number_in<std::size_t>(2, 100000));
  cmd->add_option("--steps", s.steps, "Adam steps (default: MNIST 50000, toy 5000)")->check(number_in<std::size_t>(1, 100000000));
  cmd->add_option("--batch", s.batch, "Samples per step")->check(number_in(1, 100000))->capture_default_str();
  cmd->add_option("--lr", s.learning_rate, "Adam's learning rate (default: MNIST 0.002, toy 0.001)")
      ->check(above(0.0, max_learning_rate));
  cmd->add_option("--l1", s.l1,
                  "Coefficient of the differentiable size term sum|d|/cells: the knob that trades accuracy for "
                  "connections (the seed's own sparsity term has no gradient)")
      ->check(number_in(0.0, 1e9))->capture_default_str();
  cmd->add_option("--sparsity", s.sparsity, "Coefficient of the seed's pct^2 term, reported only (default 0.1)")
      ->check(number_in(0.0, 1e9));
  cmd->add_option("--flow", s.flow, "Coefficient of the flow loss (A - B)^2 (default: MNIST 1e-4, toy 1)")
      ->check(number_in(0.0, 1e9));
  cmd->add_flag("--squared", s.squared, "Square the outputs before the objective, as the seed does (a bug: it "
                                        "makes every prediction non-negative)");
  cmd->add_option("--eval-every", s.eval_every, "Steps between validation measurements")
      ->check(number_in<std::size_t>(1, 100000000))->capture_default_str();
  cmd->add_option("--seed", s.seed, "Random seed: parameters and batches")->capture_default_str();
  cmd->add_option("--json", s.json, "Write the summary here");
}

inline int manifold_command(const ManifoldSettings& s) {
  check_output("--json", s.json, OutputKind::file, s.toy ? std::vector<std::filesystem::path>{} : mnist_files(s.data));
  std::optional<MnistSplits> data;
  if (!s.toy) {
    std::printf("loading %s ...\n", s.data.c_str());
    data = load_mnist_splits(s.data, s.validation);
  }
  const std::size_t inputs = s.toy ? 5 : data->train.features();
  const std::size_t outputs = s.toy ? 4 : static_cast<std::size_t>(data->train.classes());
  const std::size_t neurons = s.neurons.value_or(s.toy ? 25 : 1000);
  if (neurons <= inputs + outputs) {
    throw UsageError("--neurons " + std::to_string(neurons) + " leaves no computational neuron beside " +
                     std::to_string(inputs) + " inputs and " + std::to_string(outputs) + " outputs");
  }
  const ManifoldLayout layout{.inputs = inputs, .comps = neurons - inputs - outputs, .outputs = outputs,
                              .period = s.toy ? 5.0 : static_cast<double>(data->train.cols())};
  ManifoldModel model(layout, {.squared_outputs = s.squared});
  Rng rng(s.seed);
  model.initialise(s.toy ? ManifoldInit::toy() : ManifoldInit{}, rng);
  ManifoldTrainOptions options;
  options.steps = s.steps.value_or(s.toy ? 5000 : 50000);
  options.learning_rate = s.learning_rate.value_or(s.toy ? 0.001 : 0.002);
  options.loss = s.toy ? toy_manifold_loss() : ManifoldLossOptions{};
  if (s.flow) options.loss.flow_coefficient = *s.flow;
  if (s.sparsity) options.loss.sparsity_coefficient = *s.sparsity;
  options.loss.l1_coefficient = s.l1;
  std::printf("manifold: %zu inputs, %zu computational neurons, %zu outputs; %s usable cells; %s parameters\n",
              layout.inputs, layout.comps, layout.outputs, with_commas(double(layout.usable_cells())).c_str(),
              with_commas(double(model.values().size())).c_str());
  std::printf("training: Adam %g, batch %d, %zu steps; loss %g x %s + %g x flow + %g x pct^2 (no gradient) + %g x "
              "sum|d|/cells; outputs %s; seed %llu\n",
              options.learning_rate, s.batch, options.steps, options.loss.objective_coefficient,
              s.toy ? "MSE" : "cross-entropy", options.loss.flow_coefficient, options.loss.sparsity_coefficient,
              options.loss.l1_coefficient, s.squared ? "squared (the seed's bug)" : "linear",
              static_cast<unsigned long long>(s.seed));
  std::fflush(stdout);

  Rng data_rng = util::derive_rng(s.seed, 0xda7a);
  std::optional<BatchSampler> sampler;
  if (!s.toy) sampler.emplace(data->train.size(), static_cast<std::size_t>(s.batch));
  auto next_batch = [&](std::size_t) {
    return s.toy ? toy_manifold_batch(data_rng, s.batch) : dataset_manifold_batch(data->train, sampler->next(data_rng));
  };
  ProgressBar bar("  training", "steps");
  std::string last = "";
  double loss_sum = 0;
  std::size_t loss_count = 0;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const bool finite = train_manifold(model, options, next_batch, [&](const ManifoldStep& step) {
    loss_sum += step.loss.objective;
    ++loss_count;
    if (step.step % s.eval_every == 0 || step.step == options.steps) {
      char line[200];
      if (s.toy) {
        std::snprintf(line, sizeof line, "step %zu  mse %.4f  connections %s  %s", step.step, loss_sum / double(loss_count),
                      with_commas(double(step.loss.nonzero)).c_str(), format_duration(elapsed()).c_str());
      } else {
        std::snprintf(line, sizeof line, "step %zu  loss %.4f  val %.2f%%  connections %s  %s", step.step,
                      loss_sum / double(loss_count), 100 * evaluate_manifold_accuracy(model, data->validation),
                      with_commas(double(step.loss.nonzero)).c_str(), format_duration(elapsed()).c_str());
      }
      bar.finish();
      std::printf("%s\n", line);
      std::fflush(stdout);
      last = line;
      loss_sum = 0;
      loss_count = 0;
    }
    bar.update(step.step, options.steps, last);
  });
  bar.finish();
  if (!finite) std::fprintf(stderr, "warning: the loss or a gradient became non-finite; stopped (try a smaller --lr)\n");

  ManifoldPass pass;
  Eigen::MatrixXd raw, weight;
  model.closeness_matrices(raw, weight);
  const auto connections = static_cast<std::size_t>((weight.array() != 0).count());
  nlohmann::json summary = {{"command", "manifold"}, {"toy", s.toy}, {"neurons", neurons}, {"steps", options.steps},
                            {"connections", connections}, {"usable_cells", layout.usable_cells()},
                            {"squared", s.squared}, {"l1", s.l1}, {"seed", s.seed}, {"wall_s", elapsed()},
                            {"diverged", !finite}};
  if (s.toy) {
    // 10,000 fresh samples from a stream of their own (the seed measured 50).
    Rng test_rng = util::derive_rng(s.seed, 0x7e57);
    const ManifoldBatch test = toy_manifold_batch(test_rng, 10000);
    const double mse = manifold_loss(model, test.x, test.targets(), options.loss, pass).objective;
    std::printf("\ntest MSE %.4f on 10,000 fresh samples  |  %zu of %zu connections  |  %s\n", mse, connections,
                layout.usable_cells(), format_duration(elapsed()).c_str());
    summary["test_mse"] = mse;
  } else {
    const double validation = evaluate_manifold_accuracy(model, data->validation);
    const double test = evaluate_manifold_accuracy(model, data->test);  // once, at the end
    std::printf("\nvalidation accuracy %.2f%%\ntest accuracy %.2f%% on all %s test images  |  %s of %s connections  |  %s\n",
                100 * validation, 100 * test, with_commas(double(data->test.size())).c_str(),
                with_commas(double(connections)).c_str(), with_commas(double(layout.usable_cells())).c_str(),
                format_duration(elapsed()).c_str());
    summary["val_acc"] = validation;
    summary["test_acc"] = test;
  }
  if (!s.json.empty()) write_json_file(s.json, summary);
  return finite ? exit_ok : exit_runtime_error;
}

}  // namespace chaosnet::cli
