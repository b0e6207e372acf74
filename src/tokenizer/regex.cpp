#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <optional>

#include "core/log.h"
#include "core/str.h"
#include "tokenizer/qwen2_split.h"

namespace internvl::tokenizer {
namespace {

// Oniguruma's Unicode \s: U+0009-U+000D, U+0085 and General_Category Z (Zs, Zl, Zp).
// ref: Oniguruma doc/RE, "\s ... Unicode: 0009, 000A, 000B, 000C, 000D, 0085(NEL),
// Line_Separator, Paragraph_Separator, Space_Separator".
constexpr std::string_view kSpaceBody = "\\t-\\r\\x{85}\\p{Z}";
// Oniguruma's Unicode \w: Letter | Mark | Number | Connector_Punctuation.
constexpr std::string_view kWordBody = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
constexpr std::string_view kHexBody = "0-9a-fA-F";

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Status refuse(std::string_view what, std::size_t pos, std::string_view pattern) {
  return unsupported("regex construct ", what, " at offset ", pos, " of ",
                     quote_for_message(pattern, 200), " is not supported");
}

// Appends a class body: inside [...] as is, outside wrapped in [...] or [^...].
void append_class(std::string_view body, bool in_class, bool negate, std::string* out) {
  if (in_class) {
    out->append(body);
    return;
  }
  out->append(negate ? "[^" : "[");
  out->append(body);
  out->push_back(']');
}

}  // namespace

Result<std::string> onig_to_pcre2(std::string_view p) {
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  std::size_t i = 0;
  const std::size_t n = p.size();
  while (i < n) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= n) return refuse("trailing backslash", i, p);
      const char e = p[i + 1];
      switch (e) {
        case 's':
        case 'S':
        case 'w':
        case 'W':
        case 'h':
        case 'H': {
          const bool negate = e == 'S' || e == 'W' || e == 'H';
          if (negate && in_class) return refuse(str_cat("\\", e, " inside a class"), i, p);
          const char lower = static_cast<char>(e | 0x20);
          const std::string_view body = lower == 's'   ? kSpaceBody
                                        : lower == 'w' ? kWordBody
                                                       : kHexBody;
          append_class(body, in_class, negate, &out);
          i += 2;
          continue;
        }
        case 'd':
          out.append("\\p{Nd}");
          i += 2;
          continue;
        case 'D':
          if (in_class) return refuse("\\D inside a class", i, p);
          out.append("\\P{Nd}");
          i += 2;
          continue;
        case 'x':
          // Oniguruma reads \xHH as a raw byte: above 0x7F that is half a UTF-8 character.
          if (i + 3 < n && is_hex(p[i + 2]) && is_hex(p[i + 3]) && p[i + 2] >= '8') {
            return refuse("\\x80-\\xFF (a raw byte in Oniguruma)", i, p);
          }
          out.append("\\x");
          i += 2;
          continue;
        case 'b':
        case 'B':
        case 'R':
        case 'X':
        case 'K':
        case 'G':
        case 'Q':
        case 'E':
        case 'y':
        case 'Y':
        case 'N':
        case 'O':
        case 'g':
        case 'k':
        case 'A':
        case 'Z':
        case 'z':
          return refuse(str_cat("\\", e), i, p);
        default:
          // Escaped punctuation, \t \n \r \f \v \e \a, \p{..} / \P{..}: the same in both engines.
          out.push_back('\\');
          out.push_back(e);
          i += 2;
          continue;
      }
    }
    if (in_class) {
      if (c == '[') return refuse("nested class or POSIX bracket", i, p);
      if (c == '&' && i + 1 < n && p[i + 1] == '&') return refuse("class intersection &&", i, p);
      if (c == ']') in_class = false;
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back('[');
      ++i;
      if (i < n && p[i] == '^') {
        out.push_back('^');
        ++i;
      }
      if (i < n && p[i] == ']') return refuse("']' first in a class", i, p);
      continue;
    }
    if (c == '(' && i + 1 < n && p[i + 1] == '?') {
      // Inline options: Oniguruma's (?m) is PCRE2's (?s) and (?x) changes parsing; allow only i.
      std::size_t j = i + 2;
      while (j < n && (p[j] == 'i' || p[j] == 'm' || p[j] == 's' || p[j] == 'x' || p[j] == '-'))
        ++j;
      if (j > i + 2 && j < n && (p[j] == ':' || p[j] == ')')) {
        for (std::size_t k = i + 2; k < j; ++k) {
          if (p[k] != 'i' && p[k] != '-')
            return refuse(str_cat("inline option (?", p.substr(i + 2, j - i - 2), ")"), i, p);
        }
      }
      if (i + 2 < n && p[i + 2] == '~') return refuse("absent operator (?~", i, p);
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '^') {
      out.append("(?m:^)");  // Ruby syntax: line anchors
      ++i;
      continue;
    }
    if (c == '$') {
      out.append("(?m:$)");
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  if (in_class) return refuse("unterminated class", n, p);
  return out;
}

// ---- Regex ----

struct Regex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  std::string pattern;                                           // the original, for messages
  std::size_t (*fast)(std::string_view, std::size_t) = nullptr;  // ASCII matcher, 0 = ask PCRE2
  ~Impl() { pcre2_code_free(code); }
};

Regex::~Regex() = default;

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view onig_pattern,
                                                    std::string_view what, bool allow_fast_path) {
  auto translated = onig_to_pcre2(onig_pattern);
  if (!translated.ok()) return translated.status().with_context(what);
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  if (cctx == nullptr) return resource_exhausted(what, ": pcre2_compile_context_create failed");
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);  // '.' and $ treat only \n as a newline, as Oniguruma
  int err = 0;
  PCRE2_SIZE err_off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated->data()),
                                   translated->size(), PCRE2_UTF | PCRE2_UCP, &err, &err_off, cctx);
  pcre2_compile_context_free(cctx);
  if (code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof(buf));
    return corrupt(what, ": cannot compile regex ", quote_for_message(onig_pattern, 200), " (",
                   reinterpret_cast<const char*>(buf), " at offset ", err_off,
                   " of the PCRE2 form)");
  }
  std::shared_ptr<Regex> re(new Regex());
  re->impl_ = std::make_unique<Impl>();
  re->impl_->code = code;
  re->impl_->pattern = std::string(onig_pattern);
  // Without JIT (e.g. an unsupported CPU) pcre2_match interprets the same pattern.
  re->impl_->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  if (allow_fast_path && onig_pattern == kQwen2SplitPattern) re->impl_->fast = qwen2_ascii_match;
  return std::shared_ptr<const Regex>(std::move(re));
}

namespace {

// Match data and an on-demand larger JIT stack, owned by one split call.
class Matcher {
 public:
  Matcher(const pcre2_code* code, bool jit) : code_(code), jit_(jit) {
    md_ = pcre2_match_data_create_from_pattern(code, nullptr);
  }
  ~Matcher() {
    pcre2_match_data_free(md_);
    pcre2_match_context_free(mctx_);
    pcre2_jit_stack_free(stack_);
  }
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  bool ok() const { return md_ != nullptr; }

  // Searches from `start`; returns the match span, nullopt for no match, or sets *failed.
  std::optional<std::pair<std::size_t, std::size_t>> find(std::string_view s, std::size_t start,
                                                          bool* failed) {
    const auto* subj = reinterpret_cast<PCRE2_SPTR>(s.data());
    int rc = 0;
    if (jit_) {
      rc = pcre2_jit_match(code_, subj, s.size(), start, 0, md_, mctx_);
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT && stack_ == nullptr && grow_stack()) {
        rc = pcre2_jit_match(code_, subj, s.size(), start, 0, md_, mctx_);
      }
    }
    if (!jit_ || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      // The subject was validated (or repaired) before pre-tokenization.
      rc = pcre2_match(code_, subj, s.size(), start, PCRE2_NO_UTF_CHECK, md_, nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) return std::nullopt;
    if (rc < 0) {
      *failed = true;
      return std::nullopt;
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md_);
    return std::make_pair(static_cast<std::size_t>(ov[0]), static_cast<std::size_t>(ov[1]));
  }

 private:
  bool grow_stack() {
    mctx_ = pcre2_match_context_create(nullptr);
    stack_ = pcre2_jit_stack_create(64 * 1024, 64 * 1024 * 1024, nullptr);
    if (mctx_ == nullptr || stack_ == nullptr) return false;
    pcre2_jit_stack_assign(mctx_, nullptr, stack_);
    return true;
  }

  const pcre2_code* code_;
  bool jit_;
  pcre2_match_data* md_ = nullptr;
  pcre2_match_context* mctx_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
};

std::size_t char_len(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

}  // namespace

void Regex::for_each_piece_impl(std::string_view text, void (*sink)(void*, std::string_view),
                                void* ctx) const {
  const std::size_t n = text.size();
  if (n == 0) return;
  Matcher m(impl_->code, impl_->jit);
  std::size_t prev = 0;   // end of what has been emitted
  std::size_t start = 0;  // where the next search begins
  std::optional<std::size_t> last_match_end;
  bool failed = !m.ok();
  const auto fast = impl_->fast;
  while (!failed && start <= n) {
    std::optional<std::pair<std::size_t, std::size_t>> found;
    if (fast != nullptr && start < n) {
      if (const std::size_t len = fast(text, start); len > 0) found.emplace(start, start + len);
    }
    if (!found) found = m.find(text, start, &failed);
    if (!found) break;
    const auto [s, e] = *found;
    if (s == e && last_match_end == e) {
      if (start >= n) break;
      start += char_len(static_cast<unsigned char>(text[start]));
      continue;
    }
    if (s > prev) sink(ctx, text.substr(prev, s - prev));
    if (e > s) sink(ctx, text.substr(s, e - s));
    prev = e;
    start = e;
    last_match_end = e;
  }
  if (failed) {
    // Only resource limits get here (no pattern we accept nests quantifiers); keep the text.
    log_warn("[tokenizer] regex ", quote_for_message(impl_->pattern, 60), " failed on a piece of ",
             n, " bytes; it is kept as one piece");
  }
  if (prev < n) sink(ctx, text.substr(prev));
}

}  // namespace internvl::tokenizer
