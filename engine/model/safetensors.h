#pragma once
// safetensors: reader (mmap, zero-copy host views, upload to the GPU) and writer, validated as the
// reference implementation validates, plus sharded checkpoints (model.safetensors.index.json).
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/file.h"
#include "engine/core/tensor.h"

namespace mambascope {

struct SafetensorInfo {
  std::string name;
  std::string dtype;   // as in the file: "BF16", "F32", ...
  size_t elem_bits = 0;
  Shape shape;
  size_t begin = 0, end = 0;  // byte offsets into the data section
};

// The reference's header size limit (100 MB): a larger length is refused before reading it.
inline constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

class SafetensorsFile : public std::enable_shared_from_this<SafetensorsFile> {
 public:
  // Opens and validates. Every violation throws Error naming the file, the tensor and what is wrong.
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  static std::shared_ptr<SafetensorsFile> open(std::shared_ptr<MappedFile> file);  // already mapped/in memory

  const std::string& path() const { return file_->path(); }
  const std::vector<SafetensorInfo>& tensors() const { return tensors_; }  // in data order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const SafetensorInfo* find(const std::string& name) const;
  const SafetensorInfo& info(const std::string& name) const;  // throws Error when missing
  // A host tensor borrowing the mapped bytes (zero-copy). Throws Error for dtypes the engine does not use.
  Tensor tensor(const std::string& name) const;
  const uint8_t* bytes(const SafetensorInfo& t) const { return file_->data() + data_start_ + t.begin; }

 private:
  std::shared_ptr<MappedFile> file_;
  size_t data_start_ = 0;
  std::vector<SafetensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// One checkpoint: a single .safetensors file, or the shards listed by a model.safetensors.index.json.
class Checkpoint {
 public:
  // `path`: a .safetensors file, an index .json, or a directory holding model.safetensors or
  // model.safetensors.index.json.
  static Checkpoint open(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  const SafetensorInfo& info(const std::string& name) const;
  const std::string& file_of(const std::string& name) const;
  Tensor host(const std::string& name) const;  // zero-copy host view
  // The tensor on `dev` (host: zero-copy view; cuda: uploaded, accounted under `cat`).
  Tensor load(const std::string& name, Device dev, MemCategory cat = MemCategory::Weights) const;
  size_t total_bytes() const;

 private:
  std::string path_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // tensor name -> index into files_
};

// Maps file dtype strings to ours (BF16 -> bf16, ...); throws Error for dtypes the engine cannot hold.
DType dtype_from_safetensors(const std::string& st, const std::string& file, const std::string& tensor);
const char* dtype_to_safetensors(DType t);

// Writes tensors (any device, any layout) in the given order, header padded to 8 bytes as the reference
// does, through a temporary file renamed into place.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace mambascope
