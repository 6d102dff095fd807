#include "model/json_parse.hpp"

#include <algorithm>
#include <set>

#include "model/json_reader.hpp"

namespace baton {

using nlohmann::json;

namespace {

// The reason part of a nlohmann parse error: "[json.exception.parse_error.101] parse error at
// line 1, column 2: syntax error while parsing value - invalid literal; last read: 'x'".
std::string parse_reason(const std::string& what) {
  auto col = what.find("column ");
  auto colon = what.find(": ", col == std::string::npos ? 0 : col);
  if (colon == std::string::npos) return what;
  return what.substr(colon + 2);
}

// "line L, column C" of the byte at `offset` (1-based both).
std::string line_column(std::string_view text, std::size_t offset) {
  std::size_t end = std::min(offset, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string shortened(const std::string& token) {
  return token.size() <= 40 ? token : token.substr(0, 37) + "...";
}

// Builds the document from the parser's SAX events (nlohmann's parser is iterative, so nothing
// here recurses), and stops at the first value nested too deeply. Knows the JSON pointer of the
// next value at every step, for duplicate members and numbers out of range.
class checked_dom {
 public:
  checked_dom(json& root, std::string_view text, const json_limits& limits, problems& out)
      : root_(root), text_(text), limits_(limits), out_(out) {}

  bool null() { return place(json(nullptr)); }
  bool boolean(bool v) { return place(json(v)); }
  bool number_integer(json::number_integer_t v) { return place(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return place(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return place(json(v)); }
  bool string(json::string_t& v) { return place(json(std::move(v))); }
  bool binary(json::binary_t& v) { return place(json(std::move(v))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& k) {
    auto& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second)
      add_error(out_, pointer(), "duplicate member `" + k + "` (only one of them would be kept)");
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token, const json::exception& ex) {
    if (ex.id == 406)  // out_of_range.406: a number beyond the range of a double
      add_error(out_, pointer(),
                "the number " + shortened(last_token) + " is out of range (beyond ±1.8e308)");
    else
      add_error(out_, "",
                "malformed JSON at " + line_column(text_, position == 0 ? 0 : position - 1) + ": " +
                    parse_reason(ex.what()));
    return false;
  }

 private:
  struct frame {
    json* node;
    std::string key;
    std::set<std::string> keys;
  };

  // Puts `v` where the next value goes; returns where it is now.
  json* put(json&& v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    auto& f = frames_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  bool place(json&& v) {
    put(std::move(v));
    return true;
  }
  bool open(json&& v) {
    if (frames_.size() >= limits_.max_depth) {
      add_error(out_, pointer(),
                "nested too deeply: more than " + std::to_string(limits_.max_depth) +
                    " arrays and objects inside each other");
      return false;
    }
    frames_.push_back({put(std::move(v)), {}, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
  // The pointer of the value being read: its member name or index in each open container (an
  // open container is the last element of its parent; the value being read is not placed yet).
  std::string pointer() const {
    std::string p;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const auto& f = frames_[i];
      bool innermost = i + 1 == frames_.size();
      p = f.node->is_array() ? pointer_append(p, f.node->size() - (innermost ? 0 : 1))
                             : pointer_append(p, f.key);
    }
    return p;
  }

  json& root_;
  std::string_view text_;
  const json_limits& limits_;
  problems& out_;
  std::vector<frame> frames_;
};

// Optimal string alignment distance (a swap of neighbours is one edit).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<json> parse_json_text(std::string_view text, problems& out,
                                    const json_limits& limits) {
  if (text.size() > limits.max_bytes) {
    add_error(out, "",
              "the document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                  std::to_string(limits.max_bytes) + " bytes");
    return std::nullopt;
  }
  json doc;
  checked_dom dom(doc, text, limits, out);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &dom);
  } catch (const std::exception& e) {  // only std::bad_alloc is possible here
    add_error(out, "", std::string("cannot read the document: ") + e.what());
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return doc;
}

std::string closest_name(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > 64) return "";
  std::size_t allowed = word.size() <= 3 ? 1 : 2;
  std::string best;
  std::size_t best_distance = allowed + 1;
  for (const auto& c : candidates) {
    if (c.size() > 64) continue;
    auto d = edit_distance(word, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace baton
