#pragma once

// Data module umbrella: IDX files, datasets and their splits, shuffled batches, shift augmentation.

#include <chaosnet/data/augment.hpp>
#include <chaosnet/data/batch_sampler.hpp>
#include <chaosnet/data/data_error.hpp>
#include <chaosnet/data/dataset.hpp>
#include <chaosnet/data/idx.hpp>
