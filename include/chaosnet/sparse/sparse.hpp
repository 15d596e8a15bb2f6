#pragma once

// Sparse training to an edge budget: candidate-edge gradients, rewiring, pruning schedules.

#include <chaosnet/sparse/candidate_gradients.hpp>
#include <chaosnet/sparse/budget_schedule.hpp>
#include <chaosnet/sparse/layered_start.hpp>
#include <chaosnet/sparse/rewiring.hpp>
#include <chaosnet/sparse/train_to_budget.hpp>
