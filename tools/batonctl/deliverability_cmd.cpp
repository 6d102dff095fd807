// `batonctl bounces ingest PATH` — RFC 3464 DSNs, ARF complaints and mails to the unsubscribe
// mailbox (.eml files or a maildir) matched to sent messages: suppression by the rules of
// `deliverability.suppressAfter`, feedback events of their messages — and `batonctl suppression
// list|add|remove|import|export` over the suppression list (INTERFACES.md §9).
#include <iostream>
#include <map>

#include "actors/engagement.hpp"
#include "audience/deliveries.hpp"
#include "audience/suppression.hpp"
#include "channels/dsn.hpp"
#include "channels/tracking.hpp"
#include "events/clock.hpp"
#include "model/time.hpp"
#include "tools/batonctl/data_access.hpp"
#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

using counts = std::map<std::string, std::uint64_t>;

const char* feedback_event_of(channels::dsn_class c) {
  switch (c) {
    case channels::dsn_class::hard:
      return "bounced";
    case channels::dsn_class::soft:
      return "soft_bounced";
    case channels::dsn_class::complaint:
      return "complained";
    case channels::dsn_class::unsubscribe:
      return "unsubscribed";
    default:
      return "";
  }
}

// One mail: what it changes in the data plane (in one transaction), and the feedback item for
// its campaign when it is new. Returns the class counted.
result<std::string> ingest_one(audience::backend& b, const entity_schema* schema,
                               const engine_config& cfg, const channels::dsn_report& r,
                               time_us arrival, std::map<std::string, nlohmann::json>& feedback) {
  if (r.kind == channels::dsn_class::unmatched || r.message_id.empty())
    return std::string("unmatched");
  auto d = audience::find_delivery(b, r.message_id);
  if (!d) return d.err();
  if (!d->has_value()) return std::string("unmatched");
  const auto& ref = **d;
  std::string address = r.recipient;
  if (schema && (address.empty() || r.kind == channels::dsn_class::unsubscribe)) {
    auto a = recipient_address(b, *schema, ref);  // the unsubscribe mail's From may be another
    if (!a) return a.err();
    if (!a->empty()) address = a.value();
  }
  if (address.empty()) return std::string("unmatched");
  time_us at = r.date.value_or(arrival);
  audience::bounce_event e{
      r.report_id, ref.channel,         address, channels::to_string(r.kind), r.message_id,
      at,          "dsn:" + r.report_id};
  if (auto t = b.begin(); !t) return t.err();
  auto out = audience::record_bounce(b, e, cfg.deliverability.suppress_after);
  if (out && !out->duplicate && r.kind == channels::dsn_class::unsubscribe && schema)
    if (auto w = withdraw_consent(b, *schema, ref); !w) out = w.err();
  if (!out) {
    b.rollback();
    return out.err();
  }
  if (auto c = b.commit(); !c) return c.err();
  if (out->duplicate) return std::string("duplicate");
  if (auto f =
          audience::record_feedback(b, r.message_id, feedback_event_of(r.kind), format_time(at));
      !f)
    return f.err();
  feedback[ref.campaign].push_back({{"run", ref.run},
                                    {"activity", ref.activity},
                                    {"message_id", r.message_id},
                                    {"event", feedback_event_of(r.kind)},
                                    {"at_us", at},
                                    {"recipient", ref.recipient}});
  return std::string(channels::to_string(r.kind));
}

int run_bounces_ingest(context& ctx, const std::string& path) {
  auto files = channels::mail_files(path);
  if (!files) {
    if (files.err().code == errc::not_found)
      return cli::fail(errc::validation, path, "no such file or directory");
    return cli::fail(files.err());
  }
  if (auto refused = refuse_unless(ctx, role::approver, "bounces ingest"))
    return cli::fail(*refused);
  auto b = open_data(ctx);
  if (!b) return cli::fail(b.err());
  for (auto* ensure : {&audience::ensure_delivery_tables, &audience::ensure_suppression_tables})
    if (auto t = (*ensure)(*b.value()); !t) return cli::fail(t.err());
  const auto& cfg = config_of(ctx);
  std::optional<channels::tracking_setup> tracking;
  if (cfg.tracking.enabled())
    if (auto t = channels::make_tracking_setup(cfg.tracking)) tracking = std::move(t.value());
  channels::dsn_options opts;
  opts.unsubscribe_mailto = cfg.tracking.unsubscribe_mailto;
  opts.signer = tracking ? &tracking->signer : nullptr;
  auto schema = stored_schema(ctx);
  counts n{{"hard", 0},        {"soft", 0},      {"complaint", 0},
           {"unsubscribe", 0}, {"unmatched", 0}, {"duplicate", 0}};
  std::map<std::string, nlohmann::json> feedback;
  system_clock wall;
  for (const auto& file : *files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto report = channels::parse_dsn(text.str(), opts);
    auto kind = ingest_one(*b.value(), schema ? &schema.value() : nullptr, cfg, report, wall.now(),
                           feedback);
    if (!kind) return cli::fail(kind.err());
    ++n[kind.value()];
  }
  if (!feedback.empty()) {
    auto engine = open_engine(ctx);
    if (!engine) return fail_api(engine.err());
    for (auto& [campaign, items] : feedback)
      if (auto r = call(*engine.value(), ctx, {"feedback", campaign, "", "", items.dump(), {}}); !r)
        return fail_api(r.err());
  }
  if (ctx.global.json) {
    std::cout << nlohmann::json(n).dump() << "\n";
  } else {
    std::string line;
    for (auto* k : {"hard", "soft", "complaint", "unsubscribe", "unmatched", "duplicate"})
      line += (line.empty() ? "" : " ") + std::string(k) + " " + std::to_string(n[k]);
    std::cout << line << "\n";
  }
  return 0;
}

nlohmann::json entry_json(const audience::suppression_entry& e) {
  return {{"address", e.address},
          {"channel", e.channel},
          {"reason", e.reason},
          {"source", e.source},
          {"createdAt", e.created_at}};
}

result<std::unique_ptr<audience::backend>> suppression_data(const context& ctx) {
  auto b = open_data(ctx);
  if (!b) return b.err();
  if (auto t = audience::ensure_suppression_tables(*b.value()); !t) return t.err();
  return b;
}

bool known_channel(const std::string& c) {
  return c == "email" || c == "sms" || c == "push";
}

int bad_channel(const std::string& c) {
  return cli::fail(errc::validation, "--channel",
                   "unknown channel '" + c + "' (email, sms or push)");
}

int run_list(context& ctx, const std::string& channel) {
  if (!channel.empty() && !known_channel(channel)) return bad_channel(channel);
  if (auto refused = refuse_unless(ctx, role::viewer, "suppression list"))
    return cli::fail(*refused);
  auto b = suppression_data(ctx);
  if (!b) return cli::fail(b.err());
  auto all = audience::list_suppressions(*b.value(), channel);
  if (!all) return cli::fail(all.err());
  if (ctx.global.json) {
    auto out = nlohmann::json::array();
    for (auto& e : *all) out.push_back(entry_json(e));
    std::cout << out.dump() << "\n";
    return 0;
  }
  for (auto& e : *all)
    std::cout << e.channel << "  " << e.address << "  " << e.reason << "  " << e.source << "  "
              << e.created_at << "\n";
  if (all->empty()) std::cout << "(no suppressed address)\n";
  return 0;
}

int run_add(context& ctx, const std::string& address, const std::string& channel,
            const std::string& reason) {
  audience::suppression_entry e{channel, address, reason, "user:" + ctx.global.user,
                                format_time(system_clock().now())};
  if (auto c = audience::check_entry(e); !c) return cli::fail(c.err());
  if (auto refused = refuse_unless(ctx, role::manager, "suppression add"))
    return cli::fail(*refused);
  auto b = suppression_data(ctx);
  if (!b) return cli::fail(b.err());
  auto added = audience::add_suppression(*b.value(), e);
  if (!added) return cli::fail(added.err());
  if (ctx.global.json)
    std::cout << nlohmann::json{{"added", added.value()}}.dump() << "\n";
  else
    std::cout << (added.value() ? "added " : "already suppressed: ") << channel << " "
              << audience::suppression_address(channel, address) << " (" << reason << ")\n";
  return 0;
}

int run_remove(context& ctx, const std::string& address, const std::string& channel) {
  if (!known_channel(channel)) return bad_channel(channel);
  if (auto refused = refuse_unless(ctx, role::manager, "suppression remove"))
    return cli::fail(*refused);
  auto b = suppression_data(ctx);
  if (!b) return cli::fail(b.err());
  auto n = audience::remove_suppression(*b.value(), channel, address);
  if (!n) return cli::fail(n.err());
  if (n.value() == 0)
    return cli::fail(errc::not_found, address, "not on the " + channel + " suppression list");
  if (ctx.global.json)
    std::cout << nlohmann::json{{"removed", n.value()}}.dump() << "\n";
  else
    std::cout << "removed " << n.value() << " entr" << (n.value() == 1 ? "y" : "ies") << "\n";
  return 0;
}

int run_import(context& ctx, const std::string& file) {
  if (auto refused = refuse_unless(ctx, role::manager, "suppression import"))
    return cli::fail(*refused);
  auto b = suppression_data(ctx);
  if (!b) return cli::fail(b.err());
  if (auto t = b.value()->begin(); !t) return cli::fail(t.err());
  auto r = audience::import_suppression_csv(*b.value(), file, "import",
                                            format_time(system_clock().now()));
  if (!r || !r->rejected.empty()) {
    b.value()->rollback();  // nothing written unless every row is good
    if (!r) return cli::fail(r.err());
    for (auto& p : r->rejected) cli::fail(errc::validation, file + ": " + p.pointer, p.message);
    return 2;
  }
  if (auto c = b.value()->commit(); !c) return cli::fail(c.err());
  if (ctx.global.json)
    std::cout << nlohmann::json{{"added", r->added}, {"already", r->already}}.dump() << "\n";
  else
    std::cout << file << ": " << r->added << " added, " << r->already << " already there\n";
  return 0;
}

int run_export(context& ctx, const std::string& channel) {
  if (!channel.empty() && !known_channel(channel)) return bad_channel(channel);
  if (auto refused = refuse_unless(ctx, role::viewer, "suppression export"))
    return cli::fail(*refused);
  auto b = suppression_data(ctx);
  if (!b) return cli::fail(b.err());
  auto all = audience::list_suppressions(*b.value(), channel);
  if (!all) return cli::fail(all.err());
  std::cout << audience::suppression_csv(*all);
  return 0;
}

}  // namespace

void add_deliverability_commands(CLI::App& app, context& ctx) {
  auto* bounces = app.add_subcommand("bounces", "Bounces, complaints and unsubscribe mails");
  bounces->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto* ingest = bounces->add_subcommand(
      "ingest", "Read DSNs, feedback reports and unsubscribe mails (.eml files or a maildir)");
  ingest->add_option("PATH", *path, "A mail file, a directory or a maildir")->required();
  ingest->callback([&ctx, path] { ctx.exit_code = run_bounces_ingest(ctx, *path); });

  auto* s = app.add_subcommand("suppression", "The suppression list (per channel and address)");
  s->require_subcommand(1);
  struct args {
    std::string address, channel, reason = "manual", file;
  };
  auto a = std::make_shared<args>();
  auto* list = s->add_subcommand("list", "List suppressed addresses");
  list->add_option("--channel", a->channel, "Only this channel (email, sms, push)");
  list->callback([&ctx, a] { ctx.exit_code = run_list(ctx, a->channel); });
  auto* add = s->add_subcommand("add", "Suppress an address on a channel");
  add->add_option("ADDRESS", a->address, "The address")->required();
  add->add_option("--channel", a->channel, "email, sms or push")->required();
  add->add_option("--reason", a->reason, "Why (default manual)");
  add->callback([&ctx, a] { ctx.exit_code = run_add(ctx, a->address, a->channel, a->reason); });
  auto* rm = s->add_subcommand("remove", "Remove every entry of an address on a channel");
  rm->add_option("ADDRESS", a->address, "The address")->required();
  rm->add_option("--channel", a->channel, "email, sms or push")->required();
  rm->callback([&ctx, a] { ctx.exit_code = run_remove(ctx, a->address, a->channel); });
  auto* imp = s->add_subcommand("import", "Add the rows of a CSV (address,channel,reason)");
  imp->add_option("FILE", a->file, "CSV file as `export` writes it")->required();
  imp->callback([&ctx, a] { ctx.exit_code = run_import(ctx, a->file); });
  auto* exp = s->add_subcommand("export", "Write the list as CSV (address,channel,reason)");
  exp->add_option("--channel", a->channel, "Only this channel (email, sms, push)");
  exp->callback([&ctx, a] { ctx.exit_code = run_export(ctx, a->channel); });
}

}  // namespace baton::ctl
