#pragma once

// `chaosnet evolve`: evolve a population of networks on MNIST (or any IDX dataset) for a time or
// generation budget, selecting on the validation split; checkpoint every generation; at the end
// measure the test accuracy of the final Pareto front once and write models, DOT files, CSV logs
// and plots. The run itself is the library's EvolutionRun; this file is the flag table (most of
// its length), the options the flags give, and what is printed; evolve_output.hpp writes files.

#include "cli_common.hpp"
#include "evolve_output.hpp"
#include "graph_failure.hpp"

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/evolution.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace chaosnet::cli {

struct EvolveSettings {
  std::filesystem::path data = "data/mnist";
  std::size_t validation = 10000;
  std::size_t eval_samples = 0;
  std::string preset = "default";
  std::optional<std::size_t> population, steps, morph_every, hidden, max_edges, node_edges, founder_epochs,
      immigrant_every, immigrant_epochs;
  std::optional<double> input_edges, node_rate, edge_rate, prune_rate, size_bonus, accuracy_window,
      dominance_margin, learning_rate, grow_rate, rewire_rate, split_rate, crossover_rate;
  /// The final fine-tune of each budget's winner (epochs 0: none).
  FineTuneOptions fine_tune;
  std::filesystem::path teacher;
  std::optional<std::string> prune, selection, optimizer, founders, lr_schedule;
  std::optional<std::vector<std::size_t>> budgets;
  std::optional<int> batch;
  std::optional<std::uint64_t> seed;
  ChaosSettings failure;  ///< --fail-prob, --noise, --rescale, --fail-in
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

/// Trained founders' epochs per minute of a --minutes budget under 5 minutes (at most the
/// preset's 60, which runs of 5 minutes or more all use, so a longer run continues a shorter one).
inline constexpr double founder_epochs_per_minute = 12;

/// Immigrants are the preset's only in runs of at least this many minutes: one immigration
/// takes about 2.5 minutes on 2 threads (three 200-epoch trainings), which a 5-minute run
/// (founders take two thirds of it) cannot afford.
inline constexpr double immigrant_minutes = 10;

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
  run(cmd->add_option("--preset", s.preset,
                      "Schedule to start from: " + util::or_list(evolution_preset_names())))
      ->check(CLI::IsMember(evolution_preset_names()))
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
  run(cmd->add_option("--grow-rate", s.grow_rate,
                      "Grow by gradient: add floor(edges * U[0, g)) absent edges with the largest "
                      "|dL/dw| (weight 0), within the cap"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--rewire-rate", s.rewire_rate,
                      "Rewire: drop floor(edges * U[0, r)) smallest-|w| edges and regrow as many "
                      "by |dL/dw|"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--split-rate", s.split_rate,
                      "Split floor(edges * U[0, s)) edges (drawn by |w|) with a new node, the "
                      "network's function unchanged"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--crossover", s.crossover_rate,
                      "Probability that a child is the NEAT-style crossover of its parent and "
                      "another parent of its budget"))
      ->check(number_in(0.0, 1.0));
  run(cmd->add_option("--prune", s.prune, "Which edges pruning removes: random or smallest (|w|)"))
      ->check(CLI::IsMember(util::enum_name_list<EdgeRemoval>()));
  run(cmd->add_option("--selection", s.selection,
                      "seed (score = val_acc + c*min_size/size, best half of parents and children) "
                      "or pareto (NSGA-II on val_acc and edges)"))
      ->check(CLI::IsMember(util::enum_name_list<SelectionMethod>()));
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
  run(cmd->add_option("--budgets", s.budgets,
                      "Edge budgets, comma-separated and increasing (default preset: "
                      "1300,3000,6000): the population is shared among them, each member is "
                      "capped at its own, and the best network ever found within each is kept "
                      "and reported. With --max-edges M alone: the preset's budgets below M, and M")
          ->delimiter(',')
          ->check(number_in<std::size_t>(1, 100000000)));
  run(cmd->add_option("--founders", s.founders,
                      "How each budget's founders start: trained (the first generation trains "
                      "each to its budget from scratch as train --edges does; the default "
                      "preset's), layered (one hidden layer of budget/20 nodes with the budget's "
                      "edges, untrained) or seed (input->leaf edges plus --hidden nodes; implied "
                      "by --hidden, --hidden-spread or --input-edges)"))
      ->check(CLI::IsMember({"trained", "layered", "seed"}));
  run(cmd->add_option("--founder-epochs", s.founder_epochs,
                      "Epochs of each trained founder (default: the preset's 60, and with "
                      "--minutes M at most 12*M, so that founders take about two thirds of a "
                      "5-minute run on 2 threads and evolution the rest)"))
      ->check(number_in<std::size_t>(1, 100000));
  run(cmd->add_option("--immigrant-every", s.immigrant_every,
                      "Every this-many generations, each budget's least accurate member makes way "
                      "for a network trained to the budget from scratch with a new seed (as "
                      "train --edges with another --seed); 0: never (default: the preset's 10 in "
                      "runs of 10 minutes or more, else 0). Needs --founders trained or layered"))
      ->check(number_in<std::size_t>(0, 1000000));
  run(cmd->add_option("--immigrant-epochs", s.immigrant_epochs,
                      "Epochs of each immigrant's training (default: the preset's 200, as train --edges)"))
      ->check(number_in<std::size_t>(1, 100000));
  run(cmd->add_option("--optimizer", s.optimizer, util::enum_names_text<OptimizerKind>()))
      ->check(CLI::IsMember(util::enum_name_list<OptimizerKind>()));
  run(cmd->add_option("--lr", s.learning_rate, "Learning rate"))
      ->check(above(0.0, max_learning_rate));
  run(cmd->add_option("--lr-schedule", s.lr_schedule,
                      util::enum_names_text<LearningRateDecay>() +
                          ": the learning rate within each generation, restarted every "
                          "generation (cosine: from --lr down to 1% of it)"))
      ->check(CLI::IsMember(util::enum_name_list<LearningRateDecay>()));
  run(cmd->add_option("--batch", s.batch,
                      "Samples per step: " + compiled_batch_sizes_text() + " (default 32)"))
      ->check(CLI::IsMember(compiled_batch_sizes));
  run(cmd->add_option("--seed", s.seed,
                      "Random seed: same seed and data, same result with any --threads"))
      ->check(at_least<std::uint64_t>(0));
  add_failure_options(*cmd, s.failure, false);
  for (const char* flag : {"--fail-prob", "--noise", "--rescale", "--fail-in"}) s.run_options.push_back(cmd->get_option(flag));
  cmd->add_option("--minutes", s.minutes,
                  "Time budget of the run, all sessions (default 5 unless --generations is given)")
      ->check(above(0.0, max_minutes));
  cmd->add_option("--generations", s.generations,
                  "Generation budget of the run (total, all sessions)")
      ->check(at_least<std::size_t>(1));
  cmd->add_option("--fine-tune-epochs", s.fine_tune.epochs,
                  "At the end, fine-tune each budget's winner for this many epochs (Adam with "
                  "cosine decay, RigL rewiring at constant size, +-1 px shifts), kept only if "
                  "validation improves; 0: none")
      ->check(number_in<std::size_t>(0, 100000))
      ->capture_default_str();
  cmd->add_option("--fine-tune-lr", s.fine_tune.learning_rate, "Peak learning rate of the fine-tune")
      ->check(above(0.0, max_learning_rate))
      ->capture_default_str();
  cmd->add_option("--teacher", s.teacher,
                  "Model file of a larger network to distil from during the fine-tune "
                  "(train --save), alpha 0.5 and temperature 4 as train uses by default")
      ->check(CLI::ExistingFile);
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

/// While it lives, Ctrl-C stops `run` after its current generation (saved as always); a second
/// Ctrl-C exits at once. One handler per run type, so that a plain function pointer reaches it.
template <class Run>
class StopOnSigint {
 public:
  explicit StopOnSigint(Run& r) {
    run_.store(&r);
    previous_ = std::signal(SIGINT, handle);
  }
  ~StopOnSigint() {
    std::signal(SIGINT, previous_);
    run_.store(nullptr);
  }
  StopOnSigint(const StopOnSigint&) = delete;
  StopOnSigint& operator=(const StopOnSigint&) = delete;

 private:
  static void handle(int) {
    Run* r = run_.load();
    if (r == nullptr || r->stop_requested()) std::_Exit(130);
    r->request_stop();
  }

  static inline std::atomic<Run*> run_{nullptr};
  void (*previous_)(int) = SIG_DFL;
};

/// The options of the chosen preset with the command line's overrides.
inline EvolutionOptions evolution_options(const EvolveSettings& s) {
  EvolutionOptions o = find_evolution_preset(s.preset).options;
  if (s.population) o.population = *s.population;
  if (s.steps) o.steps_per_generation = *s.steps;
  if (s.morph_every) o.morph_every = *s.morph_every;
  if (s.hidden) o.initial_hidden = *s.hidden;
  if (s.hidden_spread) o.spread_initial_hidden = true;
  if (s.max_edges) o.max_edges = *s.max_edges;
  if (s.budgets) {
    o.budgets = *s.budgets;
  } else if (s.max_edges && *s.max_edges > 0 && !o.budgets.empty()) {
    // The cap is a budget, and no budget may exceed it.
    std::erase_if(o.budgets, [&](std::size_t b) { return b >= *s.max_edges; });
    o.budgets.push_back(*s.max_edges);
  }
  if (s.founders) {
    o.layered_founders = *s.founders != "seed";
    if (*s.founders != "trained") o.founder_epochs = 0;
  } else if (s.hidden || s.hidden_spread || s.input_edges) {
    o.layered_founders = false;  // those shape the seed's start
    o.founder_epochs = 0;
  }
  if (s.founder_epochs) {
    if (!o.layered_founders || (s.founders && *s.founders != "trained")) {
      throw UsageError("--founder-epochs trains founders to their budgets; it needs --founders trained");
    }
    o.founder_epochs = *s.founder_epochs;
  } else if (o.founder_epochs > 0 && s.minutes) {
    // Founders must leave time for evolution: 16 founders take about 3.4 s per epoch on 2 threads
    // of a 2-vCPU EPYC (200 epochs: 10:51), so 12 epochs per minute of budget is two thirds of it.
    const double scaled = founder_epochs_per_minute * *s.minutes;
    o.founder_epochs = std::clamp<std::size_t>(static_cast<std::size_t>(std::llround(scaled)), 1, o.founder_epochs);
  }
  if (s.immigrant_every) {
    if (*s.immigrant_every > 0 && !o.layered_founders) {
      throw UsageError("--immigrant-every trains immigrants to their budgets; it needs --founders trained or layered");
    }
    o.immigrant_every = *s.immigrant_every;
  } else if (!o.layered_founders || !s.minutes || *s.minutes < immigrant_minutes) {
    o.immigrant_every = 0;
  }
  if (s.immigrant_epochs) o.immigrant_epochs = *s.immigrant_epochs;
  if (s.input_edges) o.topology.input_edges = *s.input_edges;
  if (s.node_edges) o.topology.new_node_edges_in = o.topology.new_node_edges_out = *s.node_edges;
  if (s.node_rate) o.mutation.node_rate = *s.node_rate;
  if (s.edge_rate) o.mutation.edge_rate = *s.edge_rate;
  if (s.prune_rate) o.mutation.prune_rate = *s.prune_rate;
  if (s.grow_rate) o.mutation.grow_rate = *s.grow_rate;
  if (s.rewire_rate) o.mutation.rewire_rate = *s.rewire_rate;
  if (s.split_rate) o.mutation.split_rate = *s.split_rate;
  if (s.crossover_rate) o.crossover_rate = *s.crossover_rate;
  if (s.prune) {
    o.mutation.prune_policy = *util::parse_enum<EdgeRemoval>(*s.prune);
  }
  if (s.selection) {
    o.selection.method = *util::parse_enum<SelectionMethod>(*s.selection);
  }
  if (s.size_bonus) o.selection.size_bonus = *s.size_bonus;
  if (s.accuracy_window) o.selection.accuracy_window = *s.accuracy_window;
  if (s.dominance_margin) o.selection.dominance_margin = *s.dominance_margin;
  if (s.optimizer) {
    o.optimizer.kind = *util::parse_enum<OptimizerKind>(*s.optimizer);
    const Preset& v02 = find_preset("v02");
    o.optimizer.learning_rate = v02.learning_rate(o.optimizer.kind);
    o.optimizer.epsilon = v02.adam_epsilon;
  }
  if (s.learning_rate) o.optimizer.learning_rate = *s.learning_rate;
  if (s.lr_schedule) o.generation_schedule.decay = *util::parse_enum<LearningRateDecay>(*s.lr_schedule);
  if (s.seed) o.seed = *s.seed;
  o.failure = graph_failure(s.failure, o.seed);
  return o;
}

/// The files a run reads, which no output may overwrite: its data and its checkpoints.
inline std::vector<std::filesystem::path> run_inputs(const std::filesystem::path& data,
                                                     const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> inputs = mnist_files(data);
  const CheckpointFiles files = checkpoint_files(dir);
  inputs.insert(inputs.end(), {files.current, files.previous});
  return inputs;
}

/// Run generations until the budget (or a Ctrl-C), logging after each one.
template <int N>
void evolve_until_budget(EvolutionRun<float, N>& run, const Dataset& train,
                         const Dataset& selection, WorkerPool& pool) {
  const std::filesystem::path& out = run.directory();
  double last_print = -1;
  RunEnd end = RunEnd::budget;
  // Founders and immigrants train from scratch for minutes: those generations get a bar.
  std::optional<ProgressBar> from_scratch;
  auto announce = [&](std::size_t next) {
    const Population<float, N>& p = run.population();
    const EvolutionOptions& o = p.options();
    if (p.is_founding(next)) {
      std::printf("generation 1: training %zu founders to their budgets (%zu epochs each) ...\n",
                  p.members().size(), o.founder_epochs);
    } else if (p.is_immigration(next)) {
      std::printf("generation %zu: training %zu immigrant%s to %s budget%s (%zu epochs each) ...\n", next,
                  o.budgets.size(), o.budgets.size() == 1 ? "" : "s", o.budgets.size() == 1 ? "its" : "their",
                  o.budgets.size() == 1 ? "" : "s", o.immigrant_epochs);
    } else {
      return;
    }
    std::fflush(stdout);
    from_scratch.emplace(p.is_founding(next) ? "  founders" : "  immigrants", "epochs");
    run.on_founder_progress([&](std::size_t done, std::size_t total) { from_scratch->update(done, total); });
  };
  announce(run.population().generation() + 1);
  {
    const StopOnSigint<EvolutionRun<float, N>> ctrl_c(run);
    end = run.run(train, selection, pool, [&](const GenerationReport& report) {
      const bool after_scratch = from_scratch.has_value();
      if (after_scratch) {
        from_scratch->finish();
        from_scratch.reset();
        run.on_founder_progress({});
      }
      write_file_atomically(out / "generations.csv", history_csv(run.population().history()));
      if (after_scratch || report.last || report.elapsed_s - last_print >= 0.5) {  // at most two lines a second
        last_print = report.elapsed_s;
        print_generation(report.stats, report.generations_per_s, report.eta_s);
      }
      if (!report.last && !run.stop_requested()) announce(report.stats.generation + 1);
    });
  }
  if (end == RunEnd::stop_requested) {
    std::printf("stopped by Ctrl-C after generation %zu\n", run.population().generation());
  }
}

}  // namespace detail

/// The splits of the run's data, with the selection set (validation, or its first eval_samples).
struct EvolveData {
  MnistSplits splits;
  Dataset selection;
};

inline EvolveData load_evolve_data(const RunRecord& record) {
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
int run_evolve(const EvolveSettings& s, EvolutionRun<float, N>& run, const EvolveData& data) {
  const Population<float, N>& population = run.population();
  const RunRecord& record = run.record();
  const std::filesystem::path& out = run.directory();
  const EvolutionOptions& o = population.options();
  WorkerPool pool(s.threads);
  std::printf(
      "evolution: preset %s, %zu members, %zu %s (lr %g%s) batches of %d per generation, "
      "mutate every %zu; %s selection; cap %s edges; seed %llu; %zu threads\n",
      record.preset.c_str(), o.population, o.steps_per_generation,
      std::string(to_string(o.optimizer.kind)).c_str(), o.optimizer.learning_rate,
      o.generation_schedule.decay == LearningRateDecay::cosine ? ", cosine within each" : "", N, o.morph_every,
      std::string(to_string(o.selection.method)).c_str(),
      o.max_edges == 0 ? "no" : with_commas(double(o.max_edges)).c_str(),
      static_cast<unsigned long long>(o.seed), pool.threads());
  if (!o.budgets.empty()) {
    std::string list;
    for (const std::size_t b : o.budgets) list += (list.empty() ? "" : ", ") + with_commas(double(b));
    std::printf("edge budgets: %s (a share of the population each; founders %s)\n", list.c_str(),
                o.founder_epochs > 0
                    ? ("trained to their budget for " + std::to_string(o.founder_epochs) + " epochs each").c_str()
                    : o.layered_founders ? "layered at their budget" : "from the seed network");
    if (o.immigrant_every > 0) {
      std::printf("immigrants: every %zu generations, each budget's least accurate member is replaced by a "
                  "network trained to the budget from scratch (%zu epochs, a new seed)\n",
                  o.immigrant_every, o.immigrant_epochs);
    }
  }
  if (o.failure) {
    std::printf("failure: %s; each member its own stream; winners are measured clean\n",
                failure_text(*o.failure).c_str());
  }
  std::printf(
      "budget: %s%s%s\n",
      record.minutes ? (format_duration(*record.minutes * 60) + " wall").c_str() : "",
      record.minutes && record.generations ? " or " : "",
      record.generations ? (std::to_string(*record.generations) + " generations").c_str() : "");
  std::fflush(stdout);
  detail::evolve_until_budget(run, data.splits.train, data.selection, pool);

  std::optional<TeacherProbabilities> teacher;
  if (!s.teacher.empty() && s.fine_tune.epochs > 0) {
    Network<float, 64> teacher_net(load_model<float>(s.teacher).topology);
    teacher.emplace(teacher_net, data.splits.train, s.fine_tune.distillation.temperature);
  }
  auto fine_tune_winner = [&](Network<float, N>& net, std::size_t budget) {
    if (s.fine_tune.epochs == 0) return;
    std::printf("fine-tuning the best within %s edges (%s edges) for %zu epochs%s ...\n",
                with_commas(double(budget)).c_str(), with_commas(double(net.edge_count())).c_str(),
                s.fine_tune.epochs, teacher ? " with the teacher" : "");
    std::fflush(stdout);
    const FineTuneResult r =
        fine_tune(net, data.splits.train, data.splits.validation, s.fine_tune, o.seed + budget,
                  teacher ? &*teacher : nullptr, [](const EpochStats&) {});
    std::printf("  validation %s -> %s (best epoch %zu, %s)\n",
                detail::percent(r.validation_before).c_str(),
                detail::percent(r.validation_after).c_str(), r.best_epoch,
                format_duration(r.wall_s).c_str());
  };
  const detail::ArchiveResult archived =
      detail::measure_archive(run, data.splits, fine_tune_winner);
  const std::vector<detail::FrontEntry>& front = archived.front;
  detail::write_population_files(population, front, out);
  write_text_file(out / "budgets.csv", detail::budgets_csv(archived.budgets, out));
  write_text_file(out / "budget_history.csv",
                  detail::budget_history_csv(population.state().archive));
  detail::plot_with_gnuplot(out);
  // The best network under the cap: the front's most accurate on the whole validation split.
  const detail::FrontEntry& best =
      *std::max_element(front.begin(), front.end(),
                        [](const auto& a, const auto& b) { return a.validation < b.validation; });
  const double wall_s = population.elapsed_s();
  const std::string fingerprint = chaosnet::util::hex64(population_fingerprint(population));
  nlohmann::json front_json = nlohmann::json::array();
  for (const auto& e : front) front_json.push_back(e.to_json());
  nlohmann::json budgets_json = nlohmann::json::array();
  for (const auto& b : archived.budgets) budgets_json.push_back(b.to_json());
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
                                  {"budgets", budgets_json},
                                  {"fingerprint", fingerprint},
                                  {"out", out.string()}};
  write_json_file(out / "summary.json", summary);
  if (!s.json.empty()) write_json_file(s.json, summary);
  std::printf(
      "\nbest of the archive (highest validation accuracy on its front):\n"
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
    RunRecord record{std::filesystem::absolute(s.data),
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
      EvolutionRun<float, N> run(std::move(population), record, s.out);
      return run_evolve<N>(s, run, data);
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
    RunRecord record = RunRecord::from_checkpoint_extra(checkpoint.extra, checkpoint.file);
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
    EvolutionRun<float, N> run(std::move(checkpoint.population), record, s.resume);
    return run_evolve<N>(s, run, data);
  });
}

}  // namespace chaosnet::cli
