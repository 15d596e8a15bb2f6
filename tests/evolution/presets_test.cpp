// Evolution presets: the names follow evolution_presets(), unknown names are refused, and the
// schedules hold the values their descriptions state.

#include <chaosnet/evolution/presets.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using chaosnet::EdgeRemoval;
using chaosnet::OptimizerKind;
using chaosnet::SelectionMethod;

TEST_CASE("EvolutionPresets: names in order, each found by name, unknown ones refused",
          "[evolution][presets]") {
  const std::vector<std::string> names = chaosnet::evolution_preset_names();
  CHECK(names == std::vector<std::string>{"default", "v02"});
  for (const std::string& name : names) {
    CHECK(chaosnet::find_evolution_preset(name).name == name);
    CHECK_NOTHROW(chaosnet::check_evolution_options(chaosnet::find_evolution_preset(name).options));
  }
  CHECK_THROWS_WITH(chaosnet::find_evolution_preset("v01"),
                    "unknown evolution preset 'v01' (known: default, v02)");
}

TEST_CASE("EvolutionPresets: the schedules are the ones described", "[evolution][presets]") {
  const auto& tuned = chaosnet::find_evolution_preset("default").options;
  CHECK(tuned.population == 16);
  CHECK(tuned.steps_per_generation == 1000);
  CHECK(tuned.morph_every == 1);
  CHECK(tuned.mutation.prune_policy == EdgeRemoval::smallest_magnitude);
  CHECK(tuned.selection.method == SelectionMethod::pareto);
  CHECK(tuned.selection.accuracy_window == 0.1);
  CHECK(tuned.optimizer.kind == OptimizerKind::adam);
  CHECK(tuned.optimizer.learning_rate == 1e-3);
  CHECK(tuned.generation_schedule.decay == chaosnet::LearningRateDecay::cosine);
  CHECK(tuned.founder_epochs == 60);
  CHECK(tuned.optimizer.epsilon == chaosnet::find_preset("v02").adam_epsilon);

  const auto& v02 = chaosnet::find_evolution_preset("v02").options;
  CHECK(v02.population == 10);
  CHECK(v02.steps_per_generation == 500);
  CHECK(v02.morph_every == 10);
  CHECK(v02.mutation.prune_rate == 0.3);
  CHECK(v02.mutation.prune_policy == EdgeRemoval::random);
  CHECK(v02.selection.method == SelectionMethod::seed_score);
  CHECK(v02.selection.size_bonus == 0.05);
  CHECK(v02.optimizer.kind == OptimizerKind::sgd);
  CHECK(v02.optimizer.learning_rate == 0.01);
  CHECK(v02.optimizer.epsilon == 1e-8);
  CHECK(v02.generation_schedule.decay == chaosnet::LearningRateDecay::constant);
  for (const auto* o : {&tuned, &v02}) {
    CHECK(o->topology.init.kind == chaosnet::find_preset("v02").topology.init.kind);
    CHECK(o->seed == 1);
    CHECK(o->max_edges == 0);
  }
}
