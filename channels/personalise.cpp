#include "channels/personalise.hpp"

#include <mutex>
#include <optional>
#include <regex>

#include <kainjow/mustache.hpp>

#include "model/number.hpp"

namespace baton::channels {

namespace mst = kainjow::mustache;
using json = nlohmann::json;

namespace {

// A piece of a simple template: literal text, then the variable after it.
struct piece {
  std::string text;  // literal text before the variable
  std::string name;  // "" = the text is the template's tail
  bool raw = false;  // {{{x}}} / {{&x}}: not escaped
};

}  // namespace

struct compiled_template::state {
  std::string source;
  std::vector<std::string> names;
  // The first part of every name the template looks up, in sections too (a superset of what
  // rendering reads); unknown (so every column is given) with custom delimiters.
  std::vector<std::string> lookups;
  bool lookups_known = false;
  // A template of text and variables only ({{x}}, {{{x}}}, {{&x}}; plain names, no sections):
  // rendered here, piece by piece, without kainjow's data tree.
  bool simple = false;
  bool escape_html = false;
  std::vector<piece> pieces;
  mutable std::mutex mu;  // kainjow's render is not const: one render at a time
  mutable std::unique_ptr<mst::mustache> tpl;
};

namespace {

mst::data to_data(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return mst::data(v.get<std::string>());
    case json::value_t::boolean:
      return mst::data(v.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return mst::data(v.dump());
    case json::value_t::number_float:  // one format for every number (model/number.hpp)
      return mst::data(format_number(v.get<double>()));
    case json::value_t::array: {
      mst::data l(mst::data::type::list);
      for (const auto& item : v) l.push_back(item.is_null() ? mst::data(false) : to_data(item));
      return l;
    }
    case json::value_t::object: {
      mst::data o(mst::data::type::object);
      for (const auto& [k, item] : v.items())
        if (!item.is_null()) o.set(k, to_data(item));
      return o;
    }
    default:
      return mst::data(false);
  }
}

// Copies `row`, also placing each "a.b" column at row["a"]["b"] (when "a" is free or an object).
json expand_dotted(const json& row) {
  if (!row.is_object()) return json::object();
  json out = row;
  for (const auto& [key, v] : row.items()) {
    if (key.find('.') == std::string::npos || key.front() == '.' || key.back() == '.') continue;
    json* at = &out;
    std::size_t start = 0;
    bool ok = true;
    for (std::size_t dot = key.find('.'); ok && dot != std::string::npos;
         start = dot + 1, dot = key.find('.', start)) {
      json& next = (*at)[key.substr(start, dot - start)];
      if (next.is_null()) next = json::object();
      ok = next.is_object();
      at = &next;
    }
    if (ok && !at->contains(key.substr(start))) (*at)[key.substr(start)] = v;
  }
  return out;
}

// "Unclosed tag at 12" -> "unclosed tag at line 1, column 13".
std::string describe_error(const std::string& msg, std::string_view text) {
  std::smatch m;
  std::string out = msg;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  if (!std::regex_search(msg, m, std::regex(" at ([0-9]+)$"))) return out;
  std::size_t pos = std::stoul(m[1].str()), line = 1, col = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i, ++col)
    if (text[i] == '\n') line++, col = 0;
  return out.substr(0, out.size() - m[0].length()) + " at line " + std::to_string(line) +
         ", column " + std::to_string(col);
}

struct scan {
  std::vector<std::string> names;    // at the top level
  std::vector<std::string> lookups;  // at any depth
  bool partial = false;
  bool custom_delimiters = false;
};

// The top-level names of a template with the default delimiters (see names()).
scan scan_names(std::string_view text) {
  scan s;
  int depth = 0;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at)) {
    bool triple = at + 2 < text.size() && text[at + 2] == '{';
    auto end = text.find(triple ? "}}}" : "}}", at + 2);
    if (end == std::string_view::npos) break;
    std::string tag(text.substr(at + 2 + triple, end - at - 2 - triple));
    at = end + (triple ? 3 : 2);
    auto trim = [](std::string t) {
      auto b = t.find_first_not_of(" \t\r\n");
      auto e = t.find_last_not_of(" \t\r\n");
      return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
    };
    tag = trim(tag);
    if (tag.empty()) continue;
    char sigil = triple ? '{' : tag[0];
    if (sigil == '=') {
      s.custom_delimiters = true;
      s.names.clear();
      s.lookups.clear();
      return s;
    }
    if (sigil == '!') continue;
    if (sigil == '>') {
      s.partial = true;
      continue;
    }
    if (sigil == '/') {
      depth = depth > 0 ? depth - 1 : 0;
      continue;
    }
    std::string name = trim(sigil == '#' || sigil == '^' || sigil == '&' ? tag.substr(1) : tag);
    if (!name.empty() && name != ".") {
      name = name.substr(0, name.find('.'));
      if (depth == 0 && std::find(s.names.begin(), s.names.end(), name) == s.names.end())
        s.names.push_back(name);
      if (std::find(s.lookups.begin(), s.lookups.end(), name) == s.lookups.end())
        s.lookups.push_back(name);
    }
    if (sigil == '#' || sigil == '^') depth++;
  }
  return s;
}

// The pieces of a template made of text and variables only, or nullopt (sections, comments,
// partials, delimiters, dotted or unusual names: kainjow renders those).
std::optional<std::vector<piece>> simple_pieces(std::string_view text) {
  std::vector<piece> out;
  std::size_t from = 0;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", from)) {
    piece p;
    p.text = std::string(text.substr(from, at - from));
    bool triple = at + 2 < text.size() && text[at + 2] == '{';
    auto end = text.find(triple ? "}}}" : "}}", at + 2);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view inner = text.substr(at + 2 + triple, end - at - 2 - triple);
    from = end + (triple ? 3 : 2);
    auto trim = [](std::string_view t) {
      auto b = t.find_first_not_of(" \t\r\n");
      auto e = t.find_last_not_of(" \t\r\n");
      return b == std::string_view::npos ? std::string_view() : t.substr(b, e - b + 1);
    };
    inner = trim(inner);
    p.raw = triple;
    if (!triple && !inner.empty() && inner.front() == '&') {
      p.raw = true;
      inner = trim(inner.substr(1));
    }
    if (inner.empty()) return std::nullopt;
    for (char c : inner)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
        return std::nullopt;
    p.name = std::string(inner);
    out.push_back(std::move(p));
  }
  piece tail;
  tail.text = std::string(text.substr(from));
  out.push_back(std::move(tail));
  return out;
}

void append_html_escaped(std::string& out, std::string_view s) {
  for (char ch : s) switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(ch);
    }
}

}  // namespace

// What kainjow renders for a simple template over `row` (see render): false when a value needs
// its data tree (an array or object, or a dotted column that makes one).
bool compiled_template::render_simple(const json& row, std::string& out) const {
  for (const auto& p : s_->pieces) {
    out += p.text;
    if (p.name.empty()) continue;
    auto it = row.find(p.name);
    if (it == row.end()) {
      for (const auto& [key, v] : row.items())
        if (key.size() > p.name.size() && key[p.name.size()] == '.' && key.starts_with(p.name))
          return false;
      continue;
    }
    switch (it->type()) {
      case json::value_t::string: {
        const auto& v = it->get_ref<const std::string&>();
        if (s_->escape_html && !p.raw)
          append_html_escaped(out, v);
        else
          out += v;
        break;
      }
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
        out += it->dump();
        break;
      case json::value_t::number_float:
        out += format_number(it->get<double>());
        break;
      case json::value_t::boolean:
      case json::value_t::null:
        break;
      default:
        return false;
    }
  }
  return true;
}

bool looks_like_html(std::string_view text) {
  for (std::size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i + 1)) {
    if (i + 1 >= text.size()) break;
    char c = text[i + 1];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '!') return true;
  }
  return false;
}

compiled_template::compiled_template() : compiled_template(std::make_shared<state>()) {
  s_->tpl = std::make_unique<mst::mustache>(std::string());
}

compiled_template::compiled_template(std::shared_ptr<state> s) : s_(std::move(s)) {}

const std::string& compiled_template::source() const {
  return s_->source;
}

const std::vector<std::string>& compiled_template::names() const {
  return s_->names;
}

bool compiled_template::may_read(std::string_view column) const {
  if (!s_->lookups_known) return true;
  auto& l = s_->lookups;
  return std::find(l.begin(), l.end(), column.substr(0, column.find('.'))) != l.end();
}

std::string compiled_template::render(const json& row) const {
  try {
    if (s_->simple && row.is_object()) {
      std::string out;
      if (render_simple(row, out)) return out;
    }
    // Only the columns the template can look up are converted (a row may have many more).
    json used = json::object();
    if (row.is_object())
      for (const auto& [key, v] : row.items())
        if (may_read(key)) used[key] = v;
    mst::data data = to_data(expand_dotted(used));
    std::lock_guard lock(s_->mu);
    return s_->tpl->render(data);
  } catch (const std::exception&) {
    return std::string();  // kainjow does not throw on a valid template; never let it escape
  }
}

result<compiled_template> compile_template(std::string_view text, escaping e) {
  auto s = std::make_shared<compiled_template::state>();
  s->source = std::string(text);
  try {
    s->tpl = std::make_unique<mst::mustache>(s->source);
  } catch (const std::exception& ex) {
    return make_error(errc::validation, "", std::string("template syntax error: ") + ex.what());
  }
  if (!s->tpl->is_valid())
    return make_error(errc::validation, "",
                      "template syntax error: " + describe_error(s->tpl->error_message(), text));
  auto found = scan_names(text);
  if (found.partial)
    return make_error(errc::validation, "",
                      "template syntax error: partials ({{> name}}) are not supported");
  s->names = std::move(found.names);
  s->lookups = std::move(found.lookups);
  s->lookups_known = !found.custom_delimiters;
  if (e == escaping::none) s->tpl->set_custom_escape([](const std::string& v) { return v; });
  if (s->lookups_known)
    if (auto pieces = simple_pieces(text)) {
      s->simple = true;
      s->escape_html = e == escaping::html;
      s->pieces = std::move(*pieces);
    }
  return compiled_template(std::move(s));
}

}  // namespace baton::channels
