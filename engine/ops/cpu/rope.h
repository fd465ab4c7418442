#pragma once
// CPU reference of rotary position embedding in the HF / InternLM2 convention (rotate_half): the specification
// of kernels/rope.cu. For position p and pair i < d/2 of each head:
//   (x[i], x[i+d/2]) <- (x[i] cos a - x[i+d/2] sin a, x[i+d/2] cos a + x[i] sin a),  a = t * inv_freq[i]
//   inv_freq[i] = 1 / base^(2i/d) (double, rounded to f32), t = p (f32), or p / factor with linear scaling.
// Dynamic NTK (InternLM2's `rope_scaling: {type: dynamic}`): with n tokens in the sequence after this call and
// n > max_positions, base <- base * (factor * n / max_positions - (factor - 1))^(d / (d - 2)).
#include <cstdint>

namespace mambascope::cpu {

enum class RopeScaling : int { None = 0, Linear = 1, DynamicNtk = 2 };

struct RopeConfig {
  float theta = 10000.f;  // `rope_theta`
  RopeScaling scaling = RopeScaling::None;
  float factor = 1.f;           // `rope_scaling.factor`
  int64_t max_positions = 2048; // `max_position_embeddings` (dynamic NTK threshold)
};

// The base in effect for a sequence of `total_len` tokens (differs from theta only for dynamic NTK).
double rope_base(const RopeConfig& c, int head_dim, int64_t total_len);
float rope_inv_freq(double base, int head_dim, int i);

// x: [batch, len, heads, head_dim] dense f32, rotated in place for positions pos_offset .. pos_offset+len-1;
// `total_len` is the sequence length the dynamic NTK base is computed from.
void rope(float* x, int64_t batch, int64_t len, int heads, int head_dim, const RopeConfig& c, int64_t pos_offset,
          int64_t total_len);

}  // namespace mambascope::cpu
