#pragma once
// CPU reference of the MLP activations (the specification of kernels/activations.cu), f32:
//   silu(v) = v / (1 + e^-v)                                        (InternLM2 / LLaMA SwiGLU, Mamba gates)
//   gelu_erf(v) = v/2 (1 + erf(v / sqrt 2))                          (torch nn.GELU(): ML-Mamba projector, DINOv2)
//   gelu_tanh(v) = v/2 (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))     (SigLIP's gelu_pytorch_tanh; cuBLASLt GELU)
namespace mambascope::cpu {

enum class Activation : int { Silu = 0, GeluErf = 1, GeluTanh = 2 };

float activate(Activation a, float v);

}  // namespace mambascope::cpu
