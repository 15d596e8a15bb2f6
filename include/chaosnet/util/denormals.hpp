#pragma once

// Deep chains of small weights push values and Adam's second moments into the subnormal range,
// where x86 arithmetic is many times slower (we measured training slowing down 2-5x epoch after
// epoch). Hot loops run under this guard: subnormals are flushed to zero, and the caller's
// floating-point mode is restored on exit.

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace chaosnet::util {

class FlushDenormals {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | flush_to_zero | denormals_are_zero); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
#else
  FlushDenormals() = default;
  ~FlushDenormals() = default;
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
#if defined(__SSE__) || defined(__x86_64__)
  static constexpr unsigned flush_to_zero = 0x8000;       // MXCSR.FTZ
  static constexpr unsigned denormals_are_zero = 0x0040;  // MXCSR.DAZ
  unsigned saved_;
#endif
};

}  // namespace chaosnet::util
