#include "engine/model/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace mambascope {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

size_t st_dtype_bits(const std::string& d) {
  static const std::map<std::string, size_t> bits = {
      {"BOOL", 8}, {"U8", 8},   {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8},
      {"I16", 16}, {"U16", 16}, {"F16", 16}, {"BF16", 16},   {"I32", 32},    {"U32", 32},
      {"F32", 32}, {"F64", 64}, {"I64", 64}, {"U64", 64},    {"F4", 4},      {"F6_E2M3", 6},
      {"F6_E3M2", 6}};
  auto it = bits.find(d);
  return it == bits.end() ? 0 : it->second;
}

constexpr const char* kFixCorrupt = "the file is damaged or not a safetensors file: download or export it again";

}  // namespace

DType dtype_from_safetensors(const std::string& st, const std::string& file, const std::string& tensor) {
  if (st == "F32") return DType::F32;
  if (st == "BF16") return DType::BF16;
  if (st == "F16") return DType::F16;
  if (st == "I32") return DType::I32;
  if (st == "I64") return DType::I64;
  if (st == "U8" || st == "BOOL") return DType::U8;
  throw Error("dtype " + st + " is not one mambascope computes in", file, tensor,
              "convert the checkpoint to bf16, f16 or f32 (e.g. with safetensors + torch)");
}

const char* dtype_to_safetensors(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::BF16: return "BF16";
    case DType::F16: return "F16";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::U8: return "U8";
  }
  return "?";
}

// ---- SafetensorsFile ----

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) { return open(MappedFile::open(path)); }

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(std::shared_ptr<MappedFile> file) {
  auto f = std::shared_ptr<SafetensorsFile>(new SafetensorsFile());
  f->file_ = std::move(file);
  const std::string& path = f->file_->path();
  const size_t size = f->file_->size();
  const uint8_t* p = f->file_->data();
  if (size < 8)
    throw Error("file is " + std::to_string(size) + " bytes, too small for the 8-byte header length", path, "header",
                kFixCorrupt);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | p[i];  // little-endian u64
  if (n > kSafetensorsMaxHeader)
    throw Error("header length " + std::to_string(n) + " exceeds the 100 MB limit", path, "header", kFixCorrupt);
  if (n > size - 8)
    throw Error("header length " + std::to_string(n) + " runs past the end of the " + std::to_string(size) +
                    "-byte file (truncated?)",
                path, "header", kFixCorrupt);
  if (n < 2 || p[8] != '{')
    throw Error("header does not start with '{'", path, "header", kFixCorrupt);
  json h;
  try {
    h = json::parse(p + 8, p + 8 + n);
  } catch (const json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), path, "header", kFixCorrupt);
  }
  if (!h.is_object()) throw Error("header is not a JSON object", path, "header", kFixCorrupt);
  f->data_start_ = 8 + n;
  const size_t data_len = size - f->data_start_;

  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error("__metadata__ is not an object", path, "__metadata__", kFixCorrupt);
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw Error("__metadata__ value is not a string", path, "__metadata__." + m.key(), kFixCorrupt);
        f->metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw Error("entry needs dtype, shape and data_offsets", path, name, kFixCorrupt);
    SafetensorInfo t;
    t.name = name;
    if (!v["dtype"].is_string()) throw Error("dtype is not a string", path, name, kFixCorrupt);
    t.dtype = v["dtype"].get<std::string>();
    t.elem_bits = st_dtype_bits(t.dtype);
    if (t.elem_bits == 0) throw Error("unknown dtype '" + t.dtype + "'", path, name, kFixCorrupt);
    if (!v["shape"].is_array()) throw Error("shape is not an array", path, name, kFixCorrupt);
    for (const json& d : v["shape"]) {
      if (!d.is_number_unsigned()) throw Error("shape holds a value that is not a non-negative integer", path, name, kFixCorrupt);
      t.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw Error("data_offsets is not a pair of non-negative integers", path, name, kFixCorrupt);
    t.begin = off[0].get<uint64_t>();
    t.end = off[1].get<uint64_t>();
    f->tensors_.push_back(std::move(t));
  }

  // As the reference does: in offset order, each tensor starts where the previous ended (no gaps, no
  // overlaps), its span equals elements x dtype size, and the last one ends at the end of the file.
  std::sort(f->tensors_.begin(), f->tensors_.end(),
            [](const SafetensorInfo& a, const SafetensorInfo& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  size_t expect = 0;
  for (const SafetensorInfo& t : f->tensors_) {
    if (t.end < t.begin)
      throw Error("data_offsets end " + std::to_string(t.end) + " before begin " + std::to_string(t.begin), path, t.name, kFixCorrupt);
    if (t.begin != expect)
      throw Error(t.begin < expect ? "data overlaps the previous tensor (begins at " + std::to_string(t.begin) + ", previous ends at " + std::to_string(expect) + ")"
                                   : "gap before data (begins at " + std::to_string(t.begin) + ", previous ends at " + std::to_string(expect) + ")",
                  path, t.name, kFixCorrupt);
    uint64_t elems = 1;
    for (int64_t d : t.shape) {
      if (d != 0 && elems > UINT64_MAX / static_cast<uint64_t>(d))
        throw Error("shape " + shape_str(t.shape) + " overflows", path, t.name, kFixCorrupt);
      elems *= static_cast<uint64_t>(d);
    }
    if (elems > UINT64_MAX / t.elem_bits) throw Error("shape " + shape_str(t.shape) + " overflows", path, t.name, kFixCorrupt);
    const uint64_t bits = elems * t.elem_bits;
    if (bits % 8 != 0) throw Error("tensor does not fill whole bytes", path, t.name, kFixCorrupt);
    if (t.end - t.begin != bits / 8)
      throw Error("byte span " + std::to_string(t.end - t.begin) + " does not match shape " + shape_str(t.shape) + " x " +
                      t.dtype + " = " + std::to_string(bits / 8) + " bytes",
                  path, t.name, kFixCorrupt);
    expect = t.end;
  }
  if (expect != data_len)
    throw Error("tensors cover " + std::to_string(expect) + " bytes but the data section holds " + std::to_string(data_len) +
                    (expect > data_len ? " (truncated file)" : " (trailing bytes)"),
                path, "data", kFixCorrupt);
  for (size_t i = 0; i < f->tensors_.size(); ++i) f->index_[f->tensors_[i].name] = i;
  return f;
}

const SafetensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const SafetensorInfo& SafetensorsFile::info(const std::string& name) const {
  const SafetensorInfo* t = find(name);
  if (!t) throw Error("no such tensor", path(), name, "check the tensor name or use a checkpoint of the right model");
  return *t;
}

Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorInfo& t = info(name);
  const DType dt = dtype_from_safetensors(t.dtype, path(), name);
  const uint8_t* p = bytes(t);
  if (reinterpret_cast<uintptr_t>(p) % dtype_size(dt) == 0)
    return Tensor::borrow(const_cast<uint8_t*>(p), t.shape, dt, Device::Cpu, shared_from_this());
  // A writer that did not align its tensors (ours and the reference's do): copy into aligned memory.
  Tensor c = Tensor::empty(t.shape, dt, Device::Cpu, MemCategory::Weights);
  std::memcpy(c.data(), p, t.end - t.begin);
  return c;
}

// ---- Checkpoint ----

Checkpoint Checkpoint::open(const std::string& path) {
  Checkpoint c;
  c.path_ = path;
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "model.safetensors.index.json")) p /= "model.safetensors.index.json";
    else if (fs::exists(p / "model.safetensors")) p /= "model.safetensors";
    else
      throw Error("no model.safetensors or model.safetensors.index.json in the directory", path, {},
                  "pass a checkpoint directory, or create one with `mambascope init`");
  }
  if (p.extension() == ".json") {
    const std::string index_path = p.string();
    json idx;
    try {
      idx = json::parse(read_text_file(index_path));
    } catch (const json::exception& e) {
      throw Error(std::string("not valid JSON: ") + e.what(), index_path, {}, kFixCorrupt);
    }
    if (!idx.is_object() || !idx.contains("weight_map") || !idx["weight_map"].is_object())
      throw Error("missing the weight_map object", index_path, "weight_map", kFixCorrupt);
    std::map<std::string, size_t> file_index;
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
      if (!it.value().is_string()) throw Error("shard name is not a string", index_path, "weight_map." + it.key(), kFixCorrupt);
      const std::string shard = it.value().get<std::string>();
      if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos || shard == "..")
        throw Error("shard '" + shard + "' is not a plain file name in the index's directory", index_path, "weight_map." + it.key(), kFixCorrupt);
      auto [fit, inserted] = file_index.try_emplace(shard, c.files_.size());
      if (inserted) c.files_.push_back(SafetensorsFile::open((p.parent_path() / shard).string()));
      if (!c.files_[fit->second]->find(it.key()))
        throw Error("index lists the tensor in " + shard + " but that file does not hold it", index_path, it.key(), kFixCorrupt);
      c.where_[it.key()] = fit->second;
    }
  } else {
    c.files_.push_back(SafetensorsFile::open(p.string()));
    for (const SafetensorInfo& t : c.files_[0]->tensors()) c.where_[t.name] = 0;
  }
  return c;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> n;
  for (const auto& [k, v] : where_) n.push_back(k);
  return n;
}

const SafetensorInfo& Checkpoint::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end())
    throw Error("tensor missing from the checkpoint", path_, name, "use a checkpoint of the model the config describes");
  return files_[it->second]->info(name);
}

const std::string& Checkpoint::file_of(const std::string& name) const {
  info(name);
  return files_[where_.at(name)]->path();
}

Tensor Checkpoint::host(const std::string& name) const {
  info(name);
  return files_[where_.at(name)]->tensor(name);
}

Tensor Checkpoint::load(const std::string& name, Device dev, MemCategory cat) const {
  Tensor h = host(name);
  return dev == Device::Cpu ? h : h.to(dev, cat);
}

size_t Checkpoint::total_bytes() const {
  size_t n = 0;
  for (const auto& [name, i] : where_) {
    const SafetensorInfo& t = files_[i]->info(name);
    n += t.end - t.begin;
  }
  return n;
}

// ---- writer ----

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors_in,
                       const std::map<std::string, std::string>& metadata) {
  // Data in order of decreasing element size (stable), as the reference writer does: with the header padded
  // to 8 bytes, every tensor then starts aligned to its element size and can be viewed in place.
  std::vector<std::pair<std::string, Tensor>> tensors = tensors_in;
  std::stable_sort(tensors.begin(), tensors.end(),
                   [](const auto& a, const auto& b) { return dtype_size(a.second.dtype()) > dtype_size(b.second.dtype()); });
  json h = json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  size_t off = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw Error("a tensor cannot be named __metadata__", path, name);
    if (h.contains(name)) throw Error("duplicate tensor name", path, name);
    json e;
    e["dtype"] = dtype_to_safetensors(t.dtype());
    e["shape"] = t.shape();
    e["data_offsets"] = {off, off + t.nbytes()};
    h[name] = e;
    off += t.nbytes();
  }
  std::string header = h.dump();
  header.append((8 - header.size() % 8) % 8, ' ');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(std::string("cannot write: ") + std::strerror(errno), tmp, {}, "check that the directory exists and is writable");
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
    f.write(reinterpret_cast<const char*>(len), 8);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& [name, t] : tensors) {
      const Tensor hst = t.device() == Device::Cpu ? t.contiguous() : t.to(Device::Cpu, MemCategory::Other);
      f.write(static_cast<const char*>(hst.data()), static_cast<std::streamsize>(hst.nbytes()));
    }
    if (!f) throw Error("write failed (disk full?)", tmp, {}, "free disk space");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(std::string("cannot rename into place: ") + std::strerror(errno), path);
  }
}

}  // namespace mambascope
