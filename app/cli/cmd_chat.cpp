// `mambascope chat --model M [--image FILE] [--prompt TEXT]`: talk to a model about an image. With --prompt,
// one answer streamed to stdout and its stats on stderr (or one JSON object with --json); without, a REPL
// on stdin (/image FILE, /reset, /stats, /quit, /help). Ctrl-C stops the current answer; a second Ctrl-C
// at the prompt exits.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli/commands.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/session/chat.h"

namespace mambascope::cli {
namespace {

struct ChatCliOptions {
  std::string model, weights, tokenizer, image, prompt, device;
  int64_t max_new_tokens = 128, max_length = 4096;
  float temperature = 0.f, top_p = 1.f;
  int top_k = 0;
  uint64_t seed = 0;
  bool json = false;
};

// Ctrl-C: stops the answer being generated; at the prompt, the first press says how to leave, the second exits.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_answering{false};
std::atomic<int> g_prompt_interrupts{0};

void on_sigint(int) {
  if (g_answering.load()) {
    g_stop = true;
    return;
  }
  if (g_prompt_interrupts.fetch_add(1) >= 1) _exit(130);
  const char msg[] = "\n(Ctrl-C again or /quit to leave)\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

void install_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // reads at the prompt go on after a first Ctrl-C
  sigaction(SIGINT, &sa, nullptr);
}

AskOptions ask_options(const ChatCliOptions& o) {
  AskOptions a;
  a.max_new_tokens = o.max_new_tokens;
  a.sampling.temperature = o.temperature;
  a.sampling.top_k = o.top_k;
  a.sampling.top_p = o.top_p;
  a.sampling.seed = o.seed;
  return a;
}

std::string describe_image(const ChatImageInfo& i) {
  std::string s = fmt::format("image {} ({}x{}): {} embeddings", i.path, i.width, i.height, i.embeddings);
  if (i.tiles > 1) s += fmt::format(" from {} tiles ({}x{} grid + thumbnail)", i.tiles, i.cols, i.rows);
  return s + fmt::format(", {:.1f} ms", i.embed_ms);
}

ChatAnswer answer(Chat& chat, const std::string& text, const AskOptions& ao, bool stream) {
  g_stop = false;
  g_answering = true;
  struct Done {
    ~Done() { g_answering = false; }
  } done;
  return chat.ask(text, stream ? Chat::PieceFn([](const std::string& piece) {
                    std::fwrite(piece.data(), 1, piece.size(), stdout);
                    std::fflush(stdout);
                  })
                               : Chat::PieceFn(), &g_stop, ao);
}

void print_json(const Chat& chat, const ChatCliOptions& o, const ChatAnswer& a, const std::string& warning) {
  nlohmann::json j;
  if (!warning.empty()) j["warning"] = warning;
  j["model"] = chat.model().config().name;
  j["kind"] = chat.model().config().kind();
  j["weights"] = chat.weights_from();
  j["tokenizer"] = chat.tokenizer().path();
  j["device"] = device_name(chat.model().device());
  j["image"] = chat.image() ? nlohmann::json(chat.image()->path) : nlohmann::json(nullptr);
  if (chat.image()) j["image_embeddings"] = chat.image()->embeddings;
  j["prompt"] = o.prompt;
  j["answer"] = a.text;
  j["tokens"] = a.tokens;
  j["stats"] = nlohmann::json::parse(stats_json(a.stats));
  std::cout << j.dump(2) << "\n";
}

const char* kReplHelp =
    "type a question and press Enter; commands:\n"
    "  /image FILE   chat about FILE (starts a new conversation)\n"
    "  /reset        forget the conversation (keeps the image)\n"
    "  /stats        the last answer's timings and memory, and the session\n"
    "  /quit         leave (also Ctrl-D, or Ctrl-C twice at the prompt)\n"
    "  /help         this text\n"
    "Ctrl-C while an answer streams stops it.\n";

void repl(Chat& chat, const ChatCliOptions& o) {
  const bool tty = isatty(STDIN_FILENO);
  const AskOptions ao = ask_options(o);
  std::optional<AskStats> last;
  if (tty) fmt::print("{}", kReplHelp);
  std::string line;
  for (;;) {
    if (tty) {
      fmt::print("> ");
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    g_prompt_interrupts = 0;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      if (line[0] == '/') {
        const size_t sp = line.find(' ');
        const std::string cmd = line.substr(0, sp);
        std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
        while (!arg.empty() && arg.front() == ' ') arg.erase(arg.begin());
        if (cmd == "/quit" || cmd == "/exit") break;
        if (cmd == "/help") {
          fmt::print("{}", kReplHelp);
        } else if (cmd == "/reset") {
          chat.reset();
          fmt::print("new conversation{}\n", chat.image() ? " about " + chat.image()->path : "");
        } else if (cmd == "/image") {
          if (arg.empty()) throw Error("/image needs a file", "chat", "/image", "type /image FILE");
          fmt::print("{} (new conversation)\n", describe_image(chat.set_image(arg)));
        } else if (cmd == "/stats") {
          fmt::print("session: {} of {} tokens held, {} turns, {}\n", chat.held_tokens().size(), chat.max_length(), chat.turns().size(),
                     chat.image() ? describe_image(*chat.image()) : std::string("no image"));
          if (last) fmt::print("last answer: {}\n", describe_stats(*last));
          else fmt::print("no answer yet\n");
        } else {
          fmt::print("unknown command {} (/help lists them)\n", cmd);
        }
        std::fflush(stdout);
        continue;
      }
      const ChatAnswer a = answer(chat, line, ao, true);
      fmt::print("\n{}[{}]\n", a.stats.stop_reason == "stopped" ? "(stopped)\n" : "", describe_stats(a.stats));
      last = a.stats;
    } catch (const Error& e) {
      fmt::print(stderr, "error: {}\n", e.what());
    }
    std::fflush(stdout);
  }
}

void run_chat(const ChatCliOptions& o) {
  ModelRequest r;
  r.model = o.model;
  r.weights = o.weights;
  r.tokenizer = o.tokenizer;
  r.device = pick_device(o.device, "chat");
  r.dtype = r.device == Device::Cuda ? DType::BF16 : DType::F32;
  r.seed = o.seed;
  ResolvedModel resolved = resolve_model(r);
  const std::string warning = resolved.warning;
  if (!warning.empty() && !o.json) fmt::print(stderr, "{}\n", warning);
  Chat chat(std::move(resolved), o.max_length);
  if (!o.image.empty()) {
    const ChatImageInfo& info = chat.set_image(o.image);
    if (!o.json) fmt::print(stderr, "{}\n", describe_image(info));
  }
  install_sigint();
  if (o.prompt.empty()) {
    if (o.json) throw Error("--json needs --prompt", "chat", "--json", "pass --prompt TEXT, or leave out --json for the REPL");
    repl(chat, o);
    return;
  }
  const ChatAnswer a = answer(chat, o.prompt, ask_options(o), !o.json);
  if (o.json) {
    print_json(chat, o, a, warning);
    return;
  }
  fmt::print("\n");
  std::fflush(stdout);
  fmt::print(stderr, "[{}]\n", describe_stats(a.stats));
}

}  // namespace

void add_chat_command(CLI::App& app) {
  auto o = std::make_shared<ChatCliOptions>();
  CLI::App* cmd = app.add_subcommand("chat", "Chat about an image: streamed answers with prefill ms, tokens/s and memory");
  cmd->add_option("--model", o->model,
                  "Preset (tiny-ml-mamba, tiny-mmmamba-linear, ..., ml-mamba, ...), a checkpoint under assets/models/, or a model directory")
      ->required();
  cmd->add_option("--weights", o->weights, "Checkpoint directory for the model (default: its own, or generated weights for a preset)");
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json or tokenizer.model (default: the model's)");
  cmd->add_option("--image", o->image, "Image to chat about (PNG, JPEG, BMP, GIF)");
  cmd->add_option("--prompt", o->prompt, "Answer this one question and exit (default: a REPL on stdin)");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Tokens per answer at most");
  cmd->add_option("--max-length", o->max_length, "Tokens the session holds (the whole conversation)");
  cmd->add_option("--temperature", o->temperature, "0 = greedy");
  cmd->add_option("--top-k", o->top_k, "0 = off");
  cmd->add_option("--top-p", o->top_p, "1 = off");
  cmd->add_option("--seed", o->seed, "Sampling seed, and the seed of generated weights");
  cmd->add_option("--device", o->device, "cuda or cpu (default: cuda when present)");
  cmd->add_flag("--json", o->json, "Print one JSON object (answer, tokens, stats) instead of streaming");
  cmd->callback([o] { run_chat(*o); });
}

}  // namespace mambascope::cli
