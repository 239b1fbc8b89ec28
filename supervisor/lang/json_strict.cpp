#include "json_strict.hpp"

#include <map>
#include <utility>

namespace xpledge {

namespace {

struct Failed {
  JsonSyntaxError error;
};

class Checker {
 public:
  explicit Checker(std::string_view text) : s_(text) {}

  void document() {
    skip_space();
    if (at_end()) fail("empty input: expected a JSON value");
    value(0);
    skip_space();
    if (!at_end()) fail("unexpected text after the JSON value");
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }

  [[noreturn]] void fail(const std::string& message) { fail_at(i_, message); }
  [[noreturn]] void fail_at(std::size_t at, const std::string& message) {
    const auto [line, col] = position(at);
    throw Failed{{line, col, message}};
  }

  // 1-based line and byte column of offset `at`.
  std::pair<int, int> position(std::size_t at) const {
    int line = 1, col = 1;
    for (std::size_t k = 0; k < at && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return {line, col};
  }

  std::string shown(char c) const {
    if (c == '\0' && at_end()) return "the end of the input";
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return "a byte " + std::to_string(static_cast<unsigned char>(c));
    return std::string("'") + c + "'";
  }

  void skip_space() {
    while (!at_end()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '/' || c == '#') {
        fail("comments are not allowed in JSON");
      } else {
        return;
      }
    }
  }

  void value(int depth) {
    if (depth >= kMaxJsonDepth) fail("nested deeper than " + std::to_string(kMaxJsonDepth));
    const char c = peek();
    if (c == '{') return object(depth + 1);
    if (c == '[') return array(depth + 1);
    if (c == '"') {
      string();
      return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (literal("true") || literal("false") || literal("null")) return;
    if (c == '\'') fail("strings need double quotes in JSON");
    fail("expected a JSON value, got " + shown(c));
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // The members of an object or the items of an array, comma-separated: `item` reads one.
  template <typename Item>
  void sequence(char close, std::string_view what, Item item) {
    ++i_;  // '{' or '['
    skip_space();
    if (peek() == close) {
      ++i_;
      return;
    }
    std::size_t comma_at = 0;
    for (;;) {
      skip_space();
      if (peek() == close) fail_at(comma_at, std::string("trailing comma before '") + close + "'");
      item();
      skip_space();
      if (peek() == ',') {
        comma_at = i_++;
        continue;
      }
      if (peek() == close) {
        ++i_;
        return;
      }
      fail(std::string("expected ',' or '") + close + "' in " + std::string(what) + ", got " +
           shown(peek()));
    }
  }

  void object(int depth) {
    std::map<std::string, std::size_t> keys;  // key -> offset of its first occurrence
    sequence('}', "an object", [&] { member(keys, depth); });
  }

  // "key": value, the key not seen before in this object.
  void member(std::map<std::string, std::size_t>& keys, int depth) {
    if (peek() != '"')
      fail(peek() == '\'' ? "strings need double quotes in JSON"
                          : "expected a key in double quotes, got " + shown(peek()));
    const std::size_t key_at = i_;
    const std::string key = string();
    if (const auto it = keys.find(key); it != keys.end()) {
      const auto [line, col] = position(it->second);
      fail_at(key_at, "duplicate key '" + key + "' (first at " + std::to_string(line) + ":" +
                          std::to_string(col) + ")");
    }
    keys.emplace(key, key_at);
    skip_space();
    if (peek() != ':') fail("expected ':' after a key, got " + shown(peek()));
    ++i_;
    skip_space();
    value(depth);
  }

  void array(int depth) {
    sequence(']', "an array", [&] { value(depth); });
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // The escape at i_ (after its backslash), decoded onto `out`; i_ left on its last character.
  void escape(std::string& out) {
    static constexpr std::string_view kNames = "\"\\/bfnrt";
    static constexpr std::string_view kChars = "\"\\/\b\f\n\r\t";
    const char e = peek();
    if (e == 'u') return unicode_escape(out);
    const std::size_t k = kNames.find(e);
    if (k == std::string_view::npos)
      fail("unknown escape \\" + std::string(1, e) + " in a string");
    out += kChars[k];
  }

  void unicode_escape(std::string& out) {
    unsigned cp = 0;
    for (int k = 1; k <= 4; ++k) {
      const int d = i_ + static_cast<std::size_t>(k) < s_.size()
                        ? hex_digit(s_[i_ + static_cast<std::size_t>(k)])
                        : -1;
      if (d < 0) fail("\\u needs four hex digits");
      cp = cp * 16 + static_cast<unsigned>(d);
    }
    i_ += 4;
    // Enough to compare keys: code points as UTF-8 (surrogates kept as their own units).
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // The decoded key or value (\u escapes as UTF-8), for duplicate detection.
  std::string string() {
    ++i_;  // '"'
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string (escape it)");
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      ++i_;
      escape(out);
      ++i_;
    }
  }

  void number() {
    const auto digits = [&] {
      const std::size_t from = i_;
      while (!at_end() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (peek() == '-') ++i_;
    if (peek() == '0') {
      ++i_;
      if (peek() >= '0' && peek() <= '9') fail("numbers have no leading zeros in JSON");
    } else if (digits() == 0) {
      fail("expected digits, got " + shown(peek()));
    }
    if (peek() == '.') {
      ++i_;
      if (digits() == 0) fail("expected digits after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (digits() == 0) fail("expected digits in the exponent");
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<JsonSyntaxError> strict_json_error(std::string_view text) {
  try {
    Checker(text).document();
  } catch (const Failed& f) {
    return f.error;
  }
  return std::nullopt;
}

}  // namespace xpledge
