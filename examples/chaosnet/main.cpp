// The chaosnet command-line tool: train, evaluate, export, evolve and benchmark graph-topology
// networks on MNIST or any IDX dataset. Each subcommand lives in its own *_command.hpp.
//
// Exit codes: 0 success, 1 runtime error (bad file, diverged training), 2 bad usage.

#include "bench_command.hpp"
#include "cli_common.hpp"
#include "eval_command.hpp"
#include "evolve_command.hpp"
#include "export_command.hpp"
#include "manifold_command.hpp"
#include "robustness_command.hpp"
#include "train_command.hpp"

#include <chaosnet/version.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  using namespace chaosnet::cli;
  CLI::App app{"chaosnet " CHAOSNET_VERSION
               " - graph-topology neural networks: train, evaluate and export DAG networks of "
               "scalar nodes on MNIST"};
  app.set_version_flag("--version", CHAOSNET_VERSION);
  app.require_subcommand(1);

  TrainSettings train;
  add_train_command(app, train);
  EvalSettings eval;
  add_eval_command(app, eval);
  ExportSettings exported;
  add_export_command(app, exported);
  EvolveSettings evolve;
  add_evolve_command(app, evolve);
  BenchSettings bench;
  add_bench_command(app, bench);
  RobustnessSettings robustness;
  add_robustness_command(app, robustness);
  ManifoldSettings manifold;
  add_manifold_command(app, manifold);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  try {
    const std::string command = app.get_subcommands().front()->get_name();
    if (command == "train") return train_command(train);
    if (command == "eval") return eval_command(eval);
    if (command == "export") return export_command(exported);
    if (command == "evolve") return evolve_command(evolve);
    if (command == "bench") return bench_command(bench);
    if (command == "robustness") return robustness_command(robustness);
    if (command == "manifold") return manifold_command(manifold);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for usage.\n", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_runtime_error;
  }
  return exit_usage;
}
