#pragma once

// Seed 002 (ChaosNet): the spiking chaos neuron, models built from it and their training.

#include <chaosnet/autodiff/chaos_cortex.hpp>
#include <chaosnet/dynamics/chaos_model.hpp>
#include <chaosnet/dynamics/chaos_neuron.hpp>
#include <chaosnet/dynamics/chaos_training.hpp>
#include <chaosnet/dynamics/split_tasks.hpp>
