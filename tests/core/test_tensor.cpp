#include <catch2/catch.hpp>

#include "engine/core/tensor.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("tensors know their shape, strides and size", "[core][tensor]") {
  Tensor t = Tensor::empty({2, 3, 4}, DType::BF16);
  CHECK(t.rank() == 3);
  CHECK(t.numel() == 24);
  CHECK(t.nbytes() == 48);
  CHECK(t.strides() == Shape{12, 4, 1});
  CHECK(t.dim(-1) == 4);
  CHECK(t.is_contiguous());
  CHECK(t.describe() == "bf16[2, 3, 4] cpu");
  REQUIRE_ERROR_MENTIONS(t.dim(3), "out of range");
  REQUIRE_ERROR_MENTIONS(Tensor::empty({2, -1}, DType::F32), "negative dimension");
}

TEST_CASE("views share storage and follow strides", "[core][tensor]") {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  Tensor t = Tensor::from_f32(v, {2, 3, 4});

  Tensor s = t.slice(1, 1, 3);  // [2, 2, 4]
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK_FALSE(s.is_contiguous());
  CHECK(s.to_f32_vector() == std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23});

  Tensor row = t.select(0, 1).select(0, 2);  // t[1, 2, :]
  CHECK(row.to_f32_vector() == std::vector<float>{20, 21, 22, 23});

  Tensor tr = t.select(0, 0).transpose(0, 1);  // [4, 3]
  CHECK(tr.shape() == Shape{4, 3});
  CHECK(tr.contiguous().to_f32_vector() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});

  Tensor flat = t.view({6, -1});
  CHECK(flat.shape() == Shape{6, 4});
  flat.data_as<float>()[0] = 100.f;  // same storage
  CHECK(t.data_as<float>()[0] == 100.f);
  REQUIRE_ERROR_MENTIONS(s.view({16}), "non-contiguous");
  REQUIRE_ERROR_MENTIONS(t.view({5, -1}), "cannot view");
  REQUIRE_ERROR_MENTIONS(t.slice(2, 3, 5), "slice");
  CHECK(t.unsqueeze(0).shape() == Shape{1, 2, 3, 4});
  Tensor cols = t.view({6, 4}).slice(1, 2, 4).unflatten(1, {2, 1});  // a strided column block split in two
  CHECK(cols.shape() == Shape{6, 2, 1});
  CHECK(cols.strides() == Shape{4, 1, 1});
  CHECK(cols.select(0, 1).contiguous().to_f32_vector() == std::vector<float>{6, 7});
  REQUIRE_ERROR_MENTIONS(t.unflatten(2, {3, 2}), "cannot split");
  CHECK(t.unsqueeze(-1).shape() == Shape{2, 3, 4, 1});
}

TEST_CASE("dtype conversion and typed access are checked", "[core][tensor]") {
  Tensor f = Tensor::from_f32({1.f, -2.5f, 3.1f}, {3});
  Tensor b = f.to_dtype(DType::BF16);
  CHECK(b.dtype() == DType::BF16);
  CHECK(b.to_f32_vector() == std::vector<float>{1.f, -2.5f, round_bf16(3.1f)});
  CHECK(b.data_as<uint16_t>()[0] == 0x3F80);
  REQUIRE_ERROR_MENTIONS(b.data_as<float>(), "does not match");
  Tensor i = Tensor::from_i32({1, 2, 300}, {3}).to_dtype(DType::I64);
  CHECK(i.data_as<int64_t>()[2] == 300);
  REQUIRE_ERROR_MENTIONS(Tensor::from_f32({1.f, 2.f}, {3}), "2 values for shape [3]");
}

TEST_CASE("borrowed tensors keep their owner alive and are not accounted", "[core][tensor]") {
  auto owner = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4});
  const size_t before = cpu_allocator().stats().snapshot().total_current;
  Tensor t = Tensor::borrow(owner->data(), {2, 2}, DType::F32, Device::Cpu, owner);
  std::weak_ptr<std::vector<float>> weak = owner;
  owner.reset();
  CHECK_FALSE(weak.expired());
  CHECK(t.to_f32_vector() == std::vector<float>{1, 2, 3, 4});
  CHECK(cpu_allocator().stats().snapshot().total_current == before);
  CHECK_FALSE(t.storage()->owned());
  t = Tensor();
  CHECK(weak.expired());
}

TEST_CASE("copy_from copies strided host tensors and refuses mismatches", "[core][tensor]") {
  Tensor a = test::random_tensor({4, 5}, DType::F32, 1);
  Tensor at = Tensor::empty({5, 4}, DType::F32);
  at.copy_from(a.transpose(0, 1));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) REQUIRE(at.data_as<float>()[j * 4 + i] == a.data_as<float>()[i * 5 + j]);
  Tensor wrong = Tensor::empty({4, 5}, DType::BF16);
  REQUIRE_ERROR_MENTIONS(wrong.copy_from(a), "copy from f32[4, 5] cpu into bf16[4, 5] cpu");
}
