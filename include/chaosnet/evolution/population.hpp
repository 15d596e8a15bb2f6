#pragma once

// A population of networks trained by gradient descent between structural mutations (seed
// v0.2, done honestly). One generation: every member trains the same batches, then is scored on
// the validation split; every morph_every generations each parent first gets a mutated clone
// that keeps its trained weights and optimizer state (Lamarckian), and selection keeps
// `population` of parents and children. Members train in parallel, one per thread; each member
// has its own random stream and the batches come from the population's, so a seed gives the
// same population whatever the thread count.

#include <chaosnet/data/batch_sampler.hpp>
#include <chaosnet/data/dataset.hpp>
#include <chaosnet/evolution/budget_archive.hpp>
#include <chaosnet/evolution/crossover.hpp>
#include <chaosnet/evolution/generation_stats.hpp>
#include <chaosnet/evolution/guided_mutation.hpp>
#include <chaosnet/evolution/mutation.hpp>
#include <chaosnet/evolution/selection.hpp>
#include <chaosnet/evolution/worker_pool.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/sparse/layered_start.hpp>
#include <chaosnet/sparse/train_to_budget.hpp>
#include <chaosnet/train/evaluate.hpp>
#include <chaosnet/train/learning_rate.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/train/training_step.hpp>
#include <chaosnet/util/fnv1a.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet {

/// Everything that defines an evolution run (checkpoints store it, and a resumed run uses it).
struct EvolutionOptions {
  std::size_t population = 10;             ///< members kept by each selection
  std::size_t steps_per_generation = 500;  ///< training batches per member and generation
  std::size_t morph_every = 10;            ///< clone and mutate in every this-many-th generation
  std::size_t initial_hidden = 0;          ///< Normal nodes added to each starting network
  /// Give founding member i of P initial_hidden · i / (P − 1) Normal nodes instead, so the first
  /// population spans every size from the bare seed network to the largest.
  bool spread_initial_hidden = false;
  std::size_t max_edges = 0;  ///< no member ever has more edges; 0: no cap
  /// Edge budgets, strictly increasing. Each member works for one of them (founders in turn,
  /// children their parent's), is capped at it, and selection keeps a share of the population
  /// per budget so that none starves. Empty: every member works for the cap alone.
  std::vector<std::size_t> budgets{};
  /// Founders of a budget B start as the sparse-training start at B: one hidden layer of B/20
  /// nodes and B edges with Erdős–Rényi densities (sparse/layered_start.hpp), instead of the
  /// seed's input→leaf network. Only with budgets.
  bool layered_founders = false;
  /// With layered_founders: the first generation trains every founder to its budget from scratch
  /// for this many epochs, as `chaosnet train --edges B` does (sparse/train_to_budget.hpp), instead
  /// of the generation's batches; 0: founders start untrained.
  std::size_t founder_epochs = 0;
  /// With layered_founders: in every generation after the first that is a multiple of this, the
  /// least accurate member of each budget makes way for an immigrant, a network trained to that
  /// budget from scratch for immigrant_epochs with a seed of its own (another `chaosnet train
  /// --edges B --seed S`). Independent restarts selected by validation beat evolving the first
  /// founders at equal time (README), so a run keeps taking them in. 0: no immigrants.
  std::size_t immigrant_every = 0;
  std::size_t immigrant_epochs = 200;  ///< each immigrant's training, in epochs
  /// Each child is, with this probability, the crossover of its parent with another parent of
  /// the same budget (the better of the two as `better`) before it is mutated.
  double crossover_rate = 0;
  /// Batches (the generation's first) whose candidate gradients guide grow_rate / rewire_rate.
  std::size_t gradient_batches = 4;
  TopologyOptions topology;   ///< starting networks, and the edges of new nodes
  MutationOptions mutation;
  SelectionOptions selection;
  OptimizerOptions optimizer;
  /// The learning rate within each generation's training, restarted every generation: constant,
  /// or a cosine from optimizer.learning_rate down to its floor (a warm restart per generation,
  /// Loshchilov & Hutter's SGDR), so that members are scored at the end of a decay.
  LearningRateSchedule generation_schedule{};
  /// Fail and perturb every member's hidden nodes as it trains and is scored (seed 002). Each
  /// member draws from its own stream, seeded by (failure->seed, member id), restarted at pass
  /// generation·2³² every generation, so masks do not depend on threads and a checkpoint
  /// resumes them exactly. The archive keeps networks clean: winners are measured without it.
  std::optional<NodeFailure> failure{};
  std::uint64_t seed = 1;
};

/// Throws std::invalid_argument, naming the setting, for options no run can use.
inline void check_evolution_options(const EvolutionOptions& options) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("chaosnet::EvolutionOptions: " + what);
  };
  if (options.population < 2) {
    fail("population must be at least 2, got " + std::to_string(options.population));
  }
  if (options.steps_per_generation == 0) fail("steps_per_generation must be at least 1");
  if (options.failure) check_node_failure(*options.failure);
  if (options.morph_every == 0) fail("morph_every must be at least 1");
  if (!(options.selection.size_bonus >= 0) || !std::isfinite(options.selection.size_bonus)) {
    fail("selection.size_bonus must be finite and not negative");
  }
  if (!(options.selection.accuracy_window >= 0 && options.selection.accuracy_window <= 1)) {
    fail("selection.accuracy_window must lie in [0, 1]");
  }
  if (!(options.selection.dominance_margin >= 0 && options.selection.dominance_margin <= 1)) {
    fail("selection.dominance_margin must lie in [0, 1]");
  }
  for (std::size_t i = 0; i < options.budgets.size(); ++i) {
    const std::size_t b = options.budgets[i];
    if (b == 0 || (i > 0 && b <= options.budgets[i - 1])) {
      fail("budgets must be at least 1 and strictly increasing");
    }
    if (options.max_edges != 0 && b > options.max_edges) {
      fail("budget " + std::to_string(b) + " is above the cap max_edges = " +
           std::to_string(options.max_edges));
    }
  }
  if (!(options.crossover_rate >= 0 && options.crossover_rate <= 1)) {
    fail("crossover_rate must lie in [0, 1]");
  }
  if (options.gradient_batches == 0) fail("gradient_batches must be at least 1");
  const LearningRateSchedule& schedule = options.generation_schedule;
  if (!(schedule.warmup >= 0 && schedule.warmup < 1) || !(schedule.floor >= 0 && schedule.floor <= 1)) {
    fail("generation_schedule: warmup must lie in [0, 1) and floor in [0, 1]");
  }
  if (options.layered_founders && options.budgets.empty()) {
    fail("layered_founders needs budgets (the start is sized to each)");
  }
  if (options.founder_epochs > 0 && !options.layered_founders) {
    fail("founder_epochs needs layered_founders (founders are trained to their budget)");
  }
  if (options.immigrant_every > 0 && !options.layered_founders) {
    fail("immigrant_every needs layered_founders (immigrants are trained to their budget)");
  }
  if (options.immigrant_every > 0 && options.immigrant_epochs == 0) {
    fail("immigrant_epochs must be at least 1 when immigrant_every is set");
  }
  if (options.population < options.budgets.size()) {
    fail("population " + std::to_string(options.population) + " is smaller than the " +
         std::to_string(options.budgets.size()) + " budgets (each needs a member)");
  }
  check_mutation_options(options.mutation);
  Optimizer<float> check(options.optimizer);  // validates the learning rate
}

/// One network of the population with its training state and lineage.
template <class T, int N>
struct Member {
  std::uint64_t id = 0;       ///< unique within the run, never reused
  std::uint64_t parent = 0;   ///< the id it was cloned from; 0 for a founding member
  std::size_t born = 0;       ///< the generation that created it (0: founding)
  std::size_t mutations = 0;  ///< mutations along its lineage
  Network<T, N> network;
  Optimizer<T> optimizer;
  Rng rng;                ///< its own stream: mutations draw from it
  double accuracy = 0;    ///< validation accuracy at its last evaluation
  double train_loss = 0;  ///< mean loss of its last generation's training
  bool diverged = false;  ///< its last training hit a non-finite loss
  std::size_t budget = 0;  ///< the edge budget it works for, its cap; 0: the run's cap

  [[nodiscard]] Fitness fitness() const { return {accuracy, network.edge_count()}; }
};

/// The complete state of a population between generations: what a checkpoint stores.
template <class T, int N>
struct PopulationState {
  std::vector<Member<T, N>> members;
  Rng batch_rng;               ///< draws every generation's batches
  std::size_t generation = 0;  ///< generations completed
  std::uint64_t next_member_id = 1;
  std::vector<GenerationStats> history;
  BudgetArchive<T, N> archive;  ///< every network ever on the front, and the best per budget
};

/// The largest network an archive of a run with `options` keeps: its largest budget, else its cap.
inline std::size_t archive_limit(const EvolutionOptions& options) {
  return options.budgets.empty() ? options.max_edges : options.budgets.back();
}

/// A population of networks evolving together (see the file comment): construct it from
/// options or from a checkpoint's state, then call evolve() once per generation.
template <class T, int N>
class Population {
 public:
  /// `options.population` founding members, each Network(inputs, outputs) as the topology
  /// options say (seed v0.2: ~100 input→leaf edges) plus options.initial_hidden Normal nodes
  /// (or a spread of them, see spread_initial_hidden), capped at options.max_edges.
  Population(EvolutionOptions options, std::size_t inputs, std::size_t outputs)
      : options_(std::move(options)) {
    check_evolution_options(options_);
    state_.batch_rng = util::derive_rng(options_.seed, 0, 1);  // member ids start at 1
    state_.archive = BudgetArchive<T, N>(options_.budgets, archive_limit(options_));
    const std::size_t budget_count = options_.budgets.size();
    for (std::size_t i = 0; i < options_.population; ++i) {
      const std::uint64_t id = state_.next_member_id++;
      Rng rng = util::derive_rng(options_.seed, id);
      const std::size_t budget = budget_count > 0 ? options_.budgets[i % budget_count] : 0;
      Network<T, N> net = founding_network(i, budget, inputs, outputs, rng);
      Member<T, N> founder{id, 0, 0, 0, std::move(net), Optimizer<T>(options_.optimizer),
                           std::move(rng)};
      founder.budget = budget;
      enforce_edge_cap(founder.network, cap_of(founder), founder.rng);
      state_.members.push_back(std::move(founder));
    }
  }

  /// A population from a saved state (see checkpoint.hpp).
  Population(EvolutionOptions options, PopulationState<T, N> state)
      : options_(std::move(options)), state_(std::move(state)) {
    check_evolution_options(options_);
    if (state_.members.empty()) throw std::invalid_argument("chaosnet::Population: no members");
  }

  /// Run one generation: draw the batches, clone and mutate if it is a morph generation, train
  /// every member on the batches in parallel over `pool`, score each on `validation`, select.
  /// `validation` is the validation split (or a fixed part of it), never the test set. Throws
  /// std::runtime_error if every member diverged (non-finite loss); after an exception the
  /// population is unusable, continue from a checkpoint.
  const GenerationStats& evolve(const Dataset& train, const Dataset& validation, WorkerPool& pool) {
    check_fits(state_.members.front().network, train, "training");
    check_fits(state_.members.front().network, validation, "validation");
    if (validation.empty()) {
      throw std::invalid_argument("chaosnet::Population: empty validation set");
    }
    const auto start = std::chrono::steady_clock::now();
    const std::size_t generation = state_.generation + 1;
    const bool founding = is_founding(generation);
    const bool immigration = is_immigration(generation);
    const bool morph = !founding && generation % options_.morph_every == 0;
    const std::vector<std::uint32_t> batches = draw_batches(train.size());

    std::vector<Member<T, N>> candidates = std::move(state_.members);
    const std::size_t parents = candidates.size();
    candidates.reserve(2 * parents);
    if (morph) {
      for (std::size_t i = 0; i < parents; ++i) {
        candidates.push_back(make_child(candidates, i, generation));
      }
      if (options_.crossover_rate > 0) give_children_own_node_ids(candidates, parents);
    }
    // After the children are made, so that no immigrant is cloned before it is trained.
    std::vector<bool> immigrant(candidates.size(), false);
    if (immigration) {
      for (const std::size_t i : admit_immigrants(candidates, parents, generation)) immigrant[i] = true;
    }
    // Longest first so that one long job does not finish last: immigrants (trained from
    // scratch), then by size. The order changes nothing else.
    std::vector<std::size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (immigrant[a] != immigrant[b]) return static_cast<bool>(immigrant[a]);
      return candidates[a].network.edge_count() > candidates[b].network.edge_count();
    });
    const std::size_t from_scratch =
        founding ? candidates.size() * options_.founder_epochs
                 : static_cast<std::size_t>(std::count(immigrant.begin(), immigrant.end(), true)) *
                       options_.immigrant_epochs;
    FounderProgress progress(founder_progress_, from_scratch);
    pool.run(order.size(), [&](std::size_t k) {
      Member<T, N>& m = candidates[order[k]];
      fail_nodes_of(m, generation);  // first: guided mutation runs the network too
      if (order[k] >= parents) mutate_member(m, batches, train);
      if (founding) {
        train_founder(m, train, validation, options_.founder_epochs, progress);
      } else if (immigrant[order[k]]) {
        train_founder(m, train, validation, options_.immigrant_epochs, progress);
      } else {
        train_member(m, batches, train);
      }
      m.accuracy = m.diverged ? 0.0 : evaluate_accuracy(m.network, validation);
    });

    GenerationStats stats;
    stats.generation = generation;
    stats.morphed = morph;
    stats.trained = candidates.size();
    for (const Member<T, N>& m : candidates) {
      if (!m.diverged) state_.archive.offer(m.id, generation, m.accuracy, m.network);
    }
    state_.archive.close_generation(generation);
    state_.members = select(candidates, parents, morph, stats.diverged);
    if (state_.members.empty()) {
      throw std::runtime_error(
          "every member of the population diverged (non-finite loss) in generation " +
          std::to_string(generation) + "; use a smaller learning rate");
    }
    state_.generation = generation;
    summarize(stats);
    const auto end = std::chrono::steady_clock::now();
    stats.seconds = std::chrono::duration<double>(end - start).count();
    stats.elapsed_s = elapsed_s();
    session_mark_ = end;
    state_.history.push_back(stats);
    return state_.history.back();
  }

  /// Called as founders or immigrants train to their budgets with (epochs done over all of them,
  /// epochs in all), from the worker threads one at a time; e.g. for a progress bar.
  void on_founder_progress(std::function<void(std::size_t, std::size_t)> report) {
    founder_progress_ = std::move(report);
  }

  /// Whether `generation` (1-based) is the founding one: with founder_epochs it trains the
  /// founders to their budgets and does nothing else, and it lasts far longer than the rest.
  [[nodiscard]] bool is_founding(std::size_t generation) const {
    return generation == 1 && options_.founder_epochs > 0;
  }
  /// Whether `generation` (1-based) takes in immigrants (see immigrant_every).
  [[nodiscard]] bool is_immigration(std::size_t generation) const {
    return options_.immigrant_every > 0 && generation > 1 && generation % options_.immigrant_every == 0;
  }
  /// How long `generation` will take, judged by the last completed generation of its kind
  /// (immigration or not; the founding one is like no other), and for the first immigration by
  /// the founding generation scaled to the immigrants' epochs; 0 with nothing to judge by.
  [[nodiscard]] double predicted_seconds(std::size_t generation) const {
    const bool immigration = is_immigration(generation);
    for (auto it = state_.history.rbegin(); it != state_.history.rend(); ++it) {
      if (!is_founding(it->generation) && is_immigration(it->generation) == immigration) return it->seconds;
    }
    const auto& history = state_.history;
    if (!immigration || history.empty() || !is_founding(history.front().generation)) return 0;
    const double founding_epochs = static_cast<double>(options_.population * options_.founder_epochs);
    const double immigrant_epochs = static_cast<double>(options_.budgets.size() * options_.immigrant_epochs);
    return history.front().seconds * immigrant_epochs / founding_epochs;
  }

  [[nodiscard]] const EvolutionOptions& options() const { return options_; }
  [[nodiscard]] const PopulationState<T, N>& state() const { return state_; }
  /// The members, in the order the last selection ranked them.
  [[nodiscard]] std::span<const Member<T, N>> members() const { return state_.members; }
  /// Generations completed.
  [[nodiscard]] std::size_t generation() const { return state_.generation; }
  /// One entry per completed generation.
  [[nodiscard]] std::span<const GenerationStats> history() const { return state_.history; }
  /// Wall time of the run so far: the elapsed_s of the last generation plus the time since it
  /// ended (or since this object was made, in a new session).
  [[nodiscard]] double elapsed_s() const {
    const double before = state_.history.empty() ? 0.0 : state_.history.back().elapsed_s;
    return before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - session_mark_).count();
  }

  /// Every member's fitness, in member order.
  [[nodiscard]] std::vector<Fitness> fitness() const {
    std::vector<Fitness> f;
    for (const auto& m : state_.members) f.push_back(m.fitness());
    return f;
  }
  /// The index of the most accurate member within the cap (fewer edges, then member order,
  /// break ties).
  [[nodiscard]] std::size_t best_index() const {
    std::size_t best = 0;
    for (std::size_t i = 1; i < state_.members.size(); ++i) {
      const Fitness a = state_.members[i].fitness(), b = state_.members[best].fitness();
      if (a.accuracy > b.accuracy || (a.accuracy == b.accuracy && a.edges < b.edges)) best = i;
    }
    return best;
  }
  /// Indices of the members on the Pareto front (accuracy ↑, edges ↓), fewest edges first.
  [[nodiscard]] std::vector<std::size_t> front() const {
    return pareto_front(fitness(), options_.max_edges);
  }

 private:
  /// steps_per_generation × N sample indices, from a sampler shuffled afresh each generation
  /// with the population's stream: no sample repeats within a generation while they last.
  std::vector<std::uint32_t> draw_batches(std::size_t train_size) {
    BatchSampler sampler(train_size, static_cast<std::size_t>(N));
    std::vector<std::uint32_t> indices;
    indices.reserve(options_.steps_per_generation * static_cast<std::size_t>(N));
    for (std::size_t s = 0; s < options_.steps_per_generation; ++s) {
      const auto batch = sampler.next(state_.batch_rng);
      indices.insert(indices.end(), batch.begin(), batch.end());
    }
    return indices;
  }

  /// A clone of parents[i] with its weights and optimizer state, or (crossover_rate) the
  /// crossover of it and another parent of its budget, the better one's state carried over.
  Member<T, N> make_child(const std::vector<Member<T, N>>& parents, std::size_t i,
                          std::size_t generation) {
    const Member<T, N>& parent = parents[i];
    const std::uint64_t id = state_.next_member_id++;
    Member<T, N> child{id,
                       parent.id,
                       generation,
                       parent.mutations + 1,
                       parent.network,
                       parent.optimizer,
                       util::derive_rng(options_.seed, id)};
    child.budget = parent.budget;
    if (options_.crossover_rate > 0 &&
        util::uniform_real(child.rng, 0.0, 1.0) < options_.crossover_rate) {
      std::vector<std::size_t> mates;
      for (std::size_t j = 0; j < parents.size(); ++j) {
        if (j != i && parents[j].budget == parent.budget && !parents[j].diverged) mates.push_back(j);
      }
      if (!mates.empty()) {
        const Member<T, N>& mate = parents[mates[util::uniform_index(child.rng, mates.size())]];
        const bool parent_better = parent.accuracy >= mate.accuracy;
        const Member<T, N>& better = parent_better ? parent : mate;
        const Member<T, N>& other = parent_better ? mate : parent;
        child.parent = better.id;
        child.optimizer = better.optimizer;
        child.network = Network<T, N>(
            crossover<T>(better.network, other.network, child.rng, 0.5, cap_of(child)));
      }
    }
    return child;
  }

  /// Crossover aligns nodes by id, so two lineages must never give one id to different new
  /// nodes: each child gets its own range above every id in use, wide enough for one mutation
  /// (which adds fewer nodes than the network has nodes and edges).
  void give_children_own_node_ids(std::vector<Member<T, N>>& candidates,
                                  std::size_t parents) const {
    NodeId next = 0;
    for (const Member<T, N>& m : candidates) next = std::max(next, m.network.next_node_id());
    for (std::size_t i = parents; i < candidates.size(); ++i) {
      Network<T, N>& net = candidates[i].network;
      net.reserve_node_ids(next);
      next += static_cast<NodeId>(net.node_count() + net.edge_count() + 1);
    }
  }

  /// Mutate a new child: the seed's operators, and the gradient-guided ones with the candidate
  /// gradients of the generation's first batches on the child as it is.
  void mutate_member(Member<T, N>& m, std::span<const std::uint32_t> batches,
                     const Dataset& train) const {
    const MutationOptions& o = options_.mutation;
    if (o.grow_rate > 0 || o.rewire_rate > 0) {
      const std::size_t n = static_cast<std::size_t>(N);
      const std::size_t use = std::min(options_.gradient_batches, batches.size() / n);
      const CandidateGradients<T> g = candidate_gradients_on(m.network, train, batches.first(use * n));
      mutate_guided(m.network, o, m.rng, cap_of(m), &g);
    } else {
      mutate_guided(m.network, o, m.rng, cap_of(m), nullptr);
    }
  }

  /// The most edges member `m` may have: its budget, else the run's cap (0: none).
  [[nodiscard]] std::size_t cap_of(const Member<T, N>& m) const {
    return m.budget != 0 ? m.budget : options_.max_edges;
  }

  /// Founder i's starting network: the sparse layered start at its budget, or the seed's
  /// input→leaf network with its hidden nodes.
  Network<T, N> founding_network(std::size_t i, std::size_t budget, std::size_t inputs, std::size_t outputs,
                                 Rng& rng) const {
    if (options_.founder_epochs > 0) {
      // train_founder builds its own network in the founding generation: keep a placeholder.
      return Network<T, N>(inputs, outputs);
    }
    if (options_.layered_founders) {
      // The sparse-training shape at the budget itself: no start multiple, nothing to prune.
      const SparseTrainingOptions shape{.start_multiple = 1};
      return Network<T, N>(layered_start<T>(inputs, outputs, budget_start_shape(inputs, outputs, budget, shape), rng));
    }
    Network<T, N> net(inputs, outputs, rng, options_.topology);
    const std::size_t hidden = options_.spread_initial_hidden
                                   ? options_.initial_hidden * i / (options_.population - 1)
                                   : options_.initial_hidden;
    if (hidden > 0) add_nodes(net, NodeKind::normal, hidden, rng);
    return net;
  }

  /// Replace the least accurate parent of each budget (the last of equals) by an untrained
  /// immigrant, born in `generation` with a new id; returns their indices.
  std::vector<std::size_t> admit_immigrants(std::vector<Member<T, N>>& candidates, std::size_t parents,
                                            std::size_t generation) {
    std::vector<std::size_t> admitted;
    for (const std::size_t budget : options_.budgets) {
      std::optional<std::size_t> worst;
      for (std::size_t i = 0; i < parents; ++i) {
        if (candidates[i].budget != budget) continue;
        if (!worst || candidates[i].accuracy <= candidates[*worst].accuracy) worst = i;
      }
      if (!worst) continue;
      Member<T, N>& old = candidates[*worst];
      const std::uint64_t id = state_.next_member_id++;
      Member<T, N> newcomer{id, 0, generation, 0,
                            Network<T, N>(old.network.input_count(), old.network.output_count()),
                            Optimizer<T>(options_.optimizer), util::derive_rng(options_.seed, id)};
      newcomer.budget = budget;
      old = std::move(newcomer);
      admitted.push_back(*worst);
    }
    return admitted;
  }

  /// Reports founder epochs to on_founder_progress, serialised.
  struct FounderProgress {
    FounderProgress(const std::function<void(std::size_t, std::size_t)>& r, std::size_t epochs)
        : report(r), total(epochs) {}
    const std::function<void(std::size_t, std::size_t)>& report;
    std::size_t total;
    std::size_t done = 0;
    std::mutex mutex;
    void epoch() {
      if (!report) return;
      const std::lock_guard lock(mutex);
      report(++done, total);
    }
  };

  /// A founder's or immigrant's training: a new network trained to the member's budget from its
  /// own seed (as `chaosnet train --edges` would with that seed), kept at its best validation
  /// epoch within the budget.
  /// Member m's node failure (EvolutionOptions::failure), on its own stream: a clone or a
  /// crossover child gets its own. fail_nodes_of() sets it and restarts the pass counter for
  /// `generation`, re-recording only when the stream's seed changes.
  [[nodiscard]] std::optional<NodeFailure> failure_of(const Member<T, N>& m) const {
    if (!options_.failure) return std::nullopt;
    NodeFailure f = *options_.failure;
    f.seed = util::counter_hash(options_.failure->seed, m.id);
    return f;
  }
  void fail_nodes_of(Member<T, N>& m, std::size_t generation) const {
    const std::optional<NodeFailure> f = failure_of(m);
    if (!f) return;
    const auto& current = m.network.node_failure();
    if (!current || current->seed != f->seed) m.network.set_node_failure(f);
    m.network.set_noise_draw(static_cast<std::uint64_t>(generation) << 32);
  }

  void train_founder(Member<T, N>& m, const Dataset& train, const Dataset& validation,
                     std::size_t epochs, FounderProgress& progress) const {
    SparseTrainingOptions sparse;
    sparse.epochs = epochs;
    sparse.failure = failure_of(m);
    const std::uint64_t seed = util::counter_hash(options_.seed, m.id, 0xf0);
    SparseTrainingResult<T, N> trained = train_to_budget<T, N>(
        m.network.input_count(), m.network.output_count(), m.budget, train, validation, sparse, seed,
        [&](const EpochStats&) { progress.epoch(); });
    m.diverged = !trained.ok();
    m.train_loss = trained.training.epochs.empty() ? 0.0 : trained.training.epochs.back().train_loss;
    if (!m.diverged) m.network = std::move(trained.network);
  }

  void train_member(Member<T, N>& m, std::span<const std::uint32_t> batches,
                    const Dataset& train) const {
    constexpr auto n = static_cast<std::size_t>(N);
    DatasetBatch<N> batch;
    double loss_sum = 0;
    m.diverged = false;
    const std::size_t steps = batches.size() / n;
    for (std::size_t s = 0; s < steps; ++s) {
      m.optimizer.set_learning_rate(
          scheduled_learning_rate(options_.optimizer.learning_rate, options_.generation_schedule, s, steps));
      batch.fill(train, batches.subspan(s * n, n));
      const StepResult<T> step = training_step(m.network, m.optimizer, batch);
      if (!step.stepped()) {
        m.diverged = true;
        break;
      }
      loss_sum += static_cast<double>(step.loss);
    }
    // The last step may have overflowed without a loss to show it yet.
    const auto params = m.network.parameter_values();
    m.diverged = m.diverged ||
                 !std::all_of(params.begin(), params.end(), [](T p) { return std::isfinite(p); });
    m.train_loss = loss_sum / static_cast<double>(steps);
  }

  /// The survivors of seed or Pareto selection among the members that did not diverge and are
  /// within their cap, in selection order (seed: the kept parents, then the kept children, each
  /// best first; Pareto: front by front). With budgets, each budget's members compete only with
  /// each other for that budget's share of the population, budget by budget. Without a morph,
  /// everyone eligible stays, re-ordered.
  std::vector<Member<T, N>> select(std::vector<Member<T, N>>& candidates, std::size_t parents,
                                   bool morph, std::size_t& diverged) const {
    for (const Member<T, N>& m : candidates) diverged += m.diverged ? 1 : 0;
    const std::size_t groups = std::max<std::size_t>(1, options_.budgets.size());
    std::vector<std::size_t> chosen;
    for (std::size_t g = 0; g < groups; ++g) {
      std::vector<std::size_t> eligible;
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        const Member<T, N>& m = candidates[i];
        const bool in_group = options_.budgets.empty() || m.budget == options_.budgets[g];
        if (in_group && !m.diverged && within_cap(m.fitness(), cap_of(m))) eligible.push_back(i);
      }
      const std::size_t share =
          options_.population / groups + (g < options_.population % groups ? 1 : 0);
      const std::vector<std::size_t> kept = select_among(candidates, eligible, parents,
                                                         morph ? share : eligible.size(), morph);
      chosen.insert(chosen.end(), kept.begin(), kept.end());
    }
    std::vector<Member<T, N>> survivors;
    survivors.reserve(chosen.size());
    for (const std::size_t i : chosen) survivors.push_back(std::move(candidates[i]));
    return survivors;
  }

  /// `keep` of the `eligible` candidates (indices below `parents` are parents), in selection
  /// order, by the run's selection method.
  std::vector<std::size_t> select_among(const std::vector<Member<T, N>>& candidates,
                                        const std::vector<std::size_t>& eligible,
                                        std::size_t parents, std::size_t keep, bool morph) const {
    auto fitness_of = [&](std::span<const std::size_t> which) {
      std::vector<Fitness> f;
      for (const std::size_t i : which) f.push_back(candidates[i].fitness());
      return f;
    };
    std::vector<std::size_t> chosen;
    if (options_.selection.method == SelectionMethod::pareto) {
      for (const std::size_t k : select_pareto(fitness_of(eligible), keep, 0, options_.selection)) {
        chosen.push_back(eligible[k]);
      }
      return chosen;
    }
    const auto split = std::partition_point(eligible.begin(), eligible.end(),
                                            [&](std::size_t i) { return i < parents; });
    const std::vector<std::size_t> old(eligible.begin(), split), young(split, eligible.end());
    const std::size_t keep_parents = morph ? (keep + 1) / 2 : old.size();
    const SeedSurvivors s =
        select_seed(fitness_of(old), fitness_of(young), keep_parents,
                    keep - std::min(keep, keep_parents), options_.selection.size_bonus);
    for (const std::size_t k : s.parents) chosen.push_back(old[k]);
    for (const std::size_t k : s.children) chosen.push_back(young[k]);
    return chosen;
  }

  void summarize(GenerationStats& stats) const {
    const auto& members = state_.members;
    const Member<T, N>& best = members[best_index()];
    stats.best_id = best.id;
    stats.best_accuracy = best.accuracy;
    stats.best_edges = best.network.edge_count();
    stats.best_parameters = best.network.parameter_count();
    stats.front_size = front().size();
    stats.min_edges = best.network.edge_count();
    stats.max_edges = 0;
    for (const auto& m : members) {
      stats.mean_accuracy += m.accuracy / static_cast<double>(members.size());
      stats.mean_edges +=
          static_cast<double>(m.network.edge_count()) / static_cast<double>(members.size());
      stats.min_edges = std::min(stats.min_edges, m.network.edge_count());
      stats.max_edges = std::max(stats.max_edges, m.network.edge_count());
    }
  }

  EvolutionOptions options_;
  PopulationState<T, N> state_;
  std::function<void(std::size_t, std::size_t)> founder_progress_;
  std::chrono::steady_clock::time_point session_mark_ = std::chrono::steady_clock::now();
};

/// A 64-bit digest of everything that determines how a population continues: every member's
/// lineage, budget, topology, parameters (bit patterns), optimizer state and random stream, the
/// batch stream, the counters and the archive. Equal digests mean bit-identical populations
/// (for tests and for checking that a resumed run matches an uninterrupted one).
template <class T, int N>
std::uint64_t population_fingerprint(const Population<T, N>& population) {
  util::Fnv1a64 hash;
  auto mix = [&](std::uint64_t value) { hash.add_word(value); };
  auto mix_real = [&](auto value) {
    mix(std::bit_cast<std::uint64_t>(static_cast<double>(value)));
  };
  auto mix_network = [&](const Network<T, N>& network) {
    auto data = network.to_data();
    for (const auto& n : data.nodes) {
      mix(n.id);
      mix(static_cast<std::uint64_t>(n.kind));
      mix(n.bias_id);
      mix_real(n.bias);
    }
    // Each node's in-edge order is an implementation detail (compaction sorts it): sort.
    std::sort(data.edges.begin(), data.edges.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& e : data.edges) {
      mix(e.from);
      mix(e.to);
      mix(e.id);
      mix_real(e.weight);
    }
  };
  const auto& state = population.state();
  mix(state.generation);
  mix(state.next_member_id);
  Rng batch_rng = state.batch_rng;
  mix(batch_rng());
  for (const auto& m : state.members) {
    mix(m.id);
    mix(m.parent);
    mix(m.born);
    mix(m.mutations);
    mix_real(m.accuracy);
    Rng rng = m.rng;
    mix(rng());
    mix(m.budget);
    mix_network(m.network);
    Optimizer<T> optimizer = m.optimizer;
    auto saved = optimizer.state(m.network);
    std::sort(saved.begin(), saved.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    mix(optimizer.steps());
    for (const auto& [id, s] : saved) {
      mix(id);
      mix_real(s.first);
      mix_real(s.second);
      mix_real(s.beta1_power);
      mix_real(s.beta2_power);
    }
  }
  for (const ArchiveEntry<T, N>& e : state.archive.front()) {
    mix(e.member);
    mix(e.generation);
    mix_real(e.accuracy);
    mix_network(e.network);
  }
  for (const auto& row : state.archive.history()) {
    mix(row.generation);
    for (const double best : row.best) mix_real(best);
  }
  return hash.value();
}

}  // namespace chaosnet
