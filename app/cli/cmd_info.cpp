// `mambascope info [--ceilings] [--json]`: build, CUDA devices, and the measured ceilings.
#include <fmt/format.h>

#include <cstdio>
#include <mambascope/build_info.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "engine/bench/ceilings.h"
#include "engine/core/cuda.h"
#include "engine/core/memory.h"

namespace mambascope::cli {
namespace {

struct InfoOptions {
  bool ceilings = false;
  bool json = false;
};

nlohmann::json info_json(const CudaRuntimeInfo& rt, const std::vector<CudaDeviceInfo>& devs, const Ceilings* c) {
  nlohmann::json j;
  j["version"] = build::kVersion;
  j["git_sha"] = build::kGitSha;
  j["build_type"] = build::kBuildType;
  j["cxx"] = build::kCxxCompiler;
  j["cuda_built"] = build::kHaveCuda;
  j["cuda_arch"] = build::kCudaArchitectures;
  j["openblas"] = build::kHaveOpenBlas;
  j["cuda"] = {{"status", rt.status}, {"driver", rt.driver_version}, {"runtime", rt.runtime_version}};
  j["devices"] = nlohmann::json::array();
  for (const auto& d : devs)
    j["devices"].push_back({{"index", d.index}, {"name", d.name}, {"cc", fmt::format("{}.{}", d.cc_major, d.cc_minor)},
                            {"sms", d.sm_count}, {"total_bytes", d.total_bytes}, {"free_bytes", d.free_bytes},
                            {"sm_clock_mhz", d.sm_clock_mhz}, {"mem_clock_mhz", d.mem_clock_mhz},
                            {"bus_width_bits", d.bus_width_bits}, {"l2_bytes", d.l2_bytes},
                            {"peak_dram_GBps", d.peak_dram_GBps}});
  if (c) {
    j["ceilings"] = {{"gpu", c->gpu},
                     {"copy_GBps", c->copy_GBps},
                     {"copy_bytes", c->options.copy_bytes},
                     {"copy_median_ms", c->copy.median_ms},
                     {"copy_rel_stdev", c->copy.rel_stdev},
                     {"gemm_bf16_TFLOPs", c->gemm_TFLOPs},
                     {"gemm_mnk", c->options.gemm_size},
                     {"gemm_median_ms", c->gemm.median_ms},
                     {"gemm_rel_stdev", c->gemm.rel_stdev},
                     {"reps", c->options.reps}};
  }
  return j;
}

std::string version_str(int v) { return v ? fmt::format("{}.{}", v / 1000, (v % 1000) / 10) : "none"; }

void run_info(const InfoOptions& o) {
  const CudaRuntimeInfo rt = cuda_runtime_info();
  const std::vector<CudaDeviceInfo> devs = cuda_devices();
  Ceilings c;
  const bool have_c = o.ceilings;
  if (!o.json) {
    fmt::print("mambascope {} (git {}, {}, {}{}{})\n", build::kVersion, build::kGitSha, build::kBuildType, build::kCxxCompiler,
               build::kHaveCuda ? fmt::format(", CUDA sm_{}", build::kCudaArchitectures) : std::string(", no CUDA"),
               build::kHaveOpenBlas ? ", OpenBLAS" : "");
    if (!rt.built_with_cuda) {
      fmt::print("CUDA: built without CUDA; everything runs on the CPU backend\n");
    } else if (devs.empty()) {
      fmt::print("CUDA: {} (runtime {}, driver {}); everything runs on the CPU backend\n", rt.status,
                 version_str(rt.runtime_version), version_str(rt.driver_version));
    } else {
      fmt::print("CUDA: runtime {}, driver {}, {} device(s)\n", version_str(rt.runtime_version),
                 version_str(rt.driver_version), devs.size());
      for (const auto& d : devs)
        fmt::print("  [{}] {}  sm_{}{}  {} SMs  {} ({} free)  SM {} MHz  memory {} MHz x {}-bit ({:.0f} GB/s datasheet)  L2 {}\n",
                   d.index, d.name, d.cc_major, d.cc_minor, d.sm_count, format_bytes(d.total_bytes),
                   format_bytes(d.free_bytes), d.sm_clock_mhz, d.mem_clock_mhz, d.bus_width_bits, d.peak_dram_GBps,
                   format_bytes(d.l2_bytes));
    }
    std::fflush(stdout);
  }
  if (have_c) {
    c = measure_ceilings();
    if (!o.json) {
      fmt::print("ceilings on {} (median of {} after {} warm-up):\n", c.gpu, c.options.reps, c.options.warmup);
      fmt::print("  device copy       {:8.1f} GB/s     (+-{:.1f}%, {} read + written, 16-byte vector kernel)\n",
                 c.copy_GBps, 100 * c.copy.rel_stdev, format_bytes(c.options.copy_bytes));
      fmt::print("  bf16 GEMM {}^3  {:8.1f} TFLOP/s  (+-{:.1f}%, cuBLASLt, f32 accumulate, random inputs)\n",
                 c.options.gemm_size, c.gemm_TFLOPs, 100 * c.gemm.rel_stdev);
    }
  }
  if (o.json) fmt::print("{}\n", info_json(rt, devs, have_c ? &c : nullptr).dump(2));
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto opt = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Version, build, CUDA devices and (--ceilings) measured GPU ceilings");
  cmd->add_flag("--ceilings", opt->ceilings, "Measure device copy GB/s and bf16 GEMM TFLOP/s (needs a GPU)");
  cmd->add_flag("--json", opt->json, "Print JSON instead of text");
  cmd->callback([opt] { run_info(*opt); });
}

}  // namespace mambascope::cli
