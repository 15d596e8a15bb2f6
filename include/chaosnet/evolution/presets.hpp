#pragma once

// Named evolution schedules, as data.
//   v02     — seed 001 (Chaos Network v0.2) as published: 10 members, 500 SGD batches per
//             generation, clone and mutate every 10th generation (grow p_n < 0.1, p_c < 0.1;
//             prune p_r < 0.3 at random), seed score with c = 0.05, starting from ~100
//             input→leaf edges. (Weight initialisation and leaf biases as the train v02 preset.)
//   default — what we measured to work well per minute on MNIST: mutate every generation with
//             gentler growth, magnitude pruning, Adam, and Pareto selection that spends the
//             population on the accurate part of the front.

#include <chaosnet/evolution/population.hpp>
#include <chaosnet/train/presets.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chaosnet {

/// A named evolution schedule: the options of a run and the batch size it was tuned with.
struct EvolutionPreset {
  std::string_view name;
  std::string_view description;
  EvolutionOptions options;
  int batch = 32;  ///< the compiled batch size the schedule was tuned with
};

/// Every preset: "default" first, then "v02".
inline const std::vector<EvolutionPreset>& evolution_presets() {
  static const std::vector<EvolutionPreset> all = [] {
    EvolutionPreset v02;
    v02.name = "v02";
    v02.description =
        "seed 001: 10 members, 500 SGD (0.01) batches per generation, mutate every "
        "10th generation (p_n < 0.1, p_c < 0.1, p_r < 0.3 random), seed score c = 0.05";
    v02.options.population = 10;
    v02.options.steps_per_generation = 500;
    v02.options.morph_every = 10;
    v02.options.topology = find_preset("v02").topology;
    v02.options.mutation = {0.1, 0.1, 0.3, EdgeRemoval::random};
    v02.options.selection = {SelectionMethod::seed, 0.05, 0, 0};
    v02.options.optimizer.kind = OptimizerKind::sgd;
    v02.options.optimizer.learning_rate = 0.01;

    EvolutionPreset tuned;
    tuned.name = "default";
    tuned.description =
        "16 members, 1000 Adam (3e-3) batches per generation, mutate every generation (p_n < 0.02, "
        "p_c < 0.1, p_r < 0.1 smallest |w|), Pareto selection with a 0.1 accuracy window";
    tuned.options.population = 16;
    tuned.options.steps_per_generation = 1000;
    tuned.options.morph_every = 1;
    tuned.options.topology = find_preset("v02").topology;
    tuned.options.mutation = {0.02, 0.1, 0.1, EdgeRemoval::smallest_magnitude};
    tuned.options.selection = {SelectionMethod::pareto, 0.05, 0.1, 0};
    tuned.options.optimizer.kind = OptimizerKind::adam;
    tuned.options.optimizer.learning_rate = 3e-3;
    tuned.options.optimizer.epsilon = find_preset("v02").adam_epsilon;
    return std::vector<EvolutionPreset>{tuned, v02};
  }();
  return all;
}

/// The preset called `name`; std::invalid_argument listing the known ones if there is none.
inline const EvolutionPreset& find_evolution_preset(std::string_view name) {
  std::string known;
  for (const EvolutionPreset& p : evolution_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  }
  throw std::invalid_argument("unknown evolution preset '" + std::string(name) +
                              "' (known: " + known + ")");
}

}  // namespace chaosnet
