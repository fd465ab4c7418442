// `mambascope init --model PRESET --out DIR [--seed S] [--dtype bf16|f32]`: writes config.json and
// model.safetensors with deterministic random weights, for speed/memory runs at real size without a download
// and for the tiny models' tests.
#include <fmt/format.h>

#include "app/cli/commands.h"
#include "engine/core/memory.h"
#include "engine/model/init_weights.h"

namespace mambascope::cli {

void add_init_command(CLI::App& app) {
  struct Opt {
    std::string model, out, dtype;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opt>();
  CLI::App* cmd = app.add_subcommand("init", "Write a model directory with deterministic random weights");
  cmd->add_option("--model", o->model, "Preset: ml-mamba, mmmamba-linear, mmmamba-hybrid, transformer, tiny-*")->required();
  cmd->add_option("--out", o->out, "Directory to create")->required();
  cmd->add_option("--seed", o->seed, "Seed (the weights are a function of the seed and each tensor's name)");
  cmd->add_option("--dtype", o->dtype, "Weight dtype: bf16 (default for real sizes) or f32 (default for tiny-*)");
  cmd->callback([o] {
    const ModelConfig c = preset_config(o->model);
    const DType dt = o->dtype.empty() ? (o->model.rfind("tiny-", 0) == 0 ? DType::F32 : DType::BF16)
                                      : parse_dtype(o->dtype, "--dtype");
    const auto specs = weight_specs(c);
    fmt::print("{}: {} tensors, {:.3f} B parameters, {} as {}\n", o->model, specs.size(), param_count(specs) / 1e9,
               format_bytes(weight_bytes(specs, dt)), dtype_name(dt));
    const size_t bytes = write_random_checkpoint(c, o->out, o->seed, dt);
    fmt::print("wrote {}/config.json and {}/model.safetensors ({})\n", o->out, o->out, format_bytes(bytes));
  });
}

}  // namespace mambascope::cli
