// Personalisation: Mustache templates over one recipient's row. Syntax errors are found by
// compile_template (call it at publish time: a bad template is a validation error then); a
// compiled template renders any row without throwing — a missing name renders as "".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/result.hpp"

namespace baton::channels {

// How substituted values are escaped: `none` for plain text (subjects, SMS, push, text mail),
// `html` for an HTML mail body ({{{name}}} and {{& name}} still insert raw text).
enum class escaping { none, html };

// True when `text` contains something like an HTML tag ("<p", "</", "<!", "<br/>"...): an email
// body that does is sent as text/html and rendered with escaping::html.
bool looks_like_html(std::string_view text);

// A parsed template. Copies share the parsed form; render is safe from several threads.
class compiled_template {
 public:
  compiled_template();  // the empty template (renders "")
  // Renders over `row`, a JSON object of column -> value: strings as they are, numbers in the
  // one format of format_number (12, 3.5, 600 for 600.0), booleans as Mustache booleans (sections;
  // a boolean variable renders ""), null/absent as missing, arrays as lists
  // ({{#items}}{{name}}{{/items}}), objects as sections/dotted names. A column named "a.b" is also
  // reachable as {{a.b}}. Never throws.
  std::string render(const nlohmann::json& row) const;
  const std::string& source() const;
  // The names a template reads at its top level ({{x}}, {{#x}}, {{^x}}, {{{x}}}, {{&x}}, the
  // first segment of {{x.y}}), in order of first use, without names used inside sections (they
  // may be members of list items). Empty when the template changes its delimiters.
  const std::vector<std::string>& names() const;
  // Whether rendering may look up column `name` (its first segment is named anywhere in the
  // template, sections included): a row needs no other column. Always true when the template
  // changes its delimiters (its names are not known then).
  bool may_read(std::string_view column) const;

 private:
  struct state;
  explicit compiled_template(std::shared_ptr<state> s);
  bool render_simple(const nlohmann::json& row, std::string& out) const;
  std::shared_ptr<state> s_;
  friend result<compiled_template> compile_template(std::string_view, escaping);
};

// Parses `text`. A syntax error (unclosed tag or section, mismatched section end, partials —
// there are none to include) is errc::validation whose message says what and where.
result<compiled_template> compile_template(std::string_view text, escaping e = escaping::none);

}  // namespace baton::channels
