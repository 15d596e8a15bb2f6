#pragma once

// The compiled form of a DagSpec (sparse_dag.hpp), which the sparse_dag kernel runs: compiled
// once per recording against absolute tape slots and kept on the tape. Plain data in contiguous
// arrays, as dense as the kernel's loops want them: a unit is nine words, an incoming edge one,
// an outgoing edge two.

#include <chaosnet/autodiff/dag_noise.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <cstdint>
#include <vector>

namespace chaosnet::detail {

/// Edges [begin, begin + count) of DagProgram::in_sources or DagProgram::out_edges.
struct EdgeRange {
  std::uint32_t begin = 0;
  std::uint32_t count = 0;
};

/// An outgoing edge as backward pulls it: the δ of its target, times its weight.
struct OutEdge {
  Slot target_pre = no_slot;  ///< batch slot of the target's pre-activation
  Slot weight = no_slot;      ///< scalar slot of the edge's weight
};

/// One unit: pre = β + Σ_i w_i·x_i over its incoming edges, value = mish(pre) or pre.
struct ProgramUnit {
  bool mish = false;
  Slot bias = no_slot;          ///< scalar slot of β, or no_slot
  Slot first_weight = no_slot;  ///< scalar slot of w_0; w_i follow it
  EdgeRange in;                 ///< its incoming edges in in_sources, in weight order
  EdgeRange out;                ///< its outgoing edges in out_edges
  Slot pre = no_slot;           ///< batch slot of pre; an identity unit's is its value slot
  Slot value = no_slot;         ///< batch slot of value
};

/// One external input.
struct ProgramInput {
  Slot value = no_slot;   ///< its batch slot
  bool constant = false;  ///< made with Tape::input: backward skips its gradient
  EdgeRange out;          ///< its outgoing edges in out_edges
};

static_assert(sizeof(ProgramUnit) == 9 * sizeof(Slot) && sizeof(OutEdge) == 2 * sizeof(Slot),
              "the kernel's hot arrays stay as dense as a row of slots");

struct DagProgram {
  std::vector<ProgramUnit> units;   ///< in evaluation order; the last `outputs` are the op's outputs
  std::vector<ProgramInput> inputs;
  std::vector<Slot> in_sources;     ///< each incoming edge's source value slot, grouped by unit
  std::vector<OutEdge> out_edges;   ///< grouped by source (inputs, then units), ordered by target
  std::uint32_t outputs = 0;
  bool training = false;  ///< forward leaves mish'(pre) in the pre slots, which backward needs
  DagNoise noise;                        ///< failure and noise on the inner mish units
  std::vector<std::uint32_t> noise_ids;  ///< each unit's id in the noise stream

  /// Empty it for the next recording, keeping every array's capacity.
  void clear() {
    units.clear();
    inputs.clear();
    in_sources.clear();
    out_edges.clear();
    outputs = 0;
    training = false;
    noise = {};
    noise_ids.clear();
  }
};

}  // namespace chaosnet::detail
