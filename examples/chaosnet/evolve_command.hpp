#pragma once

// `chaosnet evolve`: evolve a population of networks on MNIST (or any IDX dataset) for a time or
// generation budget, selecting on the validation split; checkpoint every generation; at the end
// measure the test accuracy of the final Pareto front once and write models, DOT files, CSV logs
// and plots.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/evolution.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace chaosnet::cli {

struct EvolveSettings {
  std::filesystem::path data = "data/mnist";
  std::size_t validation = 10000;
  std::size_t eval_samples = 0;
  std::string preset = "default";
  std::optional<std::size_t> population, steps, morph_every, hidden, max_edges, node_edges;
  std::optional<double> input_edges, node_rate, edge_rate, prune_rate, size_bonus, accuracy_window,
      dominance_margin, learning_rate;
  std::optional<std::string> prune, selection, optimizer;
  std::optional<int> batch;
  std::optional<std::uint64_t> seed;
  bool hidden_spread = false;
  std::optional<double> minutes;
  std::optional<std::size_t> generations;
  std::size_t threads = 0;
  std::filesystem::path out = "runs/evolve";
  std::filesystem::path resume, json;
  /// Options that define the run: a resumed run takes them from its checkpoint instead.
  std::vector<CLI::Option*> run_options;
  CLI::Option* data_option = nullptr;
};

/// A year: a longer time budget is a typing mistake.
inline constexpr double max_minutes = 525600;

inline void add_evolve_command(CLI::App& app, EvolveSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "evolve",
      "Evolve a population of networks: train every member, mutate (grow/prune), select on the "
      "validation split; checkpoint every generation; measure the final Pareto front's test "
      "accuracy once");
  std::string presets = "Presets (the options above override their values):\n";
  for (const EvolutionPreset& p : evolution_presets()) {
    presets += "  " + std::string(p.name) + ": " + std::string(p.description) + "\n";
  }
  cmd->footer(presets +
              "Selection uses the validation split only; the test accuracy of the final front is "
              "measured once, at the end.\n"
              "Outputs in --out: generations.csv, population.csv, front.csv, front/*.model.json "
              "and .dot, summary.json, accuracy.png and front.png (when gnuplot is installed), "
              "checkpoint.json.\n"
              "Resuming: --resume DIR continues the run in DIR from its last checkpoint with the "
              "same settings and gives the same result as an uninterrupted run; only --data, "
              "--threads, --json, --minutes and --generations may be given with it.\n"
              "Example: chaosnet evolve --data data/mnist --minutes 15 --max-edges 1300 "
              "--out runs/cap1300");
  auto run = [&](CLI::Option* o) {
    s.run_options.push_back(o);
    return o;
  };
  s.data_option =
      cmd->add_option("--data", s.data,
                      "Directory with the four MNIST IDX files (data/fetch_mnist.sh); a "
                      "resumed run reads the run's own unless given")
          ->capture_default_str();
  run(cmd->add_option("--validation", s.validation,
                      "Training images held out (from the end) for validation and selection"))
      ->check(at_least<std::size_t>(1))
      ->capture_default_str();
  run(cmd->add_option("--eval-samples", s.eval_samples,
                      "Select on the first this-many validation images for speed (0: all); the "
                      "reported numbers always use the whole validation split"))
      ->check(at_least<std::size_t>(0))
      ->capture_default_str();
  run(cmd->add_option("--preset", s.preset, "Schedule to start from: default or v02"))
      ->check(CLI::IsMember({"default", "v02"}))
      ->capture_default_str();
  run(cmd->add_option("--population", s.population, "Members kept by selection (2 or more)"))
      ->check(number_in<std::size_t>(2, 100000));
  run(cmd->add_option("--steps", s.steps, "Training batches per member and generation"))
      ->check(number_in<std::size_t>(1, 1000000));
  run(cmd->add_option("--morph-every", s.morph_every,
                      "Clone and mutate every this-many generations"))
      ->check(number_in<std::size_t>(1, 1000000));
  run(cmd->add_option("--hidden", s.hidden, "Normal nodes each starting network gets (default 0)"))
      ->check(number_in<std::size_t>(0, max_hidden_nodes));
  run(cmd->add_flag("--hidden-spread", s.hidden_spread,
                    "Founding members get 0 to --hidden nodes in even steps, so the first "
                    "population spans every size"));
  run(cmd->add_option("--input-edges", s.input_edges,
                      "Input-to-leaf edges each starting network gets, on average (seed: 100)"))
      ->check(number_in(0.0, 1e6));
  run(cmd->add_option("--node-edges", s.node_edges,
                      "Incoming and outgoing random edges of each new node (seed: 10)"))
      ->check(number_in<std::size_t>(0, 1000));
  run(cmd->add_option("--node-rate", s.node_rate, "Grow: add floor(nodes * U[0, a)) nodes"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--edge-rate", s.edge_rate, "Grow: add floor(edges * U[0, b)) random edges"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--prune-rate", s.prune_rate, "Prune: remove floor(edges * U[0, c)) edges"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--prune", s.prune, "Which edges pruning removes: random or smallest (|w|)"))
      ->check(CLI::IsMember({"random", "smallest"}));
  run(cmd->add_option("--selection", s.selection,
                      "seed (score = val_acc + c*min_size/size, best half of parents and children) "
                      "or pareto (NSGA-II on val_acc and edges)"))
      ->check(CLI::IsMember({"seed", "pareto"}));
  run(cmd->add_option("--size-bonus", s.size_bonus, "The seed score's c"))
      ->check(number_in(0.0, 1000.0));
  run(cmd->add_option(
          "--accuracy-window", s.accuracy_window,
          "Pareto: members more than this below the best validation accuracy rank after "
          "all others (0: a plain front)"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--dominance-margin", s.dominance_margin,
                      "Pareto: a network dominates another only if no larger and at least this "
                      "much more accurate (0: plain dominance)"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--max-edges", s.max_edges,
                      "Hard cap: no member ever has more edges (smallest |w| pruned after every "
                      "mutation); 0: no cap"))
      ->check(at_least<std::size_t>(0));
  run(cmd->add_option("--optimizer", s.optimizer, "sgd or adam"))
      ->check(CLI::IsMember({"sgd", "adam"}));
  run(cmd->add_option("--lr", s.learning_rate, "Learning rate"))
      ->check(above(0.0, max_learning_rate));
  run(cmd->add_option("--batch", s.batch,
                      "Samples per step: " + batch_sizes_text() + " (default 32)"))
      ->check(CLI::IsMember({1, 16, 32, 64}));
  run(cmd->add_option("--seed", s.seed,
                      "Random seed: same seed and data, same result with any --threads"))
      ->check(at_least<std::uint64_t>(0));
  cmd->add_option("--minutes", s.minutes,
                  "Time budget of the run, all sessions (default 5 unless --generations is given)")
      ->check(above(0.0, max_minutes));
  cmd->add_option("--generations", s.generations,
                  "Generation budget of the run (total, all sessions)")
      ->check(at_least<std::size_t>(1));
  cmd->add_option("--threads", s.threads, "Worker threads, one member each (0: all cores)")
      ->check(number_in<std::size_t>(0, max_worker_threads))
      ->capture_default_str();
  run(cmd->add_option("--out", s.out, "Directory for checkpoints, logs, models and plots"))
      ->capture_default_str();
  cmd->add_option("--resume", s.resume, "Continue the run whose --out directory this is");
  cmd->add_option(
      "--json", s.json,
      "Also write the summary (test_acc, val_acc, edges, params, wall_s, front, ...) here");
}

namespace detail {

/// Set by the first Ctrl-C: finish the current generation, then stop and report.
inline volatile std::sig_atomic_t stop_requested = 0;

inline void request_stop(int) {
  if (stop_requested != 0) std::_Exit(130);
  stop_requested = 1;
}

/// The options of the chosen preset with the command line's overrides.
inline EvolutionOptions evolution_options(const EvolveSettings& s) {
  EvolutionOptions o = find_evolution_preset(s.preset).options;
  if (s.population) o.population = *s.population;
  if (s.steps) o.steps_per_generation = *s.steps;
  if (s.morph_every) o.morph_every = *s.morph_every;
  if (s.hidden) o.initial_hidden = *s.hidden;
  if (s.hidden_spread) o.spread_initial_hidden = true;
  if (s.max_edges) o.max_edges = *s.max_edges;
  if (s.input_edges) o.topology.input_edges = *s.input_edges;
  if (s.node_edges) o.topology.new_node_edges_in = o.topology.new_node_edges_out = *s.node_edges;
  if (s.node_rate) o.mutation.node_rate = *s.node_rate;
  if (s.edge_rate) o.mutation.edge_rate = *s.edge_rate;
  if (s.prune_rate) o.mutation.prune_rate = *s.prune_rate;
  if (s.prune) {
    o.mutation.prune_policy =
        *s.prune == "random" ? EdgeRemoval::random : EdgeRemoval::smallest_magnitude;
  }
  if (s.selection) {
    o.selection.method = *s.selection == "seed" ? SelectionMethod::seed : SelectionMethod::pareto;
  }
  if (s.size_bonus) o.selection.size_bonus = *s.size_bonus;
  if (s.accuracy_window) o.selection.accuracy_window = *s.accuracy_window;
  if (s.dominance_margin) o.selection.dominance_margin = *s.dominance_margin;
  if (s.optimizer) {
    o.optimizer.kind = *s.optimizer == "adam" ? OptimizerKind::adam : OptimizerKind::sgd;
    const Preset& v02 = find_preset("v02");
    o.optimizer.learning_rate = v02.learning_rate(o.optimizer.kind);
    o.optimizer.epsilon = v02.adam_epsilon;
  }
  if (s.learning_rate) o.optimizer.learning_rate = *s.learning_rate;
  if (s.seed) o.seed = *s.seed;
  return o;
}

/// What a run directory records about the command besides the population, so that a resumed
/// run reads the same data split and keeps the same budget.
struct RunRecord {
  std::filesystem::path data;  ///< absolute; --data overrides it on resume
  std::string preset;
  std::size_t validation = 10000;
  std::size_t eval_samples = 0;
  std::optional<double> minutes;
  std::optional<std::size_t> generations;

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"data", data.string()},
            {"preset", preset},
            {"validation", validation},
            {"eval_samples", eval_samples},
            {"minutes", minutes ? nlohmann::json(*minutes) : nlohmann::json()},
            {"generations", generations ? nlohmann::json(*generations) : nlohmann::json()}};
  }
  static RunRecord from_json(const nlohmann::json& j, const std::filesystem::path& file) {
    try {
      RunRecord r;
      r.data = j.at("data").get<std::string>();
      r.preset = j.at("preset").get<std::string>();
      r.validation = j.at("validation").get<std::size_t>();
      r.eval_samples = j.at("eval_samples").get<std::size_t>();
      if (!j.at("minutes").is_null()) r.minutes = j.at("minutes").get<double>();
      if (!j.at("generations").is_null()) r.generations = j.at("generations").get<std::size_t>();
      return r;
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError(
          file, std::string("holds no valid `chaosnet evolve` settings (") + e.what() + ")");
    }
  }
};

/// The files a run reads, which no output may overwrite: its data and its checkpoints.
inline std::vector<std::filesystem::path> run_inputs(const std::filesystem::path& data,
                                                     const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> inputs = mnist_files(data);
  const CheckpointFiles files = checkpoint_files(dir);
  inputs.insert(inputs.end(), {files.current, files.previous});
  return inputs;
}

inline std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * fraction);
  return buffer;
}

inline std::string history_csv(std::span<const GenerationStats> history) {
  std::ostringstream csv;
  csv << "generation,morphed,best_val_acc,best_edges,best_params,best_id,front_size,mean_val_acc,"
         "min_edges,mean_edges,max_edges,trained,diverged,generation_s,wall_s\n";
  for (const GenerationStats& g : history) {
    csv << g.generation << ',' << (g.morphed ? 1 : 0) << ',' << g.best_accuracy << ','
        << g.best_edges << ',' << g.best_parameters << ',' << g.best_id << ',' << g.front_size
        << ',' << g.mean_accuracy << ',' << g.min_edges << ',' << g.mean_edges << ',' << g.max_edges
        << ',' << g.trained << ',' << g.diverged << ',' << g.seconds << ',' << g.elapsed_s << '\n';
  }
  return csv.str();
}

/// Accuracy over generations and accuracy against edges, as PNG files next to the CSV files.
inline void plot_with_gnuplot(const std::filesystem::path& out) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    std::printf(
        "note: gnuplot is not installed; no plots (install gnuplot-nox for accuracy.png and "
        "front.png)\n");
    return;
  }
  const std::filesystem::path script = out / "plots.gp";
  write_text_file(
      script,
      "# Written by chaosnet evolve; run `gnuplot plots.gp` in this directory to redraw.\n"
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size 1000,650 } "
      "else { set terminal png size 1000,650 }\n"
      "set datafile separator ','\n"
      "set key bottom right\n"
      "set grid\n"
      "set output 'accuracy.png'\n"
      "set title 'Validation accuracy over generations'\n"
      "set logscale x\n"  // the first generations climb fast, the later ones slowly
      "set xlabel 'generation'\nset ylabel 'validation accuracy (%)'\n"
      "set y2label 'edges of the best'\nset ytics nomirror\nset y2tics\n"
      "plot 'generations.csv' using 1:($3*100) with lines lw 2 title 'best', \\\n"
      "     '' using 1:($8*100) with lines title 'population mean', \\\n"
      "     '' using 1:4 axes x1y2 with lines dt 3 lc rgb '#999999' title 'edges of the best'\n"
      "unset logscale x\nunset y2tics\nunset y2label\nset ytics mirror\n"
      "set output 'front.png'\n"
      "set title 'Accuracy against edges: final population and its Pareto front'\n"
      "set xlabel 'edges'\nset ylabel 'accuracy (%)'\n"
      "plot 'population.csv' using 6:($5*100) with points pt 7 ps 0.8 title 'population (selection "
      "accuracy)', \\\n"
      "     'front.csv' using 2:($5*100) with linespoints lw 2 pt 5 title 'front, validation', \\\n"
      "     '' using 2:($6*100) with linespoints lw 2 pt 9 title 'front, test (measured once)'\n");
  std::string quoted = out.string();  // for the shell, inside single quotes
  for (std::size_t at = 0; (at = quoted.find('\'', at)) != std::string::npos; at += 4) {
    quoted.replace(at, 1, "'\\''");
  }
  if (std::system(("cd '" + quoted + "' && gnuplot plots.gp").c_str()) != 0) {
    std::fprintf(stderr, "warning: gnuplot failed; see %s\n", script.c_str());
  }
}

/// One member of the final front, measured once at the end.
struct FrontEntry {
  std::uint64_t id = 0;
  std::size_t edges = 0, params = 0, hidden = 0;
  double validation = 0;  ///< the whole validation split
  double test = 0;
  double selection = 0;  ///< what selection saw (the selection set, last generation)
  std::filesystem::path model;

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"id", id},         {"val_acc", validation}, {"test_acc", test},       {"edges", edges},
            {"params", params}, {"hidden", hidden},      {"model", model.string()}};
  }
};

inline void print_generation(const GenerationStats& g, double rate, double eta) {
  std::printf(
      "gen %4zu%s best val %s  %s edges  %s params  front %zu  edges %s..%s  |  %.2f gen/s  %s  "
      "ETA %s\n",
      g.generation, g.morphed ? "*" : " ", percent(g.best_accuracy).c_str(),
      with_commas(double(g.best_edges)).c_str(), with_commas(double(g.best_parameters)).c_str(),
      g.front_size, with_commas(double(g.min_edges)).c_str(),
      with_commas(double(g.max_edges)).c_str(), rate, format_duration(g.elapsed_s).c_str(),
      format_duration(std::max(0.0, eta)).c_str());
  std::fflush(stdout);
}

/// Run generations until the budget (or a Ctrl-C), checkpointing and logging after each one.
template <int N>
void evolve_until_budget(Population<float, N>& population, const RunRecord& record,
                         const Dataset& train, const Dataset& selection, WorkerPool& pool,
                         const std::filesystem::path& out) {
  const double budget_s =
      record.minutes ? *record.minutes * 60 : std::numeric_limits<double>::infinity();
  const std::size_t max_generations =
      record.generations.value_or(std::numeric_limits<std::size_t>::max());
  const nlohmann::json extra = {{"evolve", record.to_json()}};
  const std::size_t first_generation = population.generation();
  const double session_start = population.elapsed_s();
  double last_generation_s = 0;
  double last_print = -1;
  stop_requested = 0;
  const auto previous_handler = std::signal(SIGINT, request_stop);
  // A generation is not started when it would end past the time budget.
  while (population.generation() < max_generations && stop_requested == 0 &&
         population.elapsed_s() + last_generation_s <= budget_s) {
    const double before = population.elapsed_s();
    const GenerationStats& g = population.evolve(train, selection, pool);
    save_checkpoint(out, population, extra, &pool);
    write_file_atomically(out / "generations.csv", history_csv(population.history()));
    const double elapsed = population.elapsed_s();
    last_generation_s = elapsed - before;
    const bool last =
        population.generation() >= max_generations || elapsed + last_generation_s > budget_s;
    if (last || elapsed - last_print >= 0.5) {  // at most two lines a second
      last_print = elapsed;
      const double rate = static_cast<double>(population.generation() - first_generation) /
                          (elapsed - session_start);
      print_generation(
          g, rate,
          std::min(budget_s - elapsed,
                   static_cast<double>(max_generations - population.generation()) / rate));
    }
  }
  std::signal(SIGINT, previous_handler);
  if (stop_requested != 0) {
    std::printf("stopped by Ctrl-C after generation %zu\n", population.generation());
  }
}

/// The final Pareto front: each member measured on the whole validation split and, once, on
/// the test set, saved as a model file and a DOT file, and printed.
template <int N>
std::vector<FrontEntry> measure_front(const Population<float, N>& population,
                                      const MnistSplits& data, const RunRecord& record,
                                      const std::filesystem::path& out) {
  const auto members = population.members();
  std::filesystem::create_directories(out / "front");
  std::printf("\nfinal Pareto front (validation: all %s images; test: measured once, now)\n",
              with_commas(double(data.validation.size())).c_str());
  std::printf("  %8s %8s %7s %9s %9s  model\n", "edges", "params", "hidden", "val", "test");
  std::vector<FrontEntry> front;
  for (const std::size_t i : population.front()) {
    Network<float, N> net = members[i].network;
    FrontEntry e;
    e.id = members[i].id;
    e.edges = net.edge_count();
    e.params = net.parameter_count();
    e.hidden = net.normal_count();
    e.validation = evaluate_accuracy(net, data.validation);
    e.test = evaluate_accuracy(net, data.test);
    e.selection = members[i].accuracy;
    const std::string name = "member-" + std::to_string(e.id) + "-" + std::to_string(e.edges) + "e";
    e.model = out / "front" / (name + ".model.json");
    const nlohmann::json info = {
        {"command", "evolve"},     {"member", e.id},     {"generation", population.generation()},
        {"val_acc", e.validation}, {"test_acc", e.test}, {"selection_acc", e.selection}};
    save_model(e.model, static_cast<const Topology<float>&>(net), ModelInfo{record.preset, info});
    DotOptions dot;
    dot.title = "chaosnet evolve member " + std::to_string(e.id) + ": val " +
                percent(e.validation) + ", test " + percent(e.test);
    save_dot(out / "front" / (name + ".dot"), static_cast<const Topology<float>&>(net), dot);
    std::printf("  %8s %8s %7zu %9s %9s  %s\n", with_commas(double(e.edges)).c_str(),
                with_commas(double(e.params)).c_str(), e.hidden, percent(e.validation).c_str(),
                percent(e.test).c_str(), e.model.c_str());
    front.push_back(std::move(e));
  }
  if (front.empty()) throw std::runtime_error("no member of the population is within the edge cap");
  return front;
}

/// front.csv and population.csv (the plots read them).
template <int N>
void write_population_files(const Population<float, N>& population,
                            std::span<const FrontEntry> front, const std::filesystem::path& out) {
  std::ostringstream front_csv, population_csv;
  front_csv << "id,edges,params,hidden,val_acc,test_acc,selection_acc,model\n";
  for (const FrontEntry& e : front) {
    front_csv << e.id << ',' << e.edges << ',' << e.params << ',' << e.hidden << ',' << e.validation
              << ',' << e.test << ',' << e.selection << ','
              << e.model.lexically_relative(out).string() << '\n';
  }
  population_csv << "id,parent,born,mutations,selection_acc,edges,params,hidden,on_front\n";
  for (const auto& m : population.members()) {
    const bool on_front =
        std::any_of(front.begin(), front.end(), [&](const FrontEntry& e) { return e.id == m.id; });
    population_csv << m.id << ',' << m.parent << ',' << m.born << ',' << m.mutations << ','
                   << m.accuracy << ',' << m.network.edge_count() << ','
                   << m.network.parameter_count() << ',' << m.network.normal_count() << ','
                   << (on_front ? 1 : 0) << '\n';
  }
  write_text_file(out / "front.csv", front_csv.str());
  write_text_file(out / "population.csv", population_csv.str());
}

}  // namespace detail

/// The splits of the run's data, with the selection set (validation, or its first eval_samples).
struct EvolveData {
  MnistSplits splits;
  Dataset selection;
};

inline EvolveData load_evolve_data(const detail::RunRecord& record) {
  std::printf("loading %s ...\n", record.data.c_str());
  std::fflush(stdout);
  MnistSplits splits = load_mnist_splits(record.data, record.validation);
  if (record.eval_samples > splits.validation.size()) {
    throw UsageError("--eval-samples " + std::to_string(record.eval_samples) + " exceeds the " +
                     std::to_string(splits.validation.size()) + " validation images");
  }
  Dataset selection = record.eval_samples == 0 ? splits.validation
                                               : subset(splits.validation, 0, record.eval_samples);
  std::printf("data: %s train, %s validation (selection on %s), %s test images\n",
              with_commas(double(splits.train.size())).c_str(),
              with_commas(double(splits.validation.size())).c_str(),
              record.eval_samples == 0 ? "all" : with_commas(double(record.eval_samples)).c_str(),
              with_commas(double(splits.test.size())).c_str());
  return {std::move(splits), std::move(selection)};
}

template <int N>
int run_evolve(const EvolveSettings& s, Population<float, N> population,
               const detail::RunRecord& record, const EvolveData& data,
               const std::filesystem::path& out) {
  const EvolutionOptions& o = population.options();
  WorkerPool pool(s.threads);
  std::printf(
      "evolution: preset %s, %zu members, %zu %s (lr %g) batches of %d per generation, "
      "mutate every %zu; %s selection; cap %s edges; seed %llu; %zu threads\n",
      record.preset.c_str(), o.population, o.steps_per_generation,
      std::string(to_string(o.optimizer.kind)).c_str(), o.optimizer.learning_rate, N, o.morph_every,
      std::string(to_string(o.selection.method)).c_str(),
      o.max_edges == 0 ? "no" : with_commas(double(o.max_edges)).c_str(),
      static_cast<unsigned long long>(o.seed), pool.threads());
  std::printf(
      "budget: %s%s%s\n",
      record.minutes ? (format_duration(*record.minutes * 60) + " wall").c_str() : "",
      record.minutes && record.generations ? " or " : "",
      record.generations ? (std::to_string(*record.generations) + " generations").c_str() : "");
  std::fflush(stdout);
  detail::evolve_until_budget(population, record, data.splits.train, data.selection, pool, out);

  const std::vector<detail::FrontEntry> front =
      detail::measure_front(population, data.splits, record, out);
  detail::write_population_files(population, front, out);
  detail::plot_with_gnuplot(out);
  // The best network under the cap: the front's most accurate on the whole validation split.
  const detail::FrontEntry& best =
      *std::max_element(front.begin(), front.end(),
                        [](const auto& a, const auto& b) { return a.validation < b.validation; });
  const double wall_s = population.elapsed_s();
  const std::string fingerprint = chaosnet::util::hex64(population_fingerprint(population));
  nlohmann::json front_json = nlohmann::json::array();
  for (const auto& e : front) front_json.push_back(e.to_json());
  const nlohmann::json summary = {{"command", "evolve"},
                                  {"test_acc", best.test},
                                  {"val_acc", best.validation},
                                  {"edges", best.edges},
                                  {"params", best.params},
                                  {"hidden", best.hidden},
                                  {"model", best.model.string()},
                                  {"wall_s", wall_s},
                                  {"generations", population.generation()},
                                  {"threads", pool.threads()},
                                  {"cpu", cpu_model()},
                                  {"preset", record.preset},
                                  {"batch", N},
                                  {"options", evolution_options_to_json(o)},
                                  {"front", front_json},
                                  {"fingerprint", fingerprint},
                                  {"out", out.string()}};
  write_json_file(out / "summary.json", summary);
  if (!s.json.empty()) write_json_file(s.json, summary);
  std::printf(
      "\nbest under the cap (highest validation accuracy on the front):\n"
      "test accuracy %s  |  %s edges, %s parameters  |  val %s  |  %zu generations, %s wall, %zu "
      "threads, %s\n",
      detail::percent(best.test).c_str(), with_commas(double(best.edges)).c_str(),
      with_commas(double(best.params)).c_str(), detail::percent(best.validation).c_str(),
      population.generation(), format_duration(wall_s).c_str(), pool.threads(),
      cpu_model().c_str());
  std::printf("population fingerprint %s; outputs in %s\n", fingerprint.c_str(), out.c_str());
  return exit_ok;
}

inline int evolve_command(const EvolveSettings& s) {
  if (s.resume.empty()) {
    const EvolutionOptions options = detail::evolution_options(s);
    const int batch = s.batch.value_or(find_evolution_preset(s.preset).batch);
    detail::RunRecord record{std::filesystem::absolute(s.data),
                             s.preset,
                             s.validation,
                             s.eval_samples,
                             s.minutes,
                             s.generations};
    if (!record.minutes && !record.generations) record.minutes = 5.0;
    const CheckpointFiles files = checkpoint_files(s.out);
    if (std::filesystem::exists(files.current) || std::filesystem::exists(files.previous)) {
      throw UsageError(s.out.string() +
                       " already holds an evolution run; continue it with --resume " +
                       s.out.string() + " or choose another --out");
    }
    try {
      check_evolution_options(options);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    check_output("--out", s.out, OutputKind::directory);
    check_output("--json", s.json, OutputKind::file, detail::run_inputs(record.data, s.out));
    std::filesystem::create_directories(s.out);
    const EvolveData data = load_evolve_data(record);
    return with_batch_size(batch, [&]<int N>() {
      Population<float, N> population(options, data.splits.train.features(),
                                      static_cast<std::size_t>(data.splits.train.classes()));
      return run_evolve<N>(s, std::move(population), record, data, s.out);
    });
  }
  for (const CLI::Option* o : s.run_options) {
    if (o->count() > 0) {
      throw UsageError(o->get_name() +
                       " cannot be given with --resume: a resumed run keeps the settings "
                       "of its checkpoint (only --data, --threads, --json, --minutes and "
                       "--generations may change)");
    }
  }
  check_output("--resume", s.resume, OutputKind::directory);
  const std::size_t batch = checkpoint_batch_size(s.resume);
  return with_batch_size(static_cast<int>(batch), [&]<int N>() {
    Checkpoint<float, N> checkpoint = load_checkpoint<float, N>(s.resume);
    if (!checkpoint.warning.empty()) {
      std::fprintf(stderr, "warning: %s\n", checkpoint.warning.c_str());
    }
    detail::RunRecord record = detail::RunRecord::from_json(
        checkpoint.extra.value("evolve", nlohmann::json::object()), checkpoint.file);
    if (s.minutes || s.generations) {
      record.minutes = s.minutes;
      record.generations = s.generations;
    }
    if (s.data_option->count() > 0) record.data = s.data;
    check_output("--json", s.json, OutputKind::file, detail::run_inputs(record.data, s.resume));
    std::printf("resuming %s at generation %zu (%s of evolution so far)\n", checkpoint.file.c_str(),
                checkpoint.population.generation(),
                format_duration(checkpoint.population.elapsed_s()).c_str());
    const EvolveData data = load_evolve_data(record);
    return run_evolve<N>(s, std::move(checkpoint.population), record, data, s.resume);
  });
}

}  // namespace chaosnet::cli
