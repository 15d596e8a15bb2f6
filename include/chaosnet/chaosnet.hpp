#pragma once

// Umbrella header: everything public in chaosnet.

#include <chaosnet/version.hpp>

#include <chaosnet/autodiff/gradient_check.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>
