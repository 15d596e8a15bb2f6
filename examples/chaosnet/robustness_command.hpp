#pragma once

// `chaosnet robustness MODEL...`: test accuracy of trained models against the failure
// probability at test time, mean ± sd over many random failure masks per point (seed 002's
// "death rate" claim, measured). A model is a spiking ChaosNet (train --preset chaosnet-mnist)
// or a graph network (train, evolve), whose hidden nodes fail; one curve per model, and the
// clean accuracy (p = 0) is always a point.

#include "chaos_train.hpp"
#include "cli_common.hpp"
#include "gnuplot.hpp"
#include "graph_failure.hpp"

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
      "robustness", "Accuracy of trained models against the failure probability at test time, mean and sd "
                    "over random masks: spiking neurons (train --preset chaosnet-mnist) or a graph network's "
                    "hidden nodes (train, evolve)");
  cmd->add_option("models", s.models,
                  "Model files written by `chaosnet train --save` (any preset) or `chaosnet evolve`; a graph "
                  "network trained with --rescale is evaluated rescaled")
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
  bool rescale = false;
  std::vector<RobustnessPoint> points;
};

/// Mean, sd (n − 1), min and max of one point's accuracies.
inline RobustnessPoint summarise_point(double fail_prob, const std::vector<double>& accuracies) {
  RobustnessPoint point{fail_prob, 0, 0, *std::min_element(accuracies.begin(), accuracies.end()),
                        *std::max_element(accuracies.begin(), accuracies.end())};
  for (const double a : accuracies) point.mean += a / static_cast<double>(accuracies.size());
  for (const double a : accuracies) point.sd += (a - point.mean) * (a - point.mean);
  point.sd = accuracies.size() > 1 ? std::sqrt(point.sd / static_cast<double>(accuracies.size() - 1)) : 0;
  return point;
}

/// Mask seeds apart from training's and from train's own test pass.
inline std::uint64_t robustness_mask_seed(std::size_t mask) { return util::counter_hash(0x40b057, mask); }

/// Whether the file holds a spiking model (its "format" tag) rather than a graph network.
inline bool is_chaos_model_file(const std::filesystem::path& path) {
  const std::string text = read_file_text<ModelFileError>(path, "model file");
  const nlohmann::json doc = parse_json_text<ModelFileError>(text, path, "model file", "save the model again");
  return doc.is_object() && doc.contains("format") && doc.at("format") == chaos_model_format;
}

/// One model's curve, whichever kind it is; `step` is called after every pass over the split.
template <class Step>
RobustnessCurve measure_curve(const std::filesystem::path& path, const std::vector<double>& fail, std::size_t masks,
                              const Dataset& split, Step&& step) {
  RobustnessCurve curve{path.filename().string(), 0, false, {}};
  std::vector<double> accuracies;
  if (is_chaos_model_file(path)) {
    const ChaosModel<float> model = load_chaos_model(path);
    curve.train_fail_prob = model.config.params.fail_prob;
    ChaosModelTape<float, chaos_batch> tape(model);
    for (const double p : fail) {
      ChaosNeuronParams params = model.config.params;
      params.fail_prob = p;
      tape.set_params(params);
      accuracies.clear();
      for (std::size_t mask = 0; mask < masks; ++mask) {
        accuracies.push_back(evaluate_chaos_accuracy(tape, split, robustness_mask_seed(mask)));
        step(curve.name, p);
      }
      curve.points.push_back(summarise_point(p, accuracies));
    }
    return curve;
  }
  LoadedModel<float> model = load_model<float>(path);
  check_fits(model.topology, split, "model " + path.string() + " and the");
  const nlohmann::json& meta = model.info.metadata;
  curve.train_fail_prob = meta.contains("fail_prob") && meta["fail_prob"].is_number() ? meta["fail_prob"].get<double>() : 0.0;
  curve.rescale = meta.contains("rescale") && meta["rescale"].is_boolean() && meta["rescale"].get<bool>();
  Network<float, 64> net(std::move(model.topology));
  for (const double p : fail) {
    accuracies.clear();
    for (std::size_t mask = 0; mask < masks; ++mask) {
      if (p > 0) {
        net.set_node_failure(NodeFailure{.fail_prob = p, .rescale = curve.rescale,
                                         .phase = FailurePhase::evaluation, .seed = robustness_mask_seed(mask)});
        net.set_noise_draw(0);
      } else {
        net.set_node_failure(std::nullopt);
      }
      // A clean pass is the same for every mask: measure it once.
      accuracies.push_back(p > 0 || mask == 0 ? evaluate_accuracy(net, split) : accuracies.front());
      step(curve.name, p);
    }
    curve.points.push_back(summarise_point(p, accuracies));
  }
  return curve;
}

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
  gp << "set title '" << split << " accuracy against failure at test time (mean +- sd over " << masks
     << " masks)'\nset xlabel 'test-time failure probability'\nset ylabel '" << split
     << " accuracy (%)'\nset grid\nset key bottom left\nset xrange [-0.02:1.02]\nplot ";
  for (std::size_t c = 0; c < curves.size(); ++c) {
    char title[96];
    std::snprintf(title, sizeof title, "trained at p = %g%s (%s)", curves[c].train_fail_prob,
                  curves[c].rescale ? ", rescaled" : "", curves[c].name.c_str());
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
  for (const auto& path : s.models) {  // a damaged file or an impossible point fails before any work
    if (!is_chaos_model_file(path) && s.fail.back() >= 1) {
      throw UsageError("--fail 1 would zero every hidden node of the graph network " + path.string() +
                       "; give failure probabilities below 1");
    }
  }
  const MnistSplits data = load_mnist_splits(s.data, s.validation);
  const Dataset& split = s.split == "test" ? data.test : data.validation;

  std::printf("%zu model(s), %zu failure probabilities, %zu masks each, on the %s split (%s images)\n",
              s.models.size(), s.fail.size(), s.masks, s.split.c_str(), with_commas(double(split.size())).c_str());
  ProgressBar bar("  evaluating", "passes");
  const std::size_t total = s.models.size() * s.fail.size() * s.masks;
  std::size_t done = 0;
  std::vector<RobustnessCurve> curves;
  for (const auto& path : s.models) {
    curves.push_back(measure_curve(path, s.fail, s.masks, split, [&](const std::string& name, double p) {
      bar.update(++done, total, name + " p " + std::to_string(p).substr(0, 4));
    }));
  }
  bar.finish();

  std::printf("\n%-28s %8s", "model (trained at p)", "");
  for (const double p : s.fail) std::printf(" %13s", ("p=" + std::to_string(p).substr(0, 5)).c_str());
  std::printf("\n");
  std::ostringstream csv;
  csv << "model,train_fail_prob,test_fail_prob,mean,sd,min,max,masks\n";
  nlohmann::json curves_json = nlohmann::json::array();
  for (const RobustnessCurve& c : curves) {
    std::printf("%-28s %8s", (c.name + " (" + std::to_string(c.train_fail_prob).substr(0, 4) + ")").c_str(),
                c.rescale ? "rescaled" : "");
    nlohmann::json points = nlohmann::json::array();
    for (const RobustnessPoint& p : c.points) {
      std::printf("  %5.2f ± %4.2f", 100 * p.mean, 100 * p.sd);
      csv << c.name << ',' << c.train_fail_prob << ',' << p.fail_prob << ',' << p.mean << ',' << p.sd << ','
          << p.min << ',' << p.max << ',' << s.masks << '\n';
      points.push_back({{"test_fail_prob", p.fail_prob}, {"mean", p.mean}, {"sd", p.sd}, {"min", p.min}, {"max", p.max}});
    }
    std::printf("\n");
    curves_json.push_back({{"model", c.name}, {"train_fail_prob", c.train_fail_prob}, {"rescale", c.rescale},
                           {"points", points}});
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
