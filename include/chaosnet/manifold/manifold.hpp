#pragma once

// Seed 003's Dynamic Neural Manifold: layout, closeness, model, loss and training.

#include <chaosnet/manifold/closeness.hpp>
#include <chaosnet/manifold/manifold_layout.hpp>
#include <chaosnet/manifold/manifold_loss.hpp>
#include <chaosnet/manifold/manifold_model.hpp>
#include <chaosnet/manifold/manifold_training.hpp>
