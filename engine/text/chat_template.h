#pragma once
// Chat prompts of the supported models, rendered as their reference code renders them, tokenized, and with
// the positions where image embeddings go, so that a session can splice them in:
//  - ChatFormat::MlMamba (ML-Mamba's ZephyrChatPromptBuilder, mlmamba/models/backbones/llm/prompting):
//      "<|user|>\n{q1}<|endoftext|>\n<|assistant|>\n{a1}<|endoftext|>\n<|user|>\n{q2}<|endoftext|>\n<|assistant|>\n"
//    messages stripped and "<image>" removed, an empty past answer becomes " ", no BOS; the image's
//    embeddings come before all text (MLMambaVLM.forward concatenates [patches, text]).
//  - ChatFormat::InternLM2 (HoVLE's/mmMamba's InternVLChatModel.chat with the "internlm2-chat" template):
//      "<|im_start|>system\n{system}<|im_end|><|im_start|>user\n<img><IMG_CONTEXT>×n</img>\n{q1}<|im_end|>"
//      "<|im_start|>assistant\n{a1}<|im_end|><|im_start|>user\n{q2}<|im_end|><|im_start|>assistant\n"
//    (no newline after <|im_end|>: the template's separator is "<|im_end|>"), "<image>\n" prepended to the
//    first question when there is an image and the question has no "<image>", <s> prepended by the
//    tokenizer; the image's embeddings replace the n <IMG_CONTEXT> tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/text/tokenizer.h"

namespace mambascope {

enum class ChatFormat { MlMamba, InternLM2 };

// HoVLE's system message (the "internlm2-chat" template of its conversation.py).
inline constexpr const char* kHoVLESystemMessage =
    "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";

struct ChatTurn {
  std::string user;
  std::optional<std::string> assistant;  // unset in the last turn: the prompt asks the model to answer
};

struct ChatOptions {
  int64_t image_embeddings = 0;               // embeddings the image contributes; 0 for a text-only chat
  std::optional<std::string> system_message;  // InternLM2 only (default kHoVLESystemMessage)
};

// Positions [begin, begin + count) of ChatPrompt::ids that take an image's embeddings.
struct ImageSpan {
  int64_t begin = 0;
  int64_t count = 0;
};

struct ChatPrompt {
  std::string text;             // the string the reference tokenizes (image placeholders expanded)
  std::vector<int32_t> ids;     // the whole input sequence, image positions included
  std::vector<ImageSpan> images;
  int32_t image_token_id = -1;  // what image positions hold in `ids`: <IMG_CONTEXT>, or -1 (no token)
  std::vector<int32_t> stop_ids;  // generation stops at any of these
};

// The prompt string alone (what the reference builds before tokenizing), image placeholders expanded.
std::string render_chat(ChatFormat format, const std::vector<ChatTurn>& turns, const ChatOptions& options = {});

// The tokenized prompt. Errors name the tokenizer's file when it lacks a token the format needs.
ChatPrompt build_chat_prompt(const Tokenizer& tokenizer, ChatFormat format, const std::vector<ChatTurn>& turns,
                             const ChatOptions& options = {});

// HoVLE's <IMG_CONTEXT> count for `tiles` tiles: (image_size / patch)^2 * downsample^2 per tile (256 at 448 px,
// patch 14, pixel-shuffle 0.5).
int64_t hovle_image_tokens(int64_t tiles, int image_size = 448, int patch = 14, double downsample = 0.5);

ChatFormat parse_chat_format(const std::string& name);  // "mlmamba" or "internlm2"; Error otherwise

}  // namespace mambascope
