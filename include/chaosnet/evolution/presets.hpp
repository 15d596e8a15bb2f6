#pragma once

// Named evolution schedules, as data.
//   v02     — seed 001 (Chaos Network v0.2) as published: 10 members, 500 SGD batches per
//             generation, clone and mutate every 10th generation (grow p_n < 0.1, p_c < 0.1;
//             prune p_r < 0.3 at random), seed score with c = 0.05, starting from ~100
//             input→leaf edges. (Weight initialisation and leaf biases as the train v02 preset.)
//   default — what we measured to work well per minute on MNIST: the population shared among
//             three edge budgets, founders trained to their budget by sparse training (which
//             alone beat evolution from untrained founders at every budget, README) for 60
//             epochs, so that founding ends within a 5-minute run and a longer run continues
//             a shorter one; mutate every generation with gentler growth, magnitude pruning,
//             Adam decaying within each generation (a constant 3e-3 un-annealed the trained
//             founders: no child beat them), and Pareto selection within each budget that
//             spends it on the accurate part of the front.

#include <chaosnet/util/named_list.hpp>
#include <chaosnet/evolution/population.hpp>
#include <chaosnet/train/presets.hpp>

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

/// Every preset: "default" first, then "v02". Both start from the train v02 preset's network.
inline const std::vector<EvolutionPreset>& evolution_presets() {
  static const std::vector<EvolutionPreset> all = [] {
    const Preset& start = find_preset("v02");
    const EvolutionPreset tuned{
        .name = "default",
        .description = "16 members shared among the budgets 1300, 3000 and 6000 edges, each "
                       "founder trained to its budget as train --edges does but for 60 epochs "
                       "(the first generation); then 1000 Adam batches per generation, the "
                       "rate decaying from 1e-3 along a cosine within each, mutate every "
                       "generation (p_n < 0.02, p_c < 0.1, p_r < 0.1 smallest |w|), Pareto "
                       "selection with a 0.1 accuracy window within each budget; every 10th "
                       "generation each budget's least accurate member makes way for an "
                       "immigrant trained from scratch for 200 epochs (the CLI: in runs of 10 "
                       "minutes or more)",
        .options = {.population = 16,
                    .steps_per_generation = 1000,
                    .morph_every = 1,
                    .budgets = {1300, 3000, 6000},
                    .layered_founders = true,
                    .founder_epochs = 60,
                    .immigrant_every = 10,
                    .immigrant_epochs = 200,
                    .topology = start.topology,
                    .mutation = {0.02, 0.1, 0.1, EdgeRemoval::smallest_magnitude},
                    .selection = {SelectionMethod::pareto, 0.05, 0.1, 0},
                    .optimizer = {.kind = OptimizerKind::adam,
                                  .learning_rate = 1e-3,
                                  .epsilon = start.adam_epsilon},
                    .generation_schedule = {.decay = LearningRateDecay::cosine}}};
    const EvolutionPreset v02{
        .name = "v02",
        .description = "seed 001: 10 members, 500 SGD (0.01) batches per generation, mutate "
                       "every 10th generation (p_n < 0.1, p_c < 0.1, p_r < 0.3 random), seed "
                       "score c = 0.05",
        .options = {.population = 10,
                    .steps_per_generation = 500,
                    .morph_every = 10,
                    .topology = start.topology,
                    .mutation = {0.1, 0.1, 0.3, EdgeRemoval::random},
                    .selection = {SelectionMethod::seed_score, 0.05, 0, 0},
                    .optimizer = {.kind = OptimizerKind::sgd, .learning_rate = 0.01}}};
    return std::vector<EvolutionPreset>{tuned, v02};
  }();
  return all;
}

/// The names of evolution_presets(), in order (for a CLI's list of accepted values).
inline std::vector<std::string> evolution_preset_names() {
  return util::names_of(evolution_presets());
}

/// The preset called `name`; std::invalid_argument listing the known ones if there is none.
inline const EvolutionPreset& find_evolution_preset(std::string_view name) {
  return util::find_named(evolution_presets(), name, "evolution preset");
}

}  // namespace chaosnet
