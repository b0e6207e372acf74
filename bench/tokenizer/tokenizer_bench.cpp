// Tokenizer benchmark: tokenizer.json load time and single-thread encode throughput on generated
// English prose. Usage: tokenizer_bench [tokenizer.json] [megabytes] [repeats]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/timer.h"
#include "tokenizer/tokenizer.h"

namespace {

using internvl::Timer;
using internvl::tokenizer::Tokenizer;

// Prose with a Zipf-like word distribution, capitalized sentences, commas, numbers, quotes,
// contractions and paragraphs: close to what chat prompts look like to the pre-tokenizer.
std::string make_english(std::size_t bytes, unsigned seed) {
  static const char* kWords[] = {"the",
                                 "of",
                                 "and",
                                 "to",
                                 "a",
                                 "in",
                                 "is",
                                 "that",
                                 "it",
                                 "was",
                                 "for",
                                 "on",
                                 "are",
                                 "as",
                                 "with",
                                 "his",
                                 "they",
                                 "at",
                                 "be",
                                 "this",
                                 "from",
                                 "have",
                                 "or",
                                 "by",
                                 "one",
                                 "had",
                                 "not",
                                 "but",
                                 "what",
                                 "all",
                                 "were",
                                 "when",
                                 "we",
                                 "there",
                                 "can",
                                 "an",
                                 "your",
                                 "which",
                                 "their",
                                 "said",
                                 "if",
                                 "do",
                                 "will",
                                 "each",
                                 "about",
                                 "how",
                                 "up",
                                 "out",
                                 "them",
                                 "then",
                                 "she",
                                 "many",
                                 "some",
                                 "so",
                                 "these",
                                 "would",
                                 "other",
                                 "into",
                                 "has",
                                 "more",
                                 "her",
                                 "two",
                                 "like",
                                 "him",
                                 "see",
                                 "time",
                                 "could",
                                 "no",
                                 "make",
                                 "than",
                                 "first",
                                 "been",
                                 "its",
                                 "who",
                                 "now",
                                 "people",
                                 "my",
                                 "made",
                                 "over",
                                 "did",
                                 "down",
                                 "only",
                                 "way",
                                 "find",
                                 "use",
                                 "may",
                                 "water",
                                 "long",
                                 "little",
                                 "very",
                                 "after",
                                 "words",
                                 "called",
                                 "just",
                                 "where",
                                 "most",
                                 "know",
                                 "image",
                                 "describe",
                                 "building",
                                 "mountain",
                                 "river",
                                 "photograph",
                                 "children",
                                 "government",
                                 "information",
                                 "development",
                                 "understanding",
                                 "particularly",
                                 "significant",
                                 "approximately",
                                 "environment",
                                 "architecture",
                                 "transformation",
                                 "experience",
                                 "between",
                                 "through",
                                 "because",
                                 "different",
                                 "important",
                                 "following",
                                 "question",
                                 "answer",
                                 "picture",
                                 "landscape",
                                 "yesterday",
                                 "tomorrow",
                                 "beautiful",
                                 "interesting",
                                 "however",
                                 "although",
                                 "therefore",
                                 "questionnaire",
                                 "rhythm",
                                 "queue",
                                 "psychology",
                                 "Wednesday"};
  const std::size_t n = sizeof(kWords) / sizeof(kWords[0]);
  std::vector<double> weights(n);
  for (std::size_t i = 0; i < n; ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::mt19937 rng(seed);
  std::discrete_distribution<std::size_t> word(weights.begin(), weights.end());
  std::uniform_int_distribution<int> len(6, 22);
  std::uniform_int_distribution<int> pct(0, 99);
  std::string out;
  out.reserve(bytes + 256);
  while (out.size() < bytes) {
    const int words = len(rng);
    for (int w = 0; w < words; ++w) {
      std::string token = kWords[word(rng)];
      if (w == 0) token[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(token[0])));
      const int p = pct(rng);
      if (p < 3)
        token = std::to_string(rng() % 2000);
      else if (p < 5)
        token += "'s";
      else if (p < 6)
        token = "\"" + token + "\"";
      out += token;
      if (w + 1 < words) out += pct(rng) < 8 ? ", " : " ";
    }
    out += pct(rng) < 85 ? ". " : "? ";
    if (pct(rng) < 10) out += "\n\n";
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : INTERNVL_BENCH_TOKENIZER_JSON;
  const double mb = argc > 2 ? std::atof(argv[2]) : 4.0;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;

  std::vector<double> load_ms;
  std::optional<Tokenizer> tok;
  for (int r = 0; r < repeats; ++r) {
    Timer t;
    auto loaded = Tokenizer::load(path);
    load_ms.push_back(t.elapsed_ms());
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().to_string().c_str());
      return 1;
    }
    tok.emplace(std::move(*loaded));
  }
  std::printf("load %s: min %.1f ms, median %.1f ms (%d runs)\n", path.c_str(),
              *std::min_element(load_ms.begin(), load_ms.end()), median(load_ms), repeats);

  const std::string text = make_english(static_cast<std::size_t>(mb * 1e6), 1234);
  std::vector<double> mbps;
  std::size_t n_ids = 0;
  for (int r = 0; r < repeats + 1; ++r) {
    Timer t;
    n_ids = tok->encode(text).size();
    const double s = t.elapsed_ms() / 1000.0;
    if (r == 0) {
      std::printf("encode %.1f MB English, first pass (cold BPE cache): %.1f MB/s\n",
                  text.size() / 1e6, text.size() / 1e6 / s);
      continue;
    }
    mbps.push_back(text.size() / 1e6 / s);
  }
  std::printf(
      "encode %.1f MB English, 1 thread, %zu ids (%.2f bytes/token): min %.1f MB/s, "
      "median %.1f MB/s (%d runs)\n",
      text.size() / 1e6, n_ids, static_cast<double>(text.size()) / n_ids,
      *std::min_element(mbps.begin(), mbps.end()), median(mbps), repeats);
  return 0;
}
