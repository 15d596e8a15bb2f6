#pragma once

// The autodiff core on its own: the tape, tensors, every op including sparse_dag, and gradient
// checking. Needs only Eigen; chaosnet.hpp adds graphs, training, data, files and evolution.

#include <chaosnet/autodiff/chaos_cortex.hpp>
#include <chaosnet/autodiff/distillation.hpp>
#include <chaosnet/autodiff/gradient_check.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/sparse_dag.hpp>
#include <chaosnet/autodiff/tape.hpp>
#include <chaosnet/autodiff/tensor.hpp>
