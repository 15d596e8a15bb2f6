#pragma once

// Umbrella header: everything public in chaosnet (the autodiff core alone: chaosnet/autodiff.hpp).

#include <chaosnet/version.hpp>

#include <chaosnet/autodiff.hpp>

#include <chaosnet/graph/network.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/node_failure.hpp>
#include <chaosnet/graph/parameter_store.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_data.hpp>
#include <chaosnet/graph/topology_invariants.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/graph/weight_init.hpp>

#include <chaosnet/data/data.hpp>

#include <chaosnet/dynamics/dynamics.hpp>

#include <chaosnet/io/io.hpp>

#include <chaosnet/manifold/manifold.hpp>

#include <chaosnet/train/batch_sizes.hpp>
#include <chaosnet/train/evaluate.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/train/presets.hpp>
#include <chaosnet/train/trainer.hpp>
#include <chaosnet/train/training_step.hpp>

#include <chaosnet/evolution/evolution.hpp>

#include <chaosnet/sparse/sparse.hpp>
