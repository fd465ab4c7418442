#include <catch2/catch.hpp>
#include <cstring>

#include "engine/core/memory.h"
#include "engine/model/init_weights.h"
#include "engine/model/model.h"
#include "engine/model/safetensors.h"
#include "engine/model/weight_specs.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// A safetensors file from a raw header string and data bytes; `len` overrides the header length field.
std::string st_bytes(const std::string& header, const std::string& data, int64_t len = -1) {
  const uint64_t n = len < 0 ? header.size() : static_cast<uint64_t>(len);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string write_st(const test::TempDir& d, const std::string& bytes, const std::string& name = "m.safetensors") {
  const std::string p = d.file(name);
  test::write_bytes(p, bytes);
  return p;
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, dtypes, shapes, bytes and metadata", "[model][safetensors]") {
  test::TempDir dir("st");
  const Tensor a = test::random_tensor({3, 5}, DType::BF16, 1);
  const Tensor b = test::random_tensor({7}, DType::F32, 2);
  const Tensor c = Tensor::from_i64({1, -2, 3}, {3});
  const Tensor e = Tensor::empty({0, 4}, DType::F16);  // empty tensors are legal
  const Tensor strided = test::random_tensor({4, 6}, DType::F32, 3).transpose(0, 1);  // written contiguous
  const std::string p = dir.file("model.safetensors");
  write_safetensors(p, {{"a.weight", a}, {"b", b}, {"ids", c}, {"empty", e}, {"t", strided}}, {{"format", "pt"}});

  auto f = SafetensorsFile::open(p);
  CHECK(f->metadata().at("format") == "pt");
  CHECK(f->tensors().size() == 5);
  const Tensor ra = f->tensor("a.weight");
  CHECK(ra.dtype() == DType::BF16);
  CHECK(ra.shape() == Shape{3, 5});
  CHECK(std::memcmp(ra.data(), a.data(), a.nbytes()) == 0);
  CHECK(f->tensor("b").to_f32_vector() == b.to_f32_vector());
  CHECK(f->tensor("ids").data_as<int64_t>()[1] == -2);
  CHECK(f->tensor("empty").numel() == 0);
  CHECK(f->tensor("t").to_f32_vector() == strided.contiguous().to_f32_vector());
  CHECK_FALSE(ra.storage()->owned());  // zero-copy view of the mapping
  for (const SafetensorInfo& t : f->tensors())  // written largest element first: each one aligned in place
    CHECK(reinterpret_cast<uintptr_t>(f->bytes(t)) % (t.elem_bits / 8) == 0);
  // The header is padded to a multiple of 8 bytes, as the reference writer does.
  const std::string raw = test::read_bytes(p);
  uint64_t n = 0;
  std::memcpy(&n, raw.data(), 8);
  CHECK(n % 8 == 0);

  Checkpoint ck = Checkpoint::open(dir.path().string());
  CHECK(ck.contains("b"));
  CHECK(ck.total_bytes() == a.nbytes() + b.nbytes() + c.nbytes() + strided.nbytes());
  REQUIRE_ERROR_MENTIONS(ck.info("missing.weight"), "missing.weight", "tensor missing");
}

TEST_CASE("corrupt safetensors files are refused with the file and what is wrong", "[model][safetensors]") {
  test::TempDir dir("st");
  const std::string ok_header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data8(8, '\1');
  REQUIRE_NOTHROW(SafetensorsFile::open(write_st(dir, st_bytes(ok_header, data8))));

  SECTION("0-byte file") {
    const std::string p = write_st(dir, "");
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(p), p, "0 bytes, too small");
  }
  SECTION("shorter than the length field") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, "abc")), "3 bytes, too small");
  }
  SECTION("header length beyond the 100 MB bound") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(ok_header, data8, 100'000'001))), "exceeds the 100 MB limit");
  }
  SECTION("header length past the end of the file") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(ok_header, "", 4096))), "runs past the end");
  }
  SECTION("garbage JSON") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(R"({"x": {"dtype": )", data8))), "not valid JSON");
  }
  SECTION("header not starting with {") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes("[1,2,3]", ""))), "does not start with '{'");
  }
  SECTION("unknown dtype") {
    REQUIRE_ERROR_MENTIONS(
        SafetensorsFile::open(write_st(dir, st_bytes(R"({"x":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}})", data8))), "x",
        "unknown dtype 'F12'");
  }
  SECTION("shape x dtype size does not match the byte span") {
    REQUIRE_ERROR_MENTIONS(
        SafetensorsFile::open(write_st(dir, st_bytes(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8))), "x",
        "byte span 8 does not match shape [3] x F32 = 12 bytes");
  }
  SECTION("overlapping offsets") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(h, std::string(12, '\0')))), "b", "overlaps");
  }
  SECTION("a gap between tensors") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(h, std::string(12, '\0')))), "b", "gap before data");
  }
  SECTION("truncated data") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(ok_header, "\1\1\1\1"))), "data", "truncated");
  }
  SECTION("trailing bytes after the last tensor") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(ok_header, data8 + "zz"))), "trailing bytes");
  }
  SECTION("offsets reversed") {
    REQUIRE_ERROR_MENTIONS(
        SafetensorsFile::open(write_st(dir, st_bytes(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8))), "x",
        "before begin");
  }
  SECTION("negative dimension") {
    REQUIRE_ERROR_MENTIONS(
        SafetensorsFile::open(write_st(dir, st_bytes(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8))), "x",
        "non-negative integer");
  }
  SECTION("missing fields") {
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(R"({"x":{"dtype":"F32","shape":[2]}})", data8))), "x",
                           "needs dtype, shape and data_offsets");
  }
  SECTION("overflowing shape") {
    REQUIRE_ERROR_MENTIONS(
        SafetensorsFile::open(write_st(
            dir, st_bytes(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", data8))),
        "x", "overflows");
  }
  SECTION("metadata values must be strings") {
    const std::string h = R"({"__metadata__":{"format":1},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, st_bytes(h, data8))), "__metadata__.format", "not a string");
  }
  SECTION("a bit flip in the header length") {
    std::string bytes = st_bytes(ok_header, data8);
    bytes[3] ^= 0x10;  // length grows by 2^28: past the bound
    REQUIRE_ERROR_MENTIONS(SafetensorsFile::open(write_st(dir, bytes)), "exceeds the 100 MB limit");
  }
  SECTION("every truncation of a valid file is refused, never crashes") {
    const std::string full = st_bytes(ok_header, data8);
    for (size_t n = 0; n < full.size(); ++n) {
      const std::string p = write_st(dir, full.substr(0, n), "trunc.safetensors");
      REQUIRE_THROWS_AS(SafetensorsFile::open(p), Error);
    }
  }
}

TEST_CASE("tensors at unaligned offsets from other writers are copied into aligned memory", "[model][safetensors]") {
  test::TempDir dir("st");
  // A U8 of 3 bytes, then an F32 at offset 3.
  const std::string h = R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"F32","shape":[1],"data_offsets":[3,7]}})";
  std::string data = "xyz";
  const float v = 2.5f;
  data.append(reinterpret_cast<const char*>(&v), 4);
  auto f = SafetensorsFile::open(write_st(dir, st_bytes(h, data)));
  const Tensor b = f->tensor("b");
  CHECK(reinterpret_cast<uintptr_t>(b.data()) % 4 == 0);
  CHECK(b.to_f32_vector() == std::vector<float>{2.5f});
}

TEST_CASE("dtypes the engine does not compute in are readable but not usable", "[model][safetensors]") {
  test::TempDir dir("st");
  const std::string p =
      write_st(dir, st_bytes(R"({"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", std::string(8, '\0')));
  auto f = SafetensorsFile::open(p);
  CHECK(f->info("x").dtype == "F64");
  REQUIRE_ERROR_MENTIONS(f->tensor("x"), p, "x", "dtype F64", "convert the checkpoint");
}

TEST_CASE("sharded checkpoints resolve tensors through the index", "[model][safetensors]") {
  test::TempDir dir("st");
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), {{"a", test::random_tensor({2}, DType::F32, 1)}});
  write_safetensors(dir.file("model-00002-of-00002.safetensors"), {{"b", test::random_tensor({3}, DType::BF16, 2)}});
  test::write_bytes(dir.file("model.safetensors.index.json"),
                    R"({"metadata": {"total_size": 14}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                        "b": "model-00002-of-00002.safetensors"}})");
  Checkpoint ck = Checkpoint::open(dir.path().string());
  CHECK(ck.names() == std::vector<std::string>{"a", "b"});
  CHECK(ck.host("b").shape() == Shape{3});
  CHECK(ck.file_of("a").find("model-00001-of-00002") != std::string::npos);

  SECTION("index names a tensor its shard does not hold") {
    test::write_bytes(dir.file("model.safetensors.index.json"), R"({"weight_map": {"c": "model-00001-of-00002.safetensors"}})");
    REQUIRE_ERROR_MENTIONS(Checkpoint::open(dir.path().string()), "c", "does not hold it");
  }
  SECTION("index points outside its directory") {
    test::write_bytes(dir.file("model.safetensors.index.json"), R"({"weight_map": {"a": "../x.safetensors"}})");
    REQUIRE_ERROR_MENTIONS(Checkpoint::open(dir.path().string()), "not a plain file name");
  }
  SECTION("index without weight_map") {
    test::write_bytes(dir.file("model.safetensors.index.json"), R"({"metadata": {}})");
    REQUIRE_ERROR_MENTIONS(Checkpoint::open(dir.path().string()), "weight_map");
  }
  SECTION("missing shard file") {
    test::write_bytes(dir.file("model.safetensors.index.json"), R"({"weight_map": {"a": "nope.safetensors"}})");
    REQUIRE_ERROR_MENTIONS(Checkpoint::open(dir.path().string()), "nope.safetensors", "cannot open");
  }
}

TEST_CASE("a directory without weights says how to make some", "[model][safetensors]") {
  test::TempDir dir("st");
  REQUIRE_ERROR_MENTIONS(Checkpoint::open(dir.path().string()), "no model.safetensors", "mambascope init");
}

TEST_CASE("weights converted on load are accounted as weights", "[model][memory]") {
  // A bf16 checkpoint run in f32 on the host converts every tensor: those copies are the model's weights (they
  // were counted as activations, so `run` printed weights 3.0 MiB of a 9.8 MiB model).
  test::TempDir dir("conv");
  const ModelConfig c = preset_config("tiny-mmmamba-linear");
  write_random_checkpoint(c, dir.path().string(), 5, DType::BF16);
  const MemorySnapshot before = cpu_allocator().stats().snapshot();
  {
    const std::unique_ptr<Model> m = load_model(dir.path().string(), Device::Cpu, DType::F32);
    const MemorySnapshot after = cpu_allocator().stats().snapshot();
    // What the model holds (tied tables once, fused copies, f32 views of the mapping not at all) is weights.
    const size_t held = m->resident_bytes(), w = after.cur(MemCategory::Weights) - before.cur(MemCategory::Weights);
    CHECK(held > static_cast<size_t>(param_count(weight_specs(c))) * 4 / 2);  // f32 copies, not bf16 views
    CHECK(w >= held * 99 / 100);
    CHECK(w <= held + held / 100 + 4096);
    CHECK(after.cur(MemCategory::Activations) - before.cur(MemCategory::Activations) < held / 10);
  }
}
