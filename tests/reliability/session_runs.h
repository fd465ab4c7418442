#pragma once
// Sessions driven the way `mambascope chat` drives them, for the reliability tests on CPU and GPU: a prompt
// with image embeddings spliced in, then sampled tokens.
#include <memory>
#include <vector>

#include "engine/model/model.h"
#include "engine/session/session.h"
#include "tests/support.h"

namespace mambascope::test {

inline std::vector<int32_t> prompt_ids(int n, int64_t vocab, int seed) {
  std::vector<int32_t> ids;
  for (int i = 0; i < n; ++i) ids.push_back(static_cast<int32_t>((i * 131 + seed * 17 + 7) % (vocab - 16)));
  return ids;
}

// Image embeddings of `tiles` random tiles (HoVLE family) or the two views (ML-Mamba), from `seed`.
inline Tensor image_rows(const Model& m, int tiles, uint64_t seed) {
  const bool mlm = m.config().family == ModelFamily::MLMamba;
  const int64_t S = mlm ? m.config().mlm.dino.image_size : m.config().hovle.image_size;
  return m.embed_image(random_tensor({mlm ? 2 : tiles, 3, S, S}, DType::F32, seed), nullptr);
}

// A fresh session: prefill `ids` with `image` at position 1, then `n` sampled tokens.
inline std::vector<int32_t> generate(const std::shared_ptr<const Model>& m, const std::vector<int32_t>& ids, const Tensor& image,
                                     const ops::SamplingConfig& cfg, int n, bool cuda_graphs = true) {
  SessionOptions o;
  o.max_length = static_cast<int64_t>(ids.size()) + n + 1;
  o.cuda_graphs = cuda_graphs;
  Session s(m, o);
  s.prefill(ids, image, 1);
  std::vector<int32_t> out{s.sample_last(cfg)};
  while (static_cast<int>(out.size()) < n) out.push_back(s.decode(out.back(), cfg));
  return out;
}

}  // namespace mambascope::test
