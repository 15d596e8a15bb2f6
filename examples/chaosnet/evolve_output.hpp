#pragma once

// What `chaosnet evolve` writes and prints: a line per generation, generations.csv, the final
// front's model and DOT files with its table, front.csv and population.csv, and the plots.

#include "cli_common.hpp"
#include "graph_failure.hpp"

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/evolution.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet::cli::detail {

inline std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * fraction);
  return buffer;
}

inline std::string history_csv(std::span<const GenerationStats> history) {
  std::ostringstream csv;
  const char* separator = "";
  for_each_generation_stats_field([&](const auto& field) {
    csv << separator << field.csv;
    separator = ",";
  });
  csv << '\n';
  for (const GenerationStats& g : history) {
    separator = "";
    for_each_generation_stats_field([&](const auto& field) {
      csv << separator << g.*field.member;  // a bool prints as 1 or 0
      separator = ",";
    });
    csv << '\n';
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

/// An archived network, measured once at the end.
struct FrontEntry {
  std::uint64_t id = 0;
  std::size_t edges = 0, params = 0, hidden = 0;
  std::size_t generation = 0;  ///< the generation that archived it
  double validation = 0;       ///< the whole validation split
  double test = 0;
  double selection = 0;  ///< what selection saw (the selection set, when it was archived)
  std::filesystem::path model;

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"id", id},         {"val_acc", validation}, {"test_acc", test},
            {"edges", edges},   {"params", params},      {"hidden", hidden},
            {"generation", generation}, {"model", model.string()}};
  }
};

/// A budget's winner before and after the final fine-tune.
struct BudgetEntry {
  std::size_t budget = 0;
  FrontEntry found, tuned;

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"budget", budget},
            {"edges", tuned.edges},
            {"params", tuned.params},
            {"val_acc", tuned.validation},
            {"test_acc", tuned.test},
            {"generation", found.generation},
            {"before_fine_tune", found.to_json()},
            {"model", tuned.model.string()}};
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

/// `m` as a FrontEntry, its model and DOT files written as out/<dir>/<name>.model.json, .dot.
template <int N>
FrontEntry save_measured(const FrontMeasurement<float, N>& m, const std::filesystem::path& out,
                         const std::string& dir, const std::string& name, const std::string& preset,
                         const std::string& title, const std::optional<NodeFailure>& failure) {
  const Network<float, N>& net = m.network;
  FrontEntry e;
  e.id = m.id;
  e.edges = net.edge_count();
  e.params = net.parameter_count();
  e.hidden = net.normal_count();
  e.generation = m.generation;
  e.validation = m.validation;
  e.test = m.test;
  e.selection = m.selection;
  std::filesystem::create_directories(out / dir);
  e.model = out / dir / (name + ".model.json");
  nlohmann::json info = {{"command", "evolve"},     {"member", e.id},
                         {"generation", e.generation}, {"val_acc", e.validation},
                         {"test_acc", e.test},      {"selection_acc", e.selection}};
  add_failure_fields(info, failure);  // how it was evolved; `chaosnet robustness` reads it
  save_model(e.model, static_cast<const Topology<float>&>(net), ModelInfo{preset, info});
  DotOptions dot;
  dot.title = title + ": val " + percent(e.validation) + ", test " + percent(e.test);
  save_dot(out / dir / (name + ".dot"), static_cast<const Topology<float>&>(net), dot);
  return e;
}

/// What the end of a run measured: the archive's front and each budget's winner.
struct ArchiveResult {
  std::vector<FrontEntry> front;
  std::vector<BudgetEntry> budgets;
};

/// The archive measured once (see EvolutionRun::measure): its front and each budget's winner
/// before and after `fine_tune`, saved under out/front/ and out/budgets/, and printed.
template <int N, class FineTune>
ArchiveResult measure_archive(EvolutionRun<float, N>& run, const MnistSplits& data,
                              FineTune&& fine_tune) {
  const std::filesystem::path& out = run.directory();
  const std::string& preset = run.record().preset;
  const std::optional<NodeFailure>& failure = run.population().options().failure;
  const RunMeasurement<float, N> measured =
      run.measure(data.validation, data.test, std::forward<FineTune>(fine_tune));
  ArchiveResult result;
  for (const FrontMeasurement<float, N>& m : measured.front) {
    const std::string name = "member-" + std::to_string(m.id) + "-" +
                             std::to_string(m.network.edge_count()) + "e";
    result.front.push_back(
        save_measured(m, out, "front", name, preset, "chaosnet evolve member " + std::to_string(m.id), failure));
  }
  std::printf("\narchive front: %zu networks, every one that was ever on the (validation, edges) "
              "front (front.csv, front/)\n", result.front.size());
  std::printf("\nbest within each budget (validation: all %s images; test: measured once, now)\n",
              with_commas(double(data.validation.size())).c_str());
  std::printf("  %8s %8s %8s %6s %10s %10s %10s %10s\n", "budget", "edges", "params", "gen",
              "val found", "test found", "val tuned", "test tuned");
  for (const BudgetMeasurement<float, N>& b : measured.budgets) {
    BudgetEntry e;
    e.budget = b.budget;
    const std::string name = "budget-" + std::to_string(b.budget);
    e.found = save_measured(b.found, out, "budgets", name + "-found", preset,
                            "best within " + std::to_string(b.budget) + " edges, as found", failure);
    e.tuned = save_measured(b.after, out, "budgets", name, preset,
                            "best within " + std::to_string(b.budget) + " edges, fine-tuned", failure);
    std::printf("  %8s %8s %8s %6zu %10s %10s %10s %10s\n", with_commas(double(e.budget)).c_str(),
                with_commas(double(e.tuned.edges)).c_str(),
                with_commas(double(e.tuned.params)).c_str(), e.found.generation,
                percent(e.found.validation).c_str(), percent(e.found.test).c_str(),
                percent(e.tuned.validation).c_str(), percent(e.tuned.test).c_str());
    result.budgets.push_back(std::move(e));
  }
  return result;
}

/// budgets.csv: one row per budget, its winner as found and fine-tuned.
inline std::string budgets_csv(std::span<const BudgetEntry> budgets,
                               const std::filesystem::path& out) {
  std::ostringstream csv;
  csv << "budget,edges,params,val_acc,test_acc,generation,found_edges,found_val_acc,"
         "found_test_acc,model\n";
  for (const BudgetEntry& b : budgets) {
    csv << b.budget << ',' << b.tuned.edges << ',' << b.tuned.params << ',' << b.tuned.validation
        << ',' << b.tuned.test << ',' << b.found.generation << ',' << b.found.edges << ','
        << b.found.validation << ',' << b.found.test << ','
        << b.tuned.model.lexically_relative(out).string() << '\n';
  }
  return csv.str();
}

/// The archive's best selection accuracy per budget after each generation.
template <class T, int N>
std::string budget_history_csv(const BudgetArchive<T, N>& archive) {
  std::ostringstream csv;
  csv << "generation";
  for (const std::size_t b : archive.budgets()) csv << ",best_within_" << b;
  csv << '\n';
  for (const auto& row : archive.history()) {
    csv << row.generation;
    for (const double best : row.best) csv << ',' << best;
    csv << '\n';
  }
  return csv.str();
}

/// front.csv and population.csv (the plots read them).
template <int N>
void write_population_files(const Population<float, N>& population,
                            std::span<const FrontEntry> front, const std::filesystem::path& out) {
  std::ostringstream front_csv, population_csv;
  front_csv << "id,edges,params,hidden,val_acc,test_acc,selection_acc,generation,model\n";
  for (const FrontEntry& e : front) {
    front_csv << e.id << ',' << e.edges << ',' << e.params << ',' << e.hidden << ',' << e.validation
              << ',' << e.test << ',' << e.selection << ',' << e.generation << ','
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

}  // namespace chaosnet::cli::detail
