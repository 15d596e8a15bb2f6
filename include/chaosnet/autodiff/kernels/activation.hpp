#pragma once

// Element-wise activations (mish, relu, tanh, sigmoid, exp, log in ops.hpp, which documents each
// derivative and its edge cases). Each function object keeps value() and derivative() together;
// the derivative receives both the input x and the output y so it can reuse whichever is cheaper.

#include <chaosnet/autodiff/op_record.hpp>

namespace chaosnet::detail {

/// mish. With e = eˣ and n = e(e + 2), t = tanh(softplus(x)) = n / (n + 2): one exp and one
/// division instead of exp, log1p and tanh. Above x = 20, t is 1 to double precision, so x is
/// clamped there before exp and nothing overflows. The slope uses σ(x) = e/(1 + e) (the seed's
/// closed form eˣω/δ² overflows in float from x ≈ 22); value_and_slope() gets value and slope
/// from one exp and one division, over the common denominator (n + 2)(1 + e) ≤ 1.2e26 (no
/// overflow in float).
struct MishFn {
  template <class A>
  static A exp_clamped(const A& x) {
    return x.min(typename A::Scalar(20)).exp();
  }
  template <class A>
  static A value(const A& x) {
    const A e = exp_clamped(x);
    const A n = e * (e + typename A::Scalar(2));
    return x * n / (n + typename A::Scalar(2));
  }
  template <class A>
  static void value_and_slope(const A& x, A& value, A& slope) {
    using S = typename A::Scalar;
    const A e = exp_clamped(x);
    const A n = e * (e + S(2));
    const A one_plus_e = S(1) + e;
    const A n_plus_2 = n + S(2);
    const A r = (n_plus_2 * one_plus_e).inverse();
    const A t = n * one_plus_e * r;
    const A sigma = e * n_plus_2 * r;
    value = x * t;
    slope = t + x * sigma * (S(1) - t.square());
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    A value, slope;
    value_and_slope(x, value, slope);
    return slope;
  }
};

struct ReluFn {
  template <class A>
  static A value(const A& x) {
    return x.max(typename A::Scalar(0));
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    return (x > typename A::Scalar(0)).template cast<typename A::Scalar>();
  }
};

struct TanhFn {
  template <class A>
  static A value(const A& x) {
    return x.tanh();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return typename A::Scalar(1) - y.square();
  }
};

struct SigmoidFn {
  template <class A>
  static A value(const A& x) {
    return x.logistic();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return y * (typename A::Scalar(1) - y);
  }
};

struct ExpFn {
  template <class A>
  static A value(const A& x) {
    return x.exp();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return y;
  }
};

struct LogFn {
  template <class A>
  static A value(const A& x) {
    return x.log();
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    return x.inverse();
  }
};

/// out = f(x) element-wise; x receives g ⊙ f'(x). Record: a = x.
template <class Fn>
struct Pointwise {
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = Fn::value(c.batch_values[r.a]);
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] +=
        c.batch_grads[r.out] * Fn::derivative(c.batch_values[r.a], c.batch_values[r.out]);
  }
};

using Mish = Pointwise<MishFn>;
using Relu = Pointwise<ReluFn>;
using Tanh = Pointwise<TanhFn>;
using Sigmoid = Pointwise<SigmoidFn>;
using Exp = Pointwise<ExpFn>;
using Log = Pointwise<LogFn>;

}  // namespace chaosnet::detail
