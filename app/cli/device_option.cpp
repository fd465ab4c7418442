// The --device option shared by the commands that run a model (run, eval, chat).
#include "app/cli/commands.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"

namespace mambascope::cli {

Device pick_device(const std::string& device, const char* command) {
  if (device.empty()) return cuda_device_count() > 0 ? Device::Cuda : Device::Cpu;
  if (device == "cpu") return Device::Cpu;
  if (device == "cuda") {
    require_cuda(command);
    return Device::Cuda;
  }
  throw Error("unknown device '" + device + "'", command, "--device", "use cuda or cpu");
}

}  // namespace mambascope::cli
