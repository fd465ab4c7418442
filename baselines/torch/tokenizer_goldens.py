#!/usr/bin/env python3
"""Trains the two small tokenizers of assets/tokenizers/ and writes the parity goldens of engine/text.

  assets/tokenizers/tiny-neox/tokenizer.json   byte-level BPE like GPT-NeoX-20B's (NFC, GPT-2 regex, ByteLevel
                                               decoder, <|endoftext|> <|padding|> <|user|> <|assistant|>
                                               <|system|>, and NeoX's added tokens for runs of 2..24 spaces)
  assets/tokenizers/tiny-internlm2/            SentencePiece BPE with byte fallback like InternLM2's
      tokenizer.model, tokenizer_config.json,  (<unk> <s> </s>, <|im_start|> <|im_end|> ..., and HoVLE's image
      added_tokens.json                        tokens <img> </img> <IMG_CONTEXT> ... after the vocabulary)
  assets/golden/tokenizer/bpe.json             ids/decodes from HF tokenizers for a fixed corpus
  assets/golden/tokenizer/sentencepiece.json   ids/decodes from sentencepiece, cut at added tokens first as HF's
                                               slow InternLM2Tokenizer does, <s> prepended
  assets/golden/tokenizer/templates.json       the chat prompts of both formats and their ids
  assets/golden/tokenizer/neox20b.json         (with --neox20b FILE) ids of the real GPT-NeoX-20B tokenizer.json

Run where `tokenizers` and `sentencepiece` are installed:
    python3 baselines/torch/tokenizer_goldens.py [--neox20b path/to/20B_tokenizer.json]
"""
import argparse
import json
import os
import random
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

# The parity corpus: multilingual text, emoji (ZWJ sequences, flags), code, whitespace runs, numbers, Unicode
# that NFC changes, added/special tokens, and edge cases (empty, one space, one letter).
CORPUS = [
    "Hello world!",
    "How many circles are in the image? There are 3 red circles and 2 blue squares.",
    "  leading spaces and trailing   ",
    "tabs\tand\nnewlines\n\n\nand\r\nCRLF line ends",
    "multiple     spaces      between  words",
    "numbers: 0 1 12 123 1234 12345 3.14159 -42 1e10 0xFF 1,000,000",
    "Ünïcödé café naïve façade — “quotes” ‘single’ … «guillemets»",
    "Decomposed: cafe\u0301 e\u0301te\u0301 (NFC composes these)",
    "ﬁ ligature ① ² Ⅻ (NFC keeps these, NFKC would not)",
    "中文测试：你好，世界！这是一个圆形。",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 텍스트입니다",
    "Русский текст с пунктуацией: «да», нет.",
    "العربية نص قصير",
    "हिन्दी पाठ",
    "Emoji: 🤖🚀 👩‍💻 🇫🇷 ❤️ 🏳️‍🌈 👍🏽",
    "def f(x):\n    return x ** 2  # square\n\n\tprint(f(3))\n",
    "for (int i = 0; i < n; ++i) { a[i] = b[i] + c[i]; }",
    "don't won't I'm you're they've we'll he'd DON'T",
    "URL: https://example.com/path?query=1&b=2#frag <tag attr=\"v\">",
    "mixed\u00a0nbsp\u3000ideographic\u2009thin\u200bzero-width spaces",
    "Ω ≈ ç √ ∫ ˜ µ ≤ ≥ ÷ € £ ¥ © ® ™",
    "a" * 150,
    "ab " * 40,
    "",
    " ",
    "a",
    "\n",
    "<|endoftext|>",
    "<|user|>\nHow many circles?<|endoftext|>\n<|assistant|>\n",
    "text<|endoftext|>more text<|endoftext|><|endoftext|>",
    "<|endoftext|> spaces around <|endoftext|>  two",
    "<|im_start|>user\nhi<|im_end|><|im_start|>assistant\n",
    "<img><IMG_CONTEXT><IMG_CONTEXT></img>\nWhat is in the image?",
    "<s>bos in text</s> and <unk>",
    "<|im_start|><|im_end|><|im_start|>",
    "partial <|im_sta rt|> and <img and IMG_CONTEXT>",
]

BPE_SPECIALS = ["<|endoftext|>", "<|padding|>", "<|user|>", "<|assistant|>", "<|system|>"]
INTERNLM2_CHAT = ["<|im_start|>", "<|im_end|>", "<|action_start|>", "<|action_end|>", "<|interpreter|>", "<|plugin|>"]
HOVLE_IMAGE_TOKENS = ["<img>", "</img>", "<IMG_CONTEXT>", "<quad>", "</quad>", "<ref>", "</ref>", "<box>", "</box>"]
HOVLE_SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"


def training_lines(seed=20261123):
    """A synthetic corpus about the sample images' world, plus some prose, code and other scripts."""
    rng = random.Random(seed)
    colors = ["red", "green", "blue", "yellow", "orange", "purple", "teal", "black", "white", "gray"]
    shapes = ["circle", "square", "triangle", "stripe", "ring", "star"]
    places = ["left", "right", "top", "bottom", "middle", "corner"]
    words = ("the a an of to in is are there how many what which where colour color shape image picture "
             "answer question model small large count one two three four five six seven eight nine ten "
             "this that these those and or not with without on under over next between").split()
    lines = []
    for _ in range(6000):
        n, c, s, p = rng.randint(0, 12), rng.choice(colors), rng.choice(shapes), rng.choice(places)
        lines.append(rng.choice([
            f"How many {s}s are there?", f"There are {n} {s}s.", f"What colour is the {s} on the {p}?",
            f"The {s} on the {p} is {c}.", f"I see {n} {c} {s}s and {rng.randint(0, 9)} {rng.choice(shapes)}s.",
            f"Count the {c} {s}s: {n}.", f"Is there a {c} {s}? {'Yes' if n else 'No'}.",
        ]))
    # Pseudo-words from syllables give the merges a vocabulary large enough for a few thousand pieces.
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    lexicon = words + ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(4000)]
    weights = [1.0 / (k + 10) for k in range(len(lexicon))]  # Zipf-like: some words are common
    for _ in range(12000):
        sentence = rng.choices(lexicon, weights, k=rng.randint(4, 16))
        lines.append(" ".join(sentence).capitalize() + rng.choice([".", "?", "!", ",", ";", ":"]))
    code = ["def area(r):\n    return 3.14159 * r * r\n", "for i in range(10):\n    print(i, i ** 2)\n",
            "int main() {\n  int x = 42;\n  return x;\n}\n", "if (a < b && c >= d) { x += 1; }",
            "    indented = [1, 2, 3]\n        more = {'k': 'v'}\n", "// comment\n/* block */\n#include <vector>\n"]
    other = ["你好，世界。这是一个圆形和两个正方形。", "日本語の文章です。円が三つあります。",
             "Привет, мир. Здесь три круга.", "Ceci est un cercle rouge. Voilà deux carrés.",
             "Das ist ein grünes Dreieck. Über dem Quadrat.", "Emoji 🤖 🚀 ❤️ 👍", "café naïve façade résumé"]
    for _ in range(800):
        lines.append(rng.choice(code))
        lines.append(rng.choice(other))
        lines.append(" ".join(str(rng.randint(0, 10 ** rng.randint(1, 6))) for _ in range(rng.randint(1, 6))))
    rng.shuffle(lines)
    return lines


def split_added(text, added):
    """Leftmost-longest split at added tokens (HF's slow tokenizers' trie): [(piece, id or None)]."""
    out, done, pos = [], 0, 0
    by_len = sorted(added.items(), key=lambda kv: -len(kv[0]))
    while pos < len(text):
        hit = None
        for at in range(pos, len(text)):
            for content, tid in by_len:
                if text.startswith(content, at):
                    hit = (at, content, tid)
                    break
            if hit:
                break
        if not hit:
            break
        at, content, tid = hit
        if done < at:
            out.append((text[done:at], None))
        out.append((content, tid))
        done = pos = at + len(content)
    if done < len(text):
        out.append((text[done:], None))
    return out


def train_bpe(lines, out_dir):
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(vocab_size=3072, min_frequency=2, special_tokens=BPE_SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(lines, trainer=trainer)
    # GPT-NeoX-20B's extra vocabulary: runs of 24 down to 2 spaces, matched after normalization, not special.
    tok.add_tokens([AddedToken(" " * n, normalized=True, special=False) for n in range(24, 1, -1)])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "tokenizer.json")
    tok.save(path)
    return Tokenizer.from_file(path), path


def train_sentencepiece(lines, out_dir):
    import sentencepiece as spm
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            # Korean, Arabic and Hindi stay out of training: they reach the model through byte fallback.
            f.write("\n".join(line.replace("\n", " ") for line in lines) + "\n")
        prefix = os.path.join(tmp, "sp")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=3000, model_type="bpe", byte_fallback=True,
            character_coverage=0.9995, normalization_rule_name="identity", remove_extra_whitespaces=False,
            add_dummy_prefix=True, split_digits=True, allow_whitespace_only_pieces=True, unk_id=0, bos_id=1,
            eos_id=2, pad_id=-1, user_defined_symbols=",".join(INTERNLM2_CHAT), hard_vocab_limit=False,
            num_threads=8)
        with open(prefix + ".model", "rb") as f:
            model = f.read()
    path = os.path.join(out_dir, "tokenizer.model")
    with open(path, "wb") as f:
        f.write(model)
    sp = spm.SentencePieceProcessor(model_file=path)
    n = sp.get_piece_size()
    image_ids = {t: n + k for k, t in enumerate(HOVLE_IMAGE_TOKENS)}
    with open(os.path.join(out_dir, "added_tokens.json"), "w") as f:
        json.dump(image_ids, f, indent=1)
        f.write("\n")
    decoder = {}
    for content in ["<unk>", "<s>", "</s>"] + INTERNLM2_CHAT:
        decoder[str(sp.piece_to_id(content))] = content
    for content, tid in image_ids.items():
        decoder[str(tid)] = content
    config = {
        "mambascope_note": "a small InternLM2-style tokenizer for tests and tiny models; "
                           "made by baselines/torch/tokenizer_goldens.py",
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "added_tokens_decoder": {k: {"content": v, "lstrip": False, "normalized": False, "rstrip": False,
                                     "single_word": False, "special": True} for k, v in decoder.items()},
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
        f.write("\n")
    added = {v: int(k) for k, v in decoder.items()}
    return sp, added, path


def sp_encode(sp, added, text, add_bos=True):
    ids = [sp.bos_id()] if add_bos else []
    for piece, tid in split_added(text, added):
        ids += [tid] if tid is not None else sp.encode(piece)
    return ids


def sp_decode(sp, added, ids, skip_special):
    by_id = {v: k for k, v in added.items()}
    out, run = "", []
    for i in ids:
        if i in by_id:
            out += sp.decode(run) if run else ""
            run = []
            out += "" if skip_special else by_id[i]
        else:
            run.append(i)
    return out + (sp.decode(run) if run else "")


def mlmamba_prompt(turns):
    """ML-Mamba's ZephyrChatPromptBuilder: turns = [(question, answer or None)]."""
    s = ""
    for k, (q, a) in enumerate(turns):
        q = q.replace("<image>", "").strip()
        s += ("" if k == 0 else "\n") + f"<|user|>\n{q}<|endoftext|>\n<|assistant|>\n"
        if a is not None:
            a = a.replace("<image>", "").strip()
            s += (a if a != "" else " ") + "<|endoftext|>"
    return s


def internlm2_prompt(turns, image_tokens, system=HOVLE_SYSTEM):
    """InternVLChatModel.chat with the internlm2-chat template (separator style MPT, sep "<|im_end|>")."""
    sep = "<|im_end|>"
    messages = []
    for k, (q, a) in enumerate(turns):
        if k == 0 and image_tokens and "<image>" not in q:
            q = "<image>\n" + q
        messages += [("<|im_start|>user\n", q), ("<|im_start|>assistant\n", a)]
    s = "<|im_start|>system\n" + system + sep
    for role, msg in messages:
        s += role + msg + sep if msg else role
    if image_tokens:
        s = s.replace("<image>", "<img>" + "<IMG_CONTEXT>" * image_tokens + "</img>", 1)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neox20b", help="a copy of GPT-NeoX-20B's tokenizer.json, for neox20b.json")
    args = ap.parse_args()
    import sentencepiece
    import tokenizers
    golden = os.path.join(ROOT, "assets", "golden", "tokenizer")
    os.makedirs(golden, exist_ok=True)
    lines = training_lines()

    def dump(name, obj):
        with open(os.path.join(golden, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("wrote", name)

    bpe, bpe_path = train_bpe(lines, os.path.join(ROOT, "assets", "tokenizers", "tiny-neox"))
    print("tiny-neox:", bpe.get_vocab_size(), "tokens")

    def hf_cases(tok):
        cases = []
        for text in CORPUS:
            ids = tok.encode(text).ids
            cases.append({"text": text, "ids": ids, "ids_no_special": tok.encode(text, add_special_tokens=False).ids,
                          "decoded": tok.decode(ids, skip_special_tokens=False),
                          "decoded_skip_special": tok.decode(ids, skip_special_tokens=True)})
        return cases
    dump("bpe.json", {"tokenizer": "assets/tokenizers/tiny-neox/tokenizer.json", "library": "tokenizers " + tokenizers.__version__,
                      "cases": hf_cases(bpe)})

    sp, added, sp_path = train_sentencepiece(lines, os.path.join(ROOT, "assets", "tokenizers", "tiny-internlm2"))
    print("tiny-internlm2:", sp.get_piece_size(), "pieces +", len(HOVLE_IMAGE_TOKENS), "image tokens")
    cases = []
    for text in CORPUS:
        ids = sp_encode(sp, added, text)
        cases.append({"text": text, "ids": ids, "ids_no_special": sp_encode(sp, added, text, add_bos=False),
                      "decoded": sp_decode(sp, added, ids, False), "decoded_skip_special": sp_decode(sp, added, ids, True)})
    dump("sentencepiece.json", {"tokenizer": "assets/tokenizers/tiny-internlm2/tokenizer.model",
                                "library": "sentencepiece " + sentencepiece.__version__, "cases": cases})

    conversations = [
        [("How many circles?", None)],
        [("<image>\nHow many circles?", "There are 3 circles."), ("  And squares?  ", ""), ("What colour is the top one?", None)],
    ]
    templates = []
    for turns in conversations:
        text = mlmamba_prompt(turns)
        templates.append({"format": "mlmamba", "turns": [[q, a] for q, a in turns], "image_embeddings": 729,
                          "text": text, "ids": [-1] * 729 + bpe.encode(text).ids, "image_begin": 0})
        for image_tokens in (0, 256):
            text = internlm2_prompt(turns, image_tokens)
            ids = sp_encode(sp, added, text)
            begin = ids.index(added["<IMG_CONTEXT>"]) if image_tokens else -1
            templates.append({"format": "internlm2", "turns": [[q, a] for q, a in turns], "image_embeddings": image_tokens,
                              "text": text, "ids": ids, "image_begin": begin})
    dump("templates.json", {"bpe": "assets/tokenizers/tiny-neox/tokenizer.json",
                            "sentencepiece": "assets/tokenizers/tiny-internlm2/tokenizer.model", "prompts": templates})

    if args.neox20b:
        neox = tokenizers.Tokenizer.from_file(args.neox20b)
        dump("neox20b.json", {"tokenizer": "GPT-NeoX-20B tokenizer.json (set MAMBASCOPE_NEOX20B_TOKENIZER to a copy)",
                              "library": "tokenizers " + tokenizers.__version__, "cases": hf_cases(neox)})


if __name__ == "__main__":
    main()
