#pragma once

// Evolution: a population of networks trained between grow/prune mutations, seed and Pareto
// selection under an edge cap, parallel and deterministic, with exact checkpoints, and the
// budgeted run that checkpoints every generation and measures the final front's test accuracy once.

#include <chaosnet/evolution/budget_archive.hpp>
#include <chaosnet/evolution/checkpoint.hpp>
#include <chaosnet/evolution/crossover.hpp>
#include <chaosnet/evolution/evolution_run.hpp>
#include <chaosnet/evolution/fine_tune.hpp>
#include <chaosnet/evolution/generation_stats.hpp>
#include <chaosnet/evolution/guided_mutation.hpp>
#include <chaosnet/evolution/mutation.hpp>
#include <chaosnet/evolution/population.hpp>
#include <chaosnet/evolution/presets.hpp>
#include <chaosnet/evolution/run_record.hpp>
#include <chaosnet/evolution/selection.hpp>
#include <chaosnet/evolution/worker_pool.hpp>
