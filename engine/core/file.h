#pragma once
// Files: read-only memory maps and whole-file reads, with errors that name the path.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mambascope {

class MappedFile {
 public:
  // Maps `path` read-only. Throws Error naming the path when it cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  // An in-memory stand-in (fuzzers, tests): `name` plays the path's role in errors.
  static std::shared_ptr<MappedFile> from_bytes(std::string bytes, const std::string& name);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::string owned_;  // the bytes of from_bytes()
  std::string path_;
};

std::string read_text_file(const std::string& path);               // throws Error naming the path
void write_file_atomic(const std::string& path, const std::string& bytes);  // temp file + rename

}  // namespace mambascope
