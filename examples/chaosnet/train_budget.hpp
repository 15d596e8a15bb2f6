#pragma once

// `chaosnet train --edges E`: the flags and defaults of training one network to an edge budget
// (include/chaosnet/sparse/): a large sparse layered start pruned on a cubic schedule to E edges,
// rewired by candidate gradients in between, with a cosine learning rate.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace chaosnet::cli {

struct BudgetSettings {
  std::optional<std::size_t> edges;        ///< --edges: train to at most this many edges
  std::optional<std::size_t> start_edges;  ///< default: start_multiple × edges
  std::vector<std::size_t> layers;  ///< empty: one hidden layer of default_hidden(edges)
  std::size_t rewire_every = BudgetOptions{}.rewire_every;
  double rewire_fraction = BudgetOptions{}.rewire_fraction;
  double prune_until = BudgetOptions{}.prune_until;
  double rewire_until = BudgetOptions{}.rewire_until;
  std::string regrowth = "gradient";
};

/// The defaults `--edges` switches to, where the preset's would not do: train_to_budget()'s
/// (sparse/train_to_budget.hpp, where the measurements behind them are), so the CLI and
/// evolution's trained founders train alike.
struct BudgetDefaults {
  static constexpr SparseTrainingOptions library{};
  static constexpr std::size_t start_multiple = library.start_multiple;
  static constexpr std::size_t epochs = library.epochs;
  static constexpr double adam_learning_rate = library.learning_rate;
  static constexpr double warmup = library.warmup;
  static constexpr int augment = library.max_shift;
  static constexpr std::size_t edges_per_hidden_node = library.edges_per_hidden_node;

  static std::size_t hidden(std::size_t edges) { return library.hidden(edges); }
};

inline void add_budget_options(CLI::App& cmd, BudgetSettings& s) {
  const char* group = "Training to an edge budget (--edges)";
  cmd.add_option("--edges", s.edges,
                 "Train to at most E edges: start from a sparse layered network of --start-edges "
                 "edges, prune it by magnitude to E over the first --prune-until of training, "
                 "rewire by gradient in between, then fine-tune (cosine learning rate)")
      ->check(at_least<std::size_t>(1))
      ->group(group);
  cmd.add_option("--start-edges", s.start_edges,
                 "Edges of the starting network (default: " + std::to_string(BudgetDefaults::start_multiple) +
                     "x --edges, at most what --layers allows)")
      ->check(at_least<std::size_t>(1))
      ->group(group);
  cmd.add_option("--layers", s.layers,
                 "Hidden layer sizes of the starting network, e.g. 300,100 (default: one layer of "
                 "E/" + std::to_string(BudgetDefaults::edges_per_hidden_node) + " nodes)")
      ->delimiter(',')
      ->check(number_in<std::size_t>(1, max_hidden_nodes))
      ->group(group);
  cmd.add_option("--rewire-every", s.rewire_every, "Steps between prunings and rewirings")
      ->check(number_in<std::size_t>(1, 1000000))
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--rewire-fraction", s.rewire_fraction,
                 "Fraction of the edges dropped and regrown at the first rewiring (cosine-annealed to 0)")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--prune-until", s.prune_until, "Fraction of training by which the budget is reached")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--rewire-until", s.rewire_until, "Fraction of training after which nothing is rewired")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--regrowth", s.regrowth,
                 "How rewiring picks new edges: gradient (largest |dL/dw| at w = 0, RigL) or random (SET)")
      ->check(CLI::IsMember(util::enum_name_list<Regrowth>()))
      ->capture_default_str()
      ->group(group);
}

/// --layers, or the default single hidden layer for the budget.
inline std::vector<std::size_t> budget_layers(const BudgetSettings& s) {
  return s.layers.empty() ? std::vector<std::size_t>{BudgetDefaults::hidden(*s.edges)} : s.layers;
}

/// The starting network's shape for a budget of `edges`: --start-edges, or the default multiple
/// of the budget capped at the layers' dense size.
inline LayeredStart budget_start(const BudgetSettings& s, std::size_t inputs, std::size_t outputs) {
  LayeredStart start;
  start.hidden = budget_layers(s);
  std::vector<std::size_t> widths{inputs};
  widths.insert(widths.end(), start.hidden.begin(), start.hidden.end());
  widths.push_back(outputs);
  std::size_t dense = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) dense += widths[l] * widths[l + 1];
  start.edges = s.start_edges.value_or(std::min(dense, BudgetDefaults::start_multiple * *s.edges));
  if (start.edges > dense) {
    throw UsageError("--start-edges " + std::to_string(start.edges) + " is more than the " +
                     std::to_string(dense) + " edges --layers allows; widen --layers or lower --start-edges");
  }
  if (start.edges < *s.edges) {
    throw UsageError("--start-edges " + std::to_string(start.edges) + " is below --edges " +
                     std::to_string(*s.edges) + "; the start must be at least the budget");
  }
  return start;
}

inline BudgetOptions budget_options(const BudgetSettings& s) {
  BudgetOptions options;
  options.budget = *s.edges;
  options.rewire_every = s.rewire_every;
  options.rewire_fraction = s.rewire_fraction;
  options.prune_until = s.prune_until;
  options.rewire_until = s.rewire_until;
  options.regrowth = *util::parse_enum<Regrowth>(s.regrowth);
  return options;
}

/// Layer sizes as --layers spells them ("300,100"), for reports.
inline std::string layers_text(const std::vector<std::size_t>& layers) {
  std::ostringstream out;
  for (std::size_t i = 0; i < layers.size(); ++i) out << (i ? "," : "") << layers[i];
  return out.str();
}

}  // namespace chaosnet::cli
