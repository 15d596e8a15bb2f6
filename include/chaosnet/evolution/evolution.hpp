#pragma once

// Evolution: a population of networks trained between grow/prune mutations, seed and Pareto
// selection under an edge cap, parallel and deterministic, with exact checkpoints.

#include <chaosnet/evolution/checkpoint.hpp>
#include <chaosnet/evolution/mutation.hpp>
#include <chaosnet/evolution/population.hpp>
#include <chaosnet/evolution/presets.hpp>
#include <chaosnet/evolution/selection.hpp>
#include <chaosnet/evolution/worker_pool.hpp>
