#pragma once

// distillation_loss(): knowledge distillation (Hinton et al. 2015) as one tape op, so a small
// student learns from a larger teacher's softened class probabilities as well as from the labels.

#include <chaosnet/autodiff/kernels/distillation.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace chaosnet {

/// Per-sample distillation loss over K class logits z (one Tensor1D per class, as log_softmax),
/// the teacher's class probabilities p (K Tensor1D made with Tape::input, fed per batch; the
/// caller computes p = softmax(teacher_logits / T)) and the labels y:
///   loss_k = α·T²·KL(p ‖ q) + (1 − α)·(−log softmax(z)_{y_k}),   q = softmax(z / T),
///   KL(p ‖ q) = Σ_c p_c·(log p_c − log q_c), with 0·log 0 = 0.
/// The T² keeps the soft term's gradient on the scale of the hard term's for any T. Take mean()
/// of the result for the batch loss. α = 0 gives nll(log_softmax(z), targets).
/// Derivative: z_c receives g·(α·T·(q_c − p_c) + (1 − α)·(softmax(z)_c − [c = y_k])); p gets
/// none (it is data). Stable for any finite logits: the per-sample maximum is subtracted before
/// exponentiating. p is used as given: each sample's should be ≥ 0 and sum to 1.
/// α and T are fixed when recording (the op keeps them in two constant batch leaves of its own);
/// replays take new logits, teacher probabilities and labels through Tape::set.
/// Throws std::invalid_argument, before recording, for K = 0, a different number of teacher
/// probabilities than logits, a teacher probability not made with Tape::input, α outside [0, 1]
/// or T not finite and > 0; std::out_of_range, naming the sample, if a target is not in [0, K)
/// (also on replay).
template <detail::BatchTensorRange Logits, detail::BatchTensorRange TeacherProbs, class T, int N>
  requires std::same_as<std::ranges::range_value_t<Logits>, Tensor1D<T, N>> &&
           std::same_as<std::ranges::range_value_t<TeacherProbs>, Tensor1D<T, N>>
Tensor1D<T, N> distillation_loss(const Logits& logits, const TeacherProbs& teacher_probs,
                                 const Targets<T, N>& targets, std::type_identity_t<T> alpha,
                                 std::type_identity_t<T> temperature) {
  constexpr const char* op = "distillation_loss";
  const auto classes = static_cast<std::size_t>(std::ranges::distance(logits));
  const auto teacher_classes = static_cast<std::size_t>(std::ranges::distance(teacher_probs));
  if (classes == 0) {
    throw std::invalid_argument("chaosnet::distillation_loss: needs at least one class");
  }
  if (teacher_classes != classes) {
    throw std::invalid_argument("chaosnet::distillation_loss: " + std::to_string(classes) +
                                " class logits but " + std::to_string(teacher_classes) +
                                " teacher probabilities");
  }
  if (!(alpha >= 0 && alpha <= 1)) {
    throw std::invalid_argument("chaosnet::distillation_loss: alpha " + std::to_string(alpha) +
                                " is outside [0, 1]");
  }
  if (!(std::isfinite(temperature) && temperature > 0)) {
    throw std::invalid_argument("chaosnet::distillation_loss: the temperature " +
                                std::to_string(temperature) + " is not finite and > 0");
  }
  auto& tape = detail::tape_of(*std::ranges::begin(logits), op);
  for (const Tensor1D<T, N>& z : logits) (void)tape.slot_of(z, op);  // check all before changing the tape
  for (const Tensor1D<T, N>& p : teacher_probs) {
    if (!detail::Recorder::is_constant(tape, tape.slot_of(p, op))) {
      throw std::invalid_argument(
          "chaosnet::distillation_loss: the teacher probabilities must be data made with "
          "Tape::input; they get no gradient");
    }
  }

  detail::OpRecord r;
  r.b = tape.slot_of(targets, op);
  r.count = static_cast<std::uint32_t>(classes);
  const std::array mix{tape.input(Tape<T, N>::Batch::Constant(alpha)),
                       tape.input(Tape<T, N>::Batch::Constant(temperature))};
  r.a = detail::Recorder::append_batches(tape, logits, op);
  (void)detail::Recorder::append_batches(tape, teacher_probs, op);
  (void)detail::Recorder::append_batches(tape, mix, op);
  return detail::Recorder::batch<detail::Distillation>(tape, r);
}

}  // namespace chaosnet
