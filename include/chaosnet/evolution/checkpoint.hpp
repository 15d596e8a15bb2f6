#pragma once

// Checkpoints of a population: everything a run needs to continue exactly as if it had never
// stopped (options, every member's topology, parameters, optimizer state and random stream,
// the batch stream, counters, history), written atomically after every generation. A run
// killed at any moment resumes from the last complete checkpoint with bit-identical results.
//
// The files of the run's directory are the rotation "checkpoint" (io/checksummed_file.hpp):
//   checkpoint.json       the newest checkpoint
//   checkpoint.prev.json  the one before it, the fallback when the newest is damaged
//   checkpoint.bad.json   a damaged newest checkpoint, moved aside rather than overwritten
// each a header that guards the body against truncation and damage, around the body:
//
//     {"format":"chaosnet-evolution-checkpoint","version":1,"bytes":B,"fnv1a64":"<16 hex>",
//      "body":{...}}
//
// This header holds the body's schema and the entry points that save and load it. The body holds
// "generator", "scalar", "batch", "options", "generation", "next_member_id", "batch_rng"
// (std::mt19937_64's standard text form), "history", "extra" (the caller's own object),
// "archive" ({"front": [{"member", "generation", "accuracy", "topology"}, ...], "history":
// [[generation, best accuracy per budget...], ...]}, see budget_archive.hpp) and "members" (each
// with its lineage, "budget", "rng", "topology" as in model files, and "optimizer": {"steps",
// "state": [[id, first, second, beta1_power, beta2_power], ...]}). Numbers are written so that
// they read back to the same bits. There is no batch-sampler state to store: every generation
// shuffles a fresh sampler from "batch_rng" (see Population::evolve). Version 1 files (before
// budgets and the archive) are refused by the frame with the version they hold.
//
// About 500 lines: one file format, its writer and its reader side by side so that they stay
// in step.

#include <chaosnet/evolution/generation_stats.hpp>
#include <chaosnet/evolution/population.hpp>
#include <chaosnet/io/checksummed_file.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/io/json_writer.hpp>
#include <chaosnet/io/model_file.hpp>
#include <chaosnet/version.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace chaosnet {

inline constexpr std::string_view checkpoint_format = "chaosnet-evolution-checkpoint";
inline constexpr std::uint64_t checkpoint_format_version = 2;  ///< 2: budgets and the archive

/// The frame of checkpoint files.
inline constexpr ChecksummedFormat checkpoint_file_format{
    checkpoint_format, checkpoint_format_version, "chaosnet evolution checkpoint", "checkpoint"};

/// A checkpoint that is missing, unreadable, truncated, damaged or inconsistent, or that cannot
/// be written. what() is "<path>: <problem>".
class CheckpointError : public FileError {
 public:
  using FileError::FileError;
};

/// The files of a run directory: checkpoint.json, checkpoint.prev.json, checkpoint.bad.json.
using CheckpointFiles = RotatedFiles;

/// The name of the checkpoint rotation in a run directory.
inline constexpr std::string_view checkpoint_stem = "checkpoint";

/// The checkpoint files of the run directory `dir`.
inline CheckpointFiles checkpoint_files(const std::filesystem::path& dir) {
  return rotated_files(dir, checkpoint_stem);
}

/// A population read back from a checkpoint.
template <class T, int N>
struct Checkpoint {
  Population<T, N> population;
  nlohmann::json extra;        ///< the object the caller saved with it
  std::filesystem::path file;  ///< the file it came from
  std::string warning;         ///< why the newest checkpoint was passed over, if it was
};

/// The state of `rng` as checkpoints hold it: std::mt19937_64's standard text form.
inline std::string rng_to_text(const Rng& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

namespace detail {

inline Rng rng_from_json(const nlohmann::json& object, const JsonPlace& at, std::string_view name) {
  std::istringstream in(read_field<std::string>(object, at, name));
  Rng rng;
  in >> rng;
  if (in.fail() || !(in >> std::ws).eof()) {
    at.key(name).fail("is not the text of a std::mt19937_64 state");
  }
  return rng;
}

inline nlohmann::json history_to_json(const GenerationStats& s) {
  nlohmann::json json = nlohmann::json::object();
  for_each_generation_stats_field(
      [&](const auto& field) { json[std::string(field.json)] = s.*field.member; });
  return json;
}

inline GenerationStats history_from_json(const nlohmann::json& json, const JsonPlace& at) {
  GenerationStats s;
  for_each_generation_stats_field([&](const auto& field) {
    using Value = std::remove_cvref_t<decltype(s.*field.member)>;
    s.*field.member = read_field<Value>(json, at, field.json);
  });
  return s;
}

}  // namespace detail

/// The run settings of `options` as JSON (part of every checkpoint).
inline nlohmann::json evolution_options_to_json(const EvolutionOptions& o) {
  return {{"population", o.population},
          {"steps_per_generation", o.steps_per_generation},
          {"morph_every", o.morph_every},
          {"initial_hidden", o.initial_hidden},
          {"spread_initial_hidden", o.spread_initial_hidden},
          {"max_edges", o.max_edges},
          {"budgets", o.budgets},
          {"layered_founders", o.layered_founders},
          {"founder_epochs", o.founder_epochs},
          {"immigrant_every", o.immigrant_every},
          {"immigrant_epochs", o.immigrant_epochs},
          {"crossover_rate", o.crossover_rate},
          {"gradient_batches", o.gradient_batches},
          {"topology", topology_options_to_json(o.topology)},
          {"mutation",
           {{"node_rate", o.mutation.node_rate},
            {"edge_rate", o.mutation.edge_rate},
            {"prune_rate", o.mutation.prune_rate},
            {"prune_policy", to_string(o.mutation.prune_policy)},
            {"grow_rate", o.mutation.grow_rate},
            {"rewire_rate", o.mutation.rewire_rate},
            {"split_rate", o.mutation.split_rate}}},
          {"selection",
           {{"method", to_string(o.selection.method)},
            {"size_bonus", o.selection.size_bonus},
            {"accuracy_window", o.selection.accuracy_window},
            {"dominance_margin", o.selection.dominance_margin}}},
          {"optimizer",
           {{"kind", to_string(o.optimizer.kind)},
            {"learning_rate", o.optimizer.learning_rate},
            {"momentum", o.optimizer.momentum},
            {"beta1", o.optimizer.beta1},
            {"beta2", o.optimizer.beta2},
            {"epsilon", o.optimizer.epsilon}}},
          {"generation_schedule",
           {{"decay", to_string(o.generation_schedule.decay)},
            {"warmup", o.generation_schedule.warmup},
            {"floor", o.generation_schedule.floor}}},
          {"failure", o.failure ? nlohmann::json{{"fail_prob", o.failure->fail_prob},
                                                 {"noise_std", o.failure->noise_std},
                                                 {"rescale", o.failure->rescale},
                                                 {"phase", to_string(o.failure->phase)},
                                                 {"seed", o.failure->seed}}
                                : nlohmann::json(nullptr)},
          {"seed", o.seed}};
}

/// Options from evolution_options_to_json(), every field checked; fails at `at` (with its error
/// type) naming the field at fault.
inline EvolutionOptions evolution_options_from_json(const nlohmann::json& json,
                                                    const JsonPlace& at) {
  EvolutionOptions o;
  o.population = read_field<std::size_t>(json, at, "population");
  o.steps_per_generation = read_field<std::size_t>(json, at, "steps_per_generation");
  o.morph_every = read_field<std::size_t>(json, at, "morph_every");
  o.initial_hidden = read_field<std::size_t>(json, at, "initial_hidden");
  o.spread_initial_hidden = read_field<bool>(json, at, "spread_initial_hidden");
  o.max_edges = read_field<std::size_t>(json, at, "max_edges");
  o.layered_founders = read_field<bool>(json, at, "layered_founders");
  o.founder_epochs = read_field<std::size_t>(json, at, "founder_epochs");
  // Checkpoints written before immigrants existed took none.
  if (json.contains("immigrant_every")) {
    o.immigrant_every = read_field<std::size_t>(json, at, "immigrant_every");
    o.immigrant_epochs = read_field<std::size_t>(json, at, "immigrant_epochs");
  }
  o.crossover_rate = read_field<double>(json, at, "crossover_rate");
  o.gradient_batches = read_field<std::size_t>(json, at, "gradient_batches");
  const nlohmann::json& budgets = read_array(json, at, "budgets");
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    if (!budgets[i].is_number_unsigned()) {
      at.key("budgets").index(i).fail("expected an edge count, found " + describe_json(budgets[i]));
    }
    o.budgets.push_back(budgets[i].get<std::size_t>());
  }
  o.topology = topology_options_from_json(json_member(json, at, "topology"), at.key("topology"));
  const nlohmann::json& mutation = json_member(json, at, "mutation");
  const JsonPlace mutation_at = at.key("mutation");
  o.mutation.node_rate = read_field<double>(mutation, mutation_at, "node_rate");
  o.mutation.edge_rate = read_field<double>(mutation, mutation_at, "edge_rate");
  o.mutation.prune_rate = read_field<double>(mutation, mutation_at, "prune_rate");
  o.mutation.prune_policy =
      read_enum_field<EdgeRemoval>(mutation, mutation_at, "prune_policy", "pruning policy");
  o.mutation.grow_rate = read_field<double>(mutation, mutation_at, "grow_rate");
  o.mutation.rewire_rate = read_field<double>(mutation, mutation_at, "rewire_rate");
  o.mutation.split_rate = read_field<double>(mutation, mutation_at, "split_rate");
  const nlohmann::json& selection = json_member(json, at, "selection");
  o.selection.method =
      read_enum_field<SelectionMethod>(selection, at.key("selection"), "method", "selection");
  o.selection.size_bonus = read_field<double>(selection, at.key("selection"), "size_bonus");
  o.selection.accuracy_window =
      read_field<double>(selection, at.key("selection"), "accuracy_window");
  o.selection.dominance_margin =
      read_field<double>(selection, at.key("selection"), "dominance_margin");
  const nlohmann::json& optimizer = json_member(json, at, "optimizer");
  const JsonPlace optimizer_at = at.key("optimizer");
  o.optimizer.kind = read_enum_field<OptimizerKind>(optimizer, optimizer_at, "kind", "optimizer");
  o.optimizer.learning_rate = read_field<double>(optimizer, optimizer_at, "learning_rate");
  o.optimizer.momentum = read_field<double>(optimizer, optimizer_at, "momentum");
  o.optimizer.beta1 = read_field<double>(optimizer, optimizer_at, "beta1");
  o.optimizer.beta2 = read_field<double>(optimizer, optimizer_at, "beta2");
  o.optimizer.epsilon = read_field<double>(optimizer, optimizer_at, "epsilon");
  // Checkpoints written before the schedule existed trained at a constant rate.
  if (json.contains("generation_schedule")) {
    const nlohmann::json& schedule = json_member(json, at, "generation_schedule");
    const JsonPlace schedule_at = at.key("generation_schedule");
    o.generation_schedule.decay =
        read_enum_field<LearningRateDecay>(schedule, schedule_at, "decay", "learning-rate schedule");
    o.generation_schedule.warmup = read_field<double>(schedule, schedule_at, "warmup");
    o.generation_schedule.floor = read_field<double>(schedule, schedule_at, "floor");
  }
  // Checkpoints written before node failure existed ran without it; null: none.
  if (json.contains("failure") && !json.at("failure").is_null()) {
    const nlohmann::json& failure = json_member(json, at, "failure");
    const JsonPlace failure_at = at.key("failure");
    o.failure = NodeFailure{
        .fail_prob = read_field<double>(failure, failure_at, "fail_prob"),
        .noise_std = read_field<double>(failure, failure_at, "noise_std"),
        .rescale = read_field<bool>(failure, failure_at, "rescale"),
        .phase = read_enum_field<FailurePhase>(failure, failure_at, "phase", "failure phase"),
        .seed = read_field<std::uint64_t>(failure, failure_at, "seed")};
  }
  o.seed = read_field<std::uint64_t>(json, at, "seed");
  try {
    check_evolution_options(o);
  } catch (const std::invalid_argument& e) {
    at.fail(e.what());
  }
  return o;
}

namespace detail {

template <class T>
nlohmann::json optimizer_to_json(const Optimizer<T>& optimizer, const Topology<T>& net) {
  Optimizer<T> copy = optimizer;  // state() first brings the copy's slots up to date
  auto saved = copy.state(net);
  // By id, so the text does not depend on the slot order (which compaction changes).
  std::sort(saved.begin(), saved.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json state = nlohmann::json::array();
  for (const auto& [id, s] : saved) {
    state.push_back({id, static_cast<double>(s.first), static_cast<double>(s.second),
                     static_cast<double>(s.beta1_power), static_cast<double>(s.beta2_power)});
  }
  return {{"steps", copy.steps()}, {"state", std::move(state)}};
}

template <class T>
Optimizer<T> optimizer_from_json(const nlohmann::json& json, const JsonPlace& at,
                                 const OptimizerOptions& options, const Topology<T>& net) {
  const auto steps = read_field<std::uint64_t>(json, at, "steps");
  const nlohmann::json& entries = read_array(json, at, "state");
  const JsonPlace entries_at = at.key("state");
  std::vector<std::pair<ParamId, ParameterState<T>>> saved;
  saved.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& e = entries[i];
    const JsonPlace e_at = entries_at.index(i);
    if (!e.is_array() || e.size() != 5 || !e[0].is_number_unsigned() ||
        !std::all_of(e.begin() + 1, e.end(),
                     [](const nlohmann::json& v) { return v.is_number(); })) {
      e_at.fail("expected [parameter id, first, second, beta1_power, beta2_power], found " +
                describe_json(e));
    }
    ParameterState<T> s;
    T* fields[] = {&s.first, &s.second, &s.beta1_power, &s.beta2_power};
    for (std::size_t f = 0; f < 4; ++f) {
      *fields[f] = finite_number<T>(e[f + 1], e_at);
    }
    saved.emplace_back(e[0].get<ParamId>(), s);
  }
  Optimizer<T> optimizer(options);
  optimizer.set_state(net, saved, steps);
  return optimizer;
}

/// The archive of a checkpoint body: {"front": [{"member", "generation", "accuracy",
/// "topology"}, ...], "history": [[generation, best at each budget...], ...]}.
template <class T, int N>
BudgetArchive<T, N> archive_from_json(const nlohmann::json& json, const JsonPlace& at,
                                      const EvolutionOptions& options,
                                      std::uint64_t next_member_id,
                                      const std::filesystem::path& file) {
  std::vector<ArchiveEntry<T, N>> front;
  const nlohmann::json& entries = read_array(json, at, "front");
  const JsonPlace front_at = at.key("front");  // places refer to their parents: keep it alive
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& e = entries[i];
    const JsonPlace e_at = front_at.index(i);
    ArchiveEntry<T, N> entry{read_field<std::uint64_t>(e, e_at, "member"),
                             read_field<std::size_t>(e, e_at, "generation"),
                             read_field<double>(e, e_at, "accuracy"),
                             Network<T, N>(topology_from_json<T>(json_member(e, e_at, "topology"),
                                                                 file, e_at.where() + ".topology"))};
    if (entry.member == 0 || entry.member >= next_member_id) {
      e_at.key("member").fail("member ids run from 1 to next_member_id - 1, found " +
                              std::to_string(entry.member));
    }
    front.push_back(std::move(entry));
  }
  std::vector<typename BudgetArchive<T, N>::HistoryRow> history;
  const nlohmann::json& rows = read_array(json, at, "history");
  const JsonPlace rows_at = at.key("history");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const JsonPlace row_at = rows_at.index(i);
    const nlohmann::json& row = rows[i];
    if (!row.is_array() || row.empty() || !row[0].is_number_unsigned() ||
        !std::all_of(row.begin() + 1, row.end(), [](const auto& v) { return v.is_number(); })) {
      row_at.fail("expected [generation, best accuracy per budget...], found " + describe_json(row));
    }
    typename BudgetArchive<T, N>::HistoryRow r{row[0].get<std::size_t>(), {}};
    for (std::size_t k = 1; k < row.size(); ++k) r.best.push_back(finite_number<double>(row[k], row_at));
    history.push_back(std::move(r));
  }
  try {
    return BudgetArchive<T, N>::restore(options.budgets, archive_limit(options), std::move(front),
                                        std::move(history));
  } catch (const std::invalid_argument& e) {
    at.fail(e.what());
  }
  return {};  // not reached: fail() throws
}

/// The body of a checkpoint, checked completely; FileError naming the field at fault.
template <class T, int N>
Checkpoint<T, N> checkpoint_from_json(const nlohmann::json& body,
                                      const std::filesystem::path& file) {
  const JsonPlace at = JsonPlace::root<CheckpointError>(file, "body");
  const auto scalar = read_field<std::string>(body, at, "scalar");
  if (scalar != scalar_name<T>()) {
    at.key("scalar").fail("the checkpoint holds " + scalar + " networks, this program evolves " +
                          std::string(scalar_name<T>()) + " ones");
  }
  const auto batch = read_field<std::size_t>(body, at, "batch");
  if (batch != static_cast<std::size_t>(N)) {
    at.key("batch").fail("the checkpoint was saved with batch size " + std::to_string(batch) +
                         " and is being loaded with " + std::to_string(N) +
                         "; load it with batch size " + std::to_string(batch));
  }
  const EvolutionOptions options =
      evolution_options_from_json(json_member(body, at, "options"), at.key("options"));
  PopulationState<T, N> state;
  state.generation = read_field<std::size_t>(body, at, "generation");
  state.next_member_id = read_field<std::uint64_t>(body, at, "next_member_id");
  state.batch_rng = rng_from_json(body, at, "batch_rng");
  const nlohmann::json& history = read_array(body, at, "history");
  for (std::size_t i = 0; i < history.size(); ++i) {
    state.history.push_back(history_from_json(history[i], at.key("history").index(i)));
  }
  const nlohmann::json& members = read_array(body, at, "members");
  const JsonPlace members_at = at.key("members");
  if (members.empty()) members_at.fail("a population needs at least one member");
  for (std::size_t i = 0; i < members.size(); ++i) {
    const nlohmann::json& m = members[i];
    const JsonPlace m_at = members_at.index(i);
    const std::string where = m_at.where() + ".topology";
    Network<T, N> net(topology_from_json<T>(json_member(m, m_at, "topology"), file, where));
    const auto budget = read_field<std::size_t>(m, m_at, "budget");
    if (budget != 0 && std::find(options.budgets.begin(), options.budgets.end(), budget) ==
                           options.budgets.end()) {
      m_at.key("budget").fail(std::to_string(budget) + " is not one of the run's budgets");
    }
    const std::size_t cap = budget != 0 ? budget : options.max_edges;
    if (cap != 0 && net.edge_count() > cap) {
      m_at.fail("has " + std::to_string(net.edge_count()) + " edges, above its cap of " +
                std::to_string(cap));
    }
    Optimizer<T> optimizer = optimizer_from_json<T>(json_member(m, m_at, "optimizer"),
                                                    m_at.key("optimizer"), options.optimizer, net);
    Member<T, N> member{read_field<std::uint64_t>(m, m_at, "id"),
                        read_field<std::uint64_t>(m, m_at, "parent"),
                        read_field<std::size_t>(m, m_at, "born"),
                        read_field<std::size_t>(m, m_at, "mutations"),
                        std::move(net),
                        std::move(optimizer),
                        rng_from_json(m, m_at, "rng")};
    member.accuracy = read_field<double>(m, m_at, "accuracy");
    member.train_loss = read_field<double>(m, m_at, "train_loss");
    member.budget = budget;
    if (member.id == 0 || member.id >= state.next_member_id) {
      m_at.key("id").fail("member ids run from 1 to next_member_id - 1, found " +
                          std::to_string(member.id));
    }
    state.members.push_back(std::move(member));
  }
  state.archive = archive_from_json<T, N>(json_member(body, at, "archive"), at.key("archive"),
                                          options, state.next_member_id, file);
  nlohmann::json extra = json_member(body, at, "extra");
  if (!extra.is_object()) at.key("extra").fail("expected an object, found " + describe_json(extra));
  return {Population<T, N>(options, std::move(state)), std::move(extra), file, {}};
}

}  // namespace detail

/// The checkpoint file text of `population`, with the caller's `extra` object (settings, wall
/// time, ...); members are written in parallel over `pool` if one is given. Throws
/// std::invalid_argument naming the field if a number (a parameter, an option, a statistic, a
/// value in extra) is NaN or infinite, or if extra is not an object or nests too deep.
template <class T, int N>
std::string checkpoint_to_string(const Population<T, N>& population,
                                 const nlohmann::json& extra = nlohmann::json::object(),
                                 WorkerPool* pool = nullptr) {
  if (!extra.is_object()) {
    throw std::invalid_argument("checkpoint extra data must be a JSON object");
  }
  // Checked before it is copied into the document: copying recurses.
  check_writable_json(extra, "extra", 1);
  const auto& state = population.state();
  nlohmann::json history = nlohmann::json::array();
  for (const auto& s : state.history) history.push_back(detail::history_to_json(s));
  // Networks are most of the text: each is written on its own, in parallel when a pool is given.
  auto write_all = [&](std::size_t count, auto&& write_one) {
    std::vector<std::string> texts(count);
    auto write = [&](std::size_t i) { texts[i] = write_one(i); };
    if (pool != nullptr) {
      pool->run(count, write);
    } else {
      for (std::size_t i = 0; i < count; ++i) write(i);
    }
    return texts;
  };
  auto join = [](const std::vector<std::string>& texts) {
    std::string joined = "[";
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (i > 0) joined += ',';
      joined += texts[i];
    }
    return joined + "]";
  };
  const std::vector<std::string> members = write_all(state.members.size(), [&](std::size_t i) {
    const auto& m = state.members[i];
    const nlohmann::json member = {
        {"id", m.id},
        {"parent", m.parent},
        {"born", m.born},
        {"mutations", m.mutations},
        {"accuracy", m.accuracy},
        {"train_loss", m.train_loss},
        {"budget", m.budget},
        {"rng", rng_to_text(m.rng)},
        {"topology", topology_to_json(static_cast<const Topology<T>&>(m.network))},
        {"optimizer", detail::optimizer_to_json(m.optimizer, m.network)}};
    check_writable_json(member, "members[" + std::to_string(i) + "]", 2);
    return member.dump();
  });
  const auto& archive = state.archive.front();
  const std::vector<std::string> archived = write_all(archive.size(), [&](std::size_t i) {
    const auto& e = archive[i];
    const nlohmann::json entry = {
        {"member", e.member},
        {"generation", e.generation},
        {"accuracy", e.accuracy},
        {"topology", topology_to_json(static_cast<const Topology<T>&>(e.network))}};
    check_writable_json(entry, "archive.front[" + std::to_string(i) + "]", 2);
    return entry.dump();
  });
  nlohmann::json archive_history = nlohmann::json::array();
  for (const auto& row : state.archive.history()) {
    nlohmann::json r = nlohmann::json::array({row.generation});
    for (const double best : row.best) r.push_back(best);
    archive_history.push_back(std::move(r));
  }
  check_writable_json(archive_history, "archive.history", 1);
  nlohmann::json head = {{"generator", "chaosnet " CHAOSNET_VERSION},
                         {"scalar", scalar_name<T>()},
                         {"batch", N},
                         {"options", evolution_options_to_json(population.options())},
                         {"generation", state.generation},
                         {"next_member_id", state.next_member_id},
                         {"batch_rng", rng_to_text(state.batch_rng)},
                         {"history", std::move(history)}};
  check_writable_json(head, "", 0);
  head["extra"] = extra;
  std::string text = head.dump();
  text.pop_back();  // the closing brace: the archive and the members follow
  text += ",\"archive\":{\"front\":" + join(archived) + ",\"history\":" +
          archive_history.dump() + "},\"members\":" + join(members) + "}";
  return checksummed_file_text(checkpoint_file_format, text);
}

/// A checkpoint from its file text; `file` names it in errors. Throws CheckpointError
/// "<file>: <problem>" for an empty, truncated, damaged or inconsistent checkpoint, one of
/// another format version, scalar type or batch size.
template <class T, int N>
Checkpoint<T, N> checkpoint_from_string(std::string_view text, const std::filesystem::path& file) {
  const std::string_view body =
      checked_file_body<CheckpointError>(checkpoint_file_format, text, file);
  try {
    return detail::checkpoint_from_json<T, N>(parse_model_text(body, file), file);
  } catch (const FileError& e) {
    throw CheckpointError(file, e.problem());
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(file, std::string("is inconsistent: ") + e.what());
  }
}

/// Save `population` in `dir` (created if needed): the newest checkpoint, if sound, becomes
/// checkpoint.prev.json (a damaged one is moved to checkpoint.bad.json instead, so the last
/// good checkpoint is never replaced by garbage), then checkpoint.json is written atomically.
/// A crash at any point leaves a complete checkpoint to resume from. `pool`, if given, writes
/// the members' text in parallel. Throws CheckpointError.
template <class T, int N>
void save_checkpoint(const std::filesystem::path& dir, const Population<T, N>& population,
                     const nlohmann::json& extra = nlohmann::json::object(),
                     WorkerPool* pool = nullptr) {
  const CheckpointFiles files = checkpoint_files(dir);
  std::string text;
  try {
    text = checkpoint_to_string(population, extra, pool);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(files.current, e.what());
  }
  write_rotated_file<CheckpointError>(dir, checkpoint_stem, checkpoint_file_format, text);
}

/// Load the newest sound checkpoint of `dir`: checkpoint.json, or, if that is missing, cut
/// short or damaged, checkpoint.prev.json, with `warning` saying why. Throws CheckpointError
/// naming the files and their problems when neither can be used.
template <class T, int N>
Checkpoint<T, N> load_checkpoint(const std::filesystem::path& dir) {
  SoundFile found =
      read_rotated_file<CheckpointError>(dir, checkpoint_stem, checkpoint_file_format);
  Checkpoint<T, N> loaded = checkpoint_from_string<T, N>(found.text, found.file);
  loaded.warning = std::move(found.warning);
  return loaded;
}

/// The batch size (the Network's N) of the run whose checkpoint load_checkpoint() would load,
/// which a program needs before it can choose the type to load it as.
inline std::size_t checkpoint_batch_size(const std::filesystem::path& dir) {
  const SoundFile found =
      read_rotated_file<CheckpointError>(dir, checkpoint_stem, checkpoint_file_format);
  try {
    const nlohmann::json body = parse_model_text(
        checked_file_body<CheckpointError>(checkpoint_file_format, found.text, found.file),
        found.file);
    return read_field<std::size_t>(body, JsonPlace::root<CheckpointError>(found.file, "body"),
                                   "batch");
  } catch (const FileError& e) {
    throw CheckpointError(found.file, e.problem());
  }
}

}  // namespace chaosnet
