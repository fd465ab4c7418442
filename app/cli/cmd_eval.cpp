// `mambascope eval --model M --data DIR [--limit N] [--device cpu|cuda] [--json]`: image question answering
// accuracy of a trained model run by our engine, and its agreement with the PyTorch model of the same weights
// (engine/eval). M is a model directory, or a name found under assets/models/ (engine/session/model_source.h).
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/eval/eval.h"
#include "engine/session/model_source.h"

namespace mambascope::cli {
namespace fs = std::filesystem;

void add_eval_command(CLI::App& app) {
  struct Opt {
    std::string model, data, device;
    int64_t limit = 0, max_new = 16;
    bool json = false, show = false;
  };
  auto o = std::make_shared<Opt>();
  CLI::App* cmd = app.add_subcommand("eval", "Accuracy on an image Q&A set with our engine, and agreement with PyTorch's answers");
  cmd->add_option("--model", o->model, "Model directory, or a name under assets/models (e.g. tiny-mmmamba-linear)")->required();
  cmd->add_option("--data", o->data, "Eval set directory (items.jsonl + images, torch/<model>.jsonl)")->required();
  cmd->add_option("--limit", o->limit, "Only the first N items");
  cmd->add_option("--max-new", o->max_new, "Longest answer in tokens");
  cmd->add_option("--device", o->device, "cpu or cuda (default: cuda when present)");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->add_flag("--show", o->show, "Print every item whose answer is wrong or differs from PyTorch's");
  cmd->callback([o] {
    const Device dev = pick_device(o->device, "eval");
    const DType dt = dev == Device::Cuda ? DType::BF16 : DType::F32;
    const std::string dir = checkpoint_dir(o->model);  // "" for a preset: nothing trained to evaluate
    if (dir.empty())
      throw Error("'" + o->model + "' is a preset with no trained checkpoint under " + assets_dir() + "/models", "--model", o->model,
                  "pass a directory with config.json, model.safetensors and the tokenizer, or a trained model's name "
                  "(tiny-transformer, tiny-mmmamba-linear)");
    const std::string name = fs::path(dir).lexically_normal().filename().string().empty()
                                 ? fs::path(dir).lexically_normal().parent_path().filename().string()
                                 : fs::path(dir).lexically_normal().filename().string();
    std::shared_ptr<const Model> m = load_model(dir, dev, dt);
    const auto tok = load_tokenizer(dir);
    const std::vector<EvalItem> items = load_eval_items(o->data);
    const auto torch_answers = load_torch_answers(o->data, name);
    EvalOptions eo;
    eo.limit = o->limit;
    eo.max_new_tokens = o->max_new;
    const EvalResult r = run_eval(m, *tok, o->data, items, torch_answers, eo);
    const size_t n = r.items.size();
    const double prefill_tps = r.prefill_tokens / std::max(r.prefill_s, 1e-9), decode_tps = r.decode_tokens / std::max(r.decode_s, 1e-9);
    const std::string device = dev == Device::Cuda ? cuda_devices().at(0).name : "CPU";
    if (o->json) {
      nlohmann::json j = {{"model", name}, {"kind", m->config().kind()}, {"device", device}, {"dtype", dtype_name(dt)},
                          {"data", o->data}, {"items", n}, {"correct", r.correct}, {"accuracy", r.accuracy()},
                          {"prefill_tokens_per_s", prefill_tps}, {"decode_tokens_per_s", decode_tps},
                          {"image_ms_per_item", 1e3 * r.image_s / std::max<size_t>(n, 1)}};
      if (torch_answers) {
        j["torch_accuracy"] = r.torch_accuracy;
        j["agree"] = r.agree;
        j["agreement"] = r.agreement();
        j["prompt_mismatches"] = r.prompt_mismatches;
      }
      j["answers"] = nlohmann::json::array();
      for (const EvalItemResult& it : r.items) j["answers"].push_back(it.answer);
      fmt::print("{}\n", j.dump(1));
      return;
    }
    fmt::print("{} ({}, pattern {}) on {}, {}; {} items of {}\n", name, m->config().kind(), m->config().layer_pattern(), device,
               dtype_name(dt), n, o->data);
    fmt::print("accuracy   {:.3f} ({}/{}){}\n", r.accuracy(), r.correct, n,
               torch_answers ? fmt::format("   PyTorch (same weights) {:.3f}", r.torch_accuracy) : std::string());
    if (torch_answers)
      fmt::print("agreement  {}/{} ({:.1f}%) answers token-identical to PyTorch's; prompts identical {}/{}\n", r.agree, r.compared,
                 100 * r.agreement(), r.compared - r.prompt_mismatches, r.compared);
    else
      fmt::print("agreement  no PyTorch answers ({}/torch/{}.jsonl)\n", o->data, name);
    fmt::print("speed      prefill {:.0f} tokens/s ({} tokens), decode {:.1f} tokens/s ({} tokens), image {:.2f} ms/item\n",
               prefill_tps, r.prefill_tokens, decode_tps, r.decode_tokens, 1e3 * r.image_s / std::max<size_t>(n, 1));
    if (o->show)
      for (size_t i = 0; i < n; ++i) {
        const EvalItemResult& it = r.items[i];
        if (!it.correct || it.torch_agrees == 0)
          fmt::print("  {:4d} {} | {} | ours \"{}\"{} | reference \"{}\"\n", i, items[i].image, items[i].question, it.answer,
                     torch_answers ? fmt::format(" | PyTorch \"{}\"", (*torch_answers)[i].answer) : std::string(), items[i].answer);
      }
  });
}

}  // namespace mambascope::cli
