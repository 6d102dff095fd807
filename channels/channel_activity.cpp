#include "channels/channel_activity.hpp"

#include "channels/link_rewrite.hpp"

namespace baton::channels {

namespace {

// The template members of a channel type.
std::vector<const char*> template_members(baton::channel ch) {
  switch (ch) {
    case baton::channel::email:
      return {"subject", "body", "html"};
    case baton::channel::sms:
      return {"text"};
    case baton::channel::push:
      return {"title", "body"};
  }
  return {};
}

compiled_template* slot(channel_activity& a, std::string_view member) {
  if (member == "subject") return &a.subject;
  if (member == "body") return &a.body;
  if (member == "text") return &a.text;
  if (member == "html") return &a.html;
  return &a.title;
}

// Subject, text and HTML bodies, tracked links and the unsubscribe headers of one email.
void render_email(const channel_activity& act, const send_context& ctx, const nlohmann::json& row,
                  message& m) {
  const tracking_setup* t = ctx.tracking;
  link_context links;
  if (t) links = {&t->signer, t->base_url, m.message_id};
  const nlohmann::json* values = &row;
  nlohmann::json with_urls;
  if (t && act.reads("baton")) {
    with_urls = row;
    with_urls["baton"] = {{"unsubscribe_url", tracking_url(links, token_kind::unsubscribe)},
                          {"view_url", tracking_url(links, token_kind::view)}};
    values = &with_urls;
  }
  m.subject = act.subject.render(*values);
  m.body = act.body.render(*values);
  if (act.body_is_html)
    std::swap(m.html, m.body);
  else if (!act.html.source().empty())
    m.html = act.html.render(*values);
  if (t && act.tracking) {
    if (!m.body.empty()) m.body = rewrite_text(m.body, links, m.links);
    if (!m.html.empty()) m.html = rewrite_html(m.html, links, m.links);
  }
  if (t && act.category == category::marketing) m.headers = unsubscribe_headers(*t, m.message_id);
}

// Compiles the templates of `a`'s channel from `src` (the activity's options, or a variant).
status compile_content(channel_activity& a, const nlohmann::json& src, const std::string& where) {
  bool email = a.channel == baton::channel::email;
  bool has_html = email && !src.value("html", std::string()).empty();
  a.body_is_html = false;
  for (const char* member : template_members(a.channel)) {
    std::string text = src.value(member, std::string());
    std::string_view name(member);
    bool legacy = email && !has_html && name == "body" && looks_like_html(text);
    bool html = name == "html" || legacy;
    auto t = compile_template(text, html ? escaping::html : escaping::none);
    if (!t) return make_error(errc::validation, where + member, t.err().what);
    *slot(a, member) = std::move(*t);
    if (legacy) a.body_is_html = true;
  }
  return ok_status();
}

}  // namespace

result<channel_activity> parse_channel_activity(const activity& a) {
  if (!is_channel(a.type))
    return make_error(errc::validation, a.id, "not a channel activity (email, sms or push)");
  const auto& o = a.options;
  channel_activity out;
  out.id = a.id;
  out.channel = *channel_from_string(to_string(a.type));
  out.connector = o.value("channel", std::string(to_string(a.type)));
  auto cat = category_from_string(o.value("category", std::string("marketing")));
  if (!cat) return make_error(errc::validation, "category", "expected marketing or transactional");
  out.category = *cat;
  out.from = o.value("from", std::string());
  bool email = out.channel == baton::channel::email;
  if (auto c = compile_content(out, o, ""); !c) return c.err();
  out.control = read_control(o.value("controlGroup", nlohmann::json()));
  out.tracking = email && o.value("tracking", out.category == category::marketing);
  if (o.contains("throttle") && o["throttle"].contains("perSecond") &&
      o["throttle"]["perSecond"].is_number_integer())
    out.per_second = o["throttle"]["perSecond"].get<std::int64_t>();
  if (o.contains("waves")) out.waves = o["waves"];
  out.confirm = o.value("confirm", false);
  out.quiet = parse_quiet_hours(o);
  // Each variant: this activity with its own content (copied once every option is read).
  out.experiment = read_experiment(o);
  if (out.experiment)
    for (auto& v : o.at("variants")) {
      channel_activity va = out;
      va.variant = v.value("name", std::string());
      va.experiment.reset();
      va.control.reset();
      if (auto c = compile_content(va, v, "variants/" + va.variant + "/"); !c) return c.err();
      out.variants.push_back(std::move(va));
    }
  return out;
}

problems check_channel_templates(const campaign_definition& d) {
  problems out;
  for (std::size_t i = 0; i < d.activities.size(); ++i) {
    const auto& a = d.activities[i];
    if (!is_channel(a.type)) continue;
    std::string base = pointer_append("/activities", i);
    auto check = [&](const nlohmann::json& src, const std::string& at) {
      for (const char* member : template_members(*channel_from_string(to_string(a.type)))) {
        auto it = src.find(member);
        if (it == src.end() || !it->is_string()) continue;
        if (auto t = compile_template(it->get<std::string>()); !t)
          out.push_back({pointer_append(at, member), t.err().what, problem::severity::error});
      }
    };
    check(a.options, base);
    if (auto vs = a.options.find("variants"); vs != a.options.end() && vs->is_array())
      for (std::size_t k = 0; k < vs->size(); ++k)
        if ((*vs)[k].is_object())
          check((*vs)[k], pointer_append(pointer_append(base, "variants"), k));
  }
  return out;
}

std::variant<message, exclusion> prepare_message(const channel_activity& act,
                                                 const recipient_rules& rules,
                                                 const send_context& ctx,
                                                 const std::string& recipient,
                                                 const nlohmann::json& row) {
  auto e = check_recipient(rules, row);
  if (!e.eligible) return exclusion{recipient, e.reason};
  message m;
  m.message_id = make_message_id(ctx.campaign, ctx.run, act.id,
                                 ctx.message_key.empty() ? recipient : ctx.message_key);
  m.campaign = ctx.campaign;
  m.run = ctx.run;
  m.activity = act.id;
  m.channel = act.channel;
  m.recipient = recipient;
  m.address = std::move(e.address);
  m.from = act.from;
  switch (act.channel) {
    case baton::channel::email:
      render_email(act, ctx, row, m);
      break;
    case baton::channel::sms:
      m.text = act.text.render(row);
      break;
    case baton::channel::push:
      m.title = act.title.render(row);
      m.body = act.body.render(row);
      break;
  }
  return m;
}

}  // namespace baton::channels
