#pragma once

// `chaosnet robustness MODEL...`: test accuracy of trained ChaosNet models against the failure
// probability at test time, mean ± sd over many random failure masks per point (seed 002's
// "death rate" claim, measured). One curve per model; the clean accuracy (p = 0) is always a point.

#include "chaos_train.hpp"
#include "cli_common.hpp"
#include "gnuplot.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace chaosnet::cli {

struct RobustnessSettings {
  std::vector<std::filesystem::path> models;
  std::vector<double> fail = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  std::size_t masks = 20;
  std::filesystem::path data = "data/mnist";
  std::size_t validation = 10000;
  std::string split = "test";
  std::filesystem::path csv, json, plot;
};

inline void add_robustness_command(CLI::App& app, RobustnessSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "robustness", "Accuracy of spiking chaos models (train --preset chaosnet-mnist --save) against the "
                    "failure probability at test time, mean and sd over random masks");
  cmd->add_option("models", s.models, "Model files written by `chaosnet train --preset chaosnet-mnist --save`")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--fail", s.fail, "Test-time failure probabilities, comma-separated (0 is always added)")
      ->delimiter(',')->check(number_in(0.0, 1.0))->capture_default_str();
  cmd->add_option("--masks", s.masks, "Random failure masks per point (each a full pass over the split)")
      ->check(number_in<std::size_t>(1, 10000))->capture_default_str();
  cmd->add_option("--data", s.data, "Directory with the four MNIST IDX files")->capture_default_str();
  cmd->add_option("--validation", s.validation, "Training images held out for validation")
      ->check(at_least<std::size_t>(1))->capture_default_str();
  cmd->add_option("--split", s.split, "Evaluate on test (the report) or validation (for choosing)")
      ->check(CLI::IsMember({"test", "validation"}))->capture_default_str();
  cmd->add_option("--csv", s.csv, "Write model,train_fail_prob,test_fail_prob,mean,sd,min,max,masks rows here");
  cmd->add_option("--json", s.json, "Write the curves here");
  cmd->add_option("--plot", s.plot, "Draw the curves into this PNG (needs gnuplot)");
}

struct RobustnessPoint {
  double fail_prob = 0, mean = 0, sd = 0, min = 0, max = 0;
};

struct RobustnessCurve {
  std::string name;
  double train_fail_prob = 0;
  std::vector<RobustnessPoint> points;
};

inline std::string robustness_plot_script(const std::vector<RobustnessCurve>& curves, std::size_t masks,
                                          const std::string& split, const std::filesystem::path& png) {
  std::ostringstream gp;
  // noenhanced: file names keep their underscores instead of turning them into subscripts.
  gp << "set terminal pngcairo noenhanced size 900,600 font ',11'\nset output " << gnuplot_quoted(png) << "\n";
  for (std::size_t c = 0; c < curves.size(); ++c) {
    gp << "$curve" << c << " << EOD\n";
    for (const RobustnessPoint& p : curves[c].points) gp << p.fail_prob << ' ' << 100 * p.mean << ' ' << 100 * p.sd << '\n';
    gp << "EOD\n";
  }
  gp << "set title 'ChaosNet: " << split << " accuracy against failure at test time (mean +- sd over " << masks
     << " masks)'\nset xlabel 'test-time failure probability'\nset ylabel '" << split
     << " accuracy (%)'\nset grid\nset key bottom left\nset xrange [-0.02:1.02]\nplot ";
  for (std::size_t c = 0; c < curves.size(); ++c) {
    char title[96];
    std::snprintf(title, sizeof title, "trained at p = %g (%s)", curves[c].train_fail_prob, curves[c].name.c_str());
    gp << (c ? ", " : "") << "$curve" << c << " with yerrorlines lw 2 title " << gnuplot_quoted(title);
  }
  gp << "\n";
  return gp.str();
}

inline int robustness_command(RobustnessSettings s) {
  std::vector<std::filesystem::path> inputs = mnist_files(s.data);
  inputs.insert(inputs.end(), s.models.begin(), s.models.end());
  check_output("--csv", s.csv, OutputKind::file, inputs);
  check_output("--json", s.json, OutputKind::file, inputs);
  check_output("--plot", s.plot, OutputKind::file, inputs);
  s.fail.push_back(0);
  std::sort(s.fail.begin(), s.fail.end());
  s.fail.erase(std::unique(s.fail.begin(), s.fail.end()), s.fail.end());
  std::vector<ChaosModel<float>> models;
  for (const auto& path : s.models) models.push_back(load_chaos_model(path));
  const MnistSplits data = load_mnist_splits(s.data, s.validation);
  const Dataset& split = s.split == "test" ? data.test : data.validation;

  std::printf("%zu model(s), %zu failure probabilities, %zu masks each, on the %s split (%s images)\n",
              models.size(), s.fail.size(), s.masks, s.split.c_str(), with_commas(double(split.size())).c_str());
  ProgressBar bar("  evaluating", "passes");
  const std::size_t total = models.size() * s.fail.size() * s.masks;
  std::size_t done = 0;
  std::vector<RobustnessCurve> curves;
  for (std::size_t m = 0; m < models.size(); ++m) {
    RobustnessCurve curve{s.models[m].filename().string(), models[m].config.params.fail_prob, {}};
    ChaosModelTape<float, chaos_batch> tape(models[m]);
    for (const double p : s.fail) {
      ChaosNeuronParams params = models[m].config.params;
      params.fail_prob = p;
      tape.set_params(params);
      std::vector<double> accuracies;
      for (std::size_t mask = 0; mask < s.masks; ++mask) {
        // Mask seeds apart from training's and from train's own test pass.
        accuracies.push_back(evaluate_chaos_accuracy(tape, split, util::counter_hash(0x40b057, mask)));
        bar.update(++done, total, curve.name + " p " + std::to_string(p).substr(0, 4));
      }
      RobustnessPoint point{p, 0, 0, *std::min_element(accuracies.begin(), accuracies.end()),
                            *std::max_element(accuracies.begin(), accuracies.end())};
      for (const double a : accuracies) point.mean += a / static_cast<double>(accuracies.size());
      for (const double a : accuracies) point.sd += (a - point.mean) * (a - point.mean);
      point.sd = accuracies.size() > 1 ? std::sqrt(point.sd / static_cast<double>(accuracies.size() - 1)) : 0;
      curve.points.push_back(point);
    }
    curves.push_back(std::move(curve));
  }
  bar.finish();

  std::printf("\n%-28s %8s", "model (trained at p)", "");
  for (const double p : s.fail) std::printf(" %13s", ("p=" + std::to_string(p).substr(0, 5)).c_str());
  std::printf("\n");
  std::ostringstream csv;
  csv << "model,train_fail_prob,test_fail_prob,mean,sd,min,max,masks\n";
  nlohmann::json curves_json = nlohmann::json::array();
  for (const RobustnessCurve& c : curves) {
    std::printf("%-28s %8s", (c.name + " (" + std::to_string(c.train_fail_prob).substr(0, 4) + ")").c_str(), "");
    nlohmann::json points = nlohmann::json::array();
    for (const RobustnessPoint& p : c.points) {
      std::printf("  %5.2f ± %4.2f", 100 * p.mean, 100 * p.sd);
      csv << c.name << ',' << c.train_fail_prob << ',' << p.fail_prob << ',' << p.mean << ',' << p.sd << ','
          << p.min << ',' << p.max << ',' << s.masks << '\n';
      points.push_back({{"test_fail_prob", p.fail_prob}, {"mean", p.mean}, {"sd", p.sd}, {"min", p.min}, {"max", p.max}});
    }
    std::printf("\n");
    curves_json.push_back({{"model", c.name}, {"train_fail_prob", c.train_fail_prob}, {"points", points}});
  }
  std::printf("(%s accuracy in %%, mean ± sd over %zu masks; the p=0 column is the clean accuracy)\n",
              s.split.c_str(), s.masks);
  if (!s.csv.empty()) write_text_file(s.csv, csv.str());
  if (!s.json.empty()) {
    write_json_file(s.json, {{"command", "robustness"}, {"split", s.split}, {"masks", s.masks}, {"curves", curves_json}});
  }
  if (!s.plot.empty() && run_gnuplot(robustness_plot_script(curves, s.masks, s.split, s.plot), s.plot, "the table above")) {
    std::printf("plot written to %s\n", s.plot.c_str());
  }
  return exit_ok;
}

}  // namespace chaosnet::cli
