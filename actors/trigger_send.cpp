#include "actors/trigger_send.hpp"

#include <map>
#include <set>

#include "actors/data_runner.hpp"
#include "audience/deliveries.hpp"
#include "audience/suppression.hpp"
#include "channels/channel_activity.hpp"
#include "channels/send_journal.hpp"
#include "model/number.hpp"
#include "model/time.hpp"

namespace baton {

namespace {

using namespace baton::channels;

struct found_row {
  std::string key;
  nlohmann::json row;
};

nlohmann::json cell_json(const audience::value& raw, column_type t) {
  if (raw.null) return nullptr;
  auto v = audience::convert(raw, t);
  if (!v || v->null) return nullptr;
  switch (t) {
    case column_type::integer:
      return v->i;
    case column_type::floating:
      return format_number(v->f);
    case column_type::boolean:
      return v->i != 0;
    default:
      return v->s;
  }
}

// The rows of the recipients named by the triggers, by key text: what eligibility checks and
// what a template may read. Keys that do not parse as the key column's type find nothing.
result<std::map<std::string, nlohmann::json>> find_rows(audience::backend& b, const entity& e,
                                                        const channel_activity& act,
                                                        const recipient_rules& rules,
                                                        const std::vector<trigger_request>& ts) {
  std::map<std::string, nlohmann::json> out;
  const column* key = e.find_column(e.key);
  if (!key) return make_error(errc::failed, e.name, "the entity has no key column");
  std::vector<const column*> cols;
  for (auto& c : e.columns)
    if (c.name == rules.address_column || c.name == rules.consent_column || act.reads(c.name))
      cols.push_back(&c);
  audience::sql_builder q(b);
  q << "SELECT e." << audience::quote_id(e.key);
  for (auto* c : cols) q << ", e." << audience::quote_id(c->name);
  q << " FROM " << audience::quote_id(e.name) << " e WHERE e." << audience::quote_id(e.key)
    << " IN (";
  std::set<std::string> asked;
  for (auto& t : ts) {
    auto v = audience::parse_value(t.recipient, key->type);
    if (!v || !asked.insert(t.recipient).second) continue;
    q << (asked.size() > 1 ? ", " : "") << q.bind(*v);
  }
  if (asked.empty()) return out;
  q << ")";
  auto st = b.query(q.sql(), q.params(), [&](const audience::row& r) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < cols.size() && i + 1 < r.size(); ++i)
      row[cols[i]->name] = cell_json(r[i + 1], cols[i]->type);
    auto k = cell_json(r[0], key->type);
    out[key_text(k)] = std::move(row);
    return true;
  });
  if (!st) return st.err();
  return out;
}

// Reasons from the lists kept in the data plane, by recipient key: suppressed (every category:
// the suppression list itself tells what a transactional send ignores), fatigue (marketing).
result<std::map<std::string, exclusion_reason>> precheck(
    audience::backend& b, const trigger_send_env& env, const trigger_job& job,
    const channel_activity& act, const recipient_rules& rules,
    const std::map<std::string, nlohmann::json>& rows) {
  std::map<std::string, exclusion_reason> out;
  const bool marketing = act.category == category::marketing;
  const std::string channel = to_string(act.channel);
  std::map<std::string, std::string> addr_of;  // suppression address -> key
  std::vector<std::string> addrs;
  for (auto& [k, row] : rows) {
    auto it = row.find(rules.address_column);
    if (it == row.end() || !it->is_string()) continue;
    addrs.push_back(audience::suppression_address(channel, it->get<std::string>()));
    addr_of[addrs.back()] = k;
  }
  auto sup = audience::suppressed_among(b, channel, marketing, addrs);
  if (!sup) return sup.err();
  for (auto& a : *sup) out[addr_of[a]] = exclusion_reason::suppressed;
  if (!marketing || !env.deliverability) return out;
  std::vector<std::string> keys;
  for (auto& [k, row] : rows) keys.push_back(k);
  for (const auto& rule : env.deliverability->fatigue) {
    if (rule.channel != channel || rule.category != "marketing") continue;
    constexpr time_us day = 86'400'000'000LL;
    auto sent =
        audience::marketing_sent_since(b, job.dimension, channel, job.now - rule.days * day, keys);
    if (!sent) return sent.err();
    for (auto& [k, n] : *sent)
      if (n >= rule.max && !out.count(k)) out[k] = exclusion_reason::fatigue;
  }
  return out;
}

// The channel activity as the trigger sends it: the campaign's category unless it sets one.
result<channel_activity> activity_of(const trigger_job& job) {
  activity a = job.act;
  if (!a.options.contains("category") && !job.category.empty())
    a.options["category"] = job.category;
  return parse_channel_activity(a);
}

// A journal line's id: the message id and the trigger id (JSON text: any character is safe),
// so that what the log has recorded can be forgotten.
std::string journal_id(const std::string& message_id, const std::string& trigger_id) {
  return message_id + " " + nlohmann::json(trigger_id).dump();
}

// The journal of a trigger batch, with what earlier batches left in it — less the triggers
// whose results the log now holds (the file is rewritten without them).
struct trigger_journal {
  send_journal file;
  send_journal::contents earlier;
};

result<trigger_journal> open_journal(const std::string& path, const trigger_job& job) {
  trigger_journal j;
  auto earlier = send_journal::read(path);
  if (!earlier) return earlier.err();
  j.earlier = std::move(earlier.value());
  bool trim = false;
  for (auto* set : {&j.earlier.accepted, &j.earlier.refused, &j.earlier.in_doubt})
    for (auto it = set->begin(); job.recorded && it != set->end();) {
      auto space = it->find(' ');
      auto tid = space == std::string::npos
                     ? nlohmann::json()
                     : nlohmann::json::parse(it->substr(space + 1), nullptr, false);
      bool done = false;
      if (tid.is_string()) {
        auto r = job.recorded(tid.get<std::string>());
        if (!r) return r.err();
        done = *r;
      }
      if (done || !tid.is_string()) {
        it = set->erase(it);
        trim = true;
      } else {
        ++it;
      }
    }
  auto f = send_journal::open(path);
  if (!f) return f.err();
  j.file = std::move(f.value());
  if (!trim) return j;
  if (auto c = j.file.clear(); !c) return c.err();
  for (auto& id : j.earlier.accepted)
    if (auto w = j.file.accepted(id); !w) return w.err();
  for (auto& id : j.earlier.refused)
    if (auto w = j.file.refused(id); !w) return w.err();
  for (auto& id : j.earlier.in_doubt)
    if (auto w = j.file.handing_over(id); !w) return w.err();
  return j;
}

// Hands `msgs` (message k of trigger of[k]) over: through the journal when there is one — a message
// an earlier batch's journal says a server accepted (or refused for good) gets that answer again
// without going.
result<std::vector<delivery_result>> hand_over(connector& c, const trigger_send_env& env,
                                               const trigger_job& job,
                                               const std::vector<message>& msgs,
                                               const std::vector<std::size_t>& of) {
  if (env.journal_path.empty() || std::string(c.kind()) == "file") {
    std::lock_guard<std::mutex> g(*env.send_mu);
    return c.send(msgs);
  }
  auto j = open_journal(env.journal_path, job);
  if (!j) return j.err();
  std::map<std::string, std::string> jid;  // message id -> its journal id
  for (std::size_t i = 0; i < msgs.size() && i < of.size(); ++i)
    jid[msgs[i].message_id] = journal_id(msgs[i].message_id, job.triggers[of[i]].trigger_id);
  std::vector<delivery_result> out(msgs.size());
  std::vector<message> todo;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto& id = jid[msgs[i].message_id];
    if (j->earlier.accepted.count(id))
      out[i] = {msgs[i].message_id, delivery_status::sent, false, false, {}};
    else if (j->earlier.refused.count(id))
      out[i] = {msgs[i].message_id, delivery_status::failed, false, false,
                "refused by the server (earlier attempt)"};
    else {
      todo.push_back(msgs[i]);
      where.push_back(i);
    }
  }
  if (todo.empty()) return out;
  auto& file = j->file;
  std::optional<error> unjournaled;
  send_hooks h;
  // A hand-over that cannot be journaled stops the batch after that message: the rest fail.
  h.stop_requested = [&] { return unjournaled.has_value(); };
  h.handing_over = [&](const message& m) {
    if (auto w = file.handing_over(jid[m.message_id]); !w) unjournaled = w.err();
  };
  h.answered = [&](const message& m, const delivery_result& r) {
    if (r.sent())
      file.accepted(jid[m.message_id]);
    else if (r.retryable)
      file.not_accepted(jid[m.message_id]);
    else
      file.refused(jid[m.message_id]);
  };
  std::vector<delivery_result> r;
  {
    std::lock_guard<std::mutex> g(*env.send_mu);
    r = c.send(todo, h);
  }
  for (std::size_t k = 0; k < r.size() && k < where.size(); ++k) out[where[k]] = std::move(r[k]);
  return out;
}

}  // namespace

status prepare_trigger_tables(audience::backend& b, const trigger_send_env& env) {
  if (auto t = audience::ensure_delivery_tables(b); !t) return t;
  if (auto t = audience::ensure_suppression_tables(b); !t) return t;
  if (env.deliverability && !env.deliverability->fatigue.empty())
    if (auto t = audience::ensure_fatigue_index(b); !t) return t;
  return ok_status();
}

result<std::vector<trigger_result>> send_trigger_batch(audience::backend& b,
                                                       const trigger_send_env& env,
                                                       const trigger_job& job) {
  auto act = activity_of(job);
  if (!act) return act.err();
  auto schema = read_entity_schema(env.data_dir);
  if (!schema) return schema.err();
  const entity* e = schema->find_entity(job.dimension);
  if (!e) return make_error(errc::failed, job.dimension, "no such entity in the schema");
  auto rules = rules_for(*e, act->channel, act->category);
  if (!rules) return rules.err();
  auto conn = env.connectors->get(act->connector);
  if (!conn) return conn.err();
  auto rows = find_rows(b, *e, *act, *rules, job.triggers);
  if (!rows) return rows.err();
  auto pre = precheck(b, env, job, *act, *rules, *rows);
  if (!pre) return pre.err();
  std::vector<trigger_result> out(job.triggers.size());
  std::vector<message> msgs;
  std::vector<std::size_t> of;  // per message: its trigger
  for (std::size_t i = 0; i < job.triggers.size(); ++i) {
    const auto& t = job.triggers[i];
    auto row = rows->find(t.recipient);
    if (row == rows->end()) {
      out[i].failure = make_error(errc::not_found, "--recipient",
                                  "no recipient `" + t.recipient + "` in entity `" + e->name + "`");
      continue;
    }
    if (auto p = pre->find(t.recipient); p != pre->end()) {
      out[i].status = "excluded";
      out[i].excluded = to_string(p->second);
      continue;
    }
    nlohmann::json r = row->second;
    for (auto& [name, v] : t.columns.items()) r[name] = v;  // the graph path's added columns
    r["context"] = t.context;
    send_context ctx{job.campaign, 0, env.tracking, "trigger:" + t.trigger_id};
    auto m = prepare_message(*act, *rules, ctx, t.recipient, r);
    if (auto* x = std::get_if<exclusion>(&m)) {
      out[i].status = "excluded";
      out[i].excluded = to_string(x->reason);
      continue;
    }
    out[i].message_id = std::get<message>(m).message_id;
    msgs.push_back(std::move(std::get<message>(m)));
    of.push_back(i);
  }
  if (msgs.empty()) return out;
  auto handed = hand_over(*conn.value(), env, job, msgs, of);
  if (!handed) return handed.err();
  auto& sent = handed.value();
  std::vector<audience::delivery_row> delivered;
  for (std::size_t k = 0; k < msgs.size() && k < sent.size(); ++k) {
    auto& r = out[of[k]];
    if (!sent[k].sent()) {
      r.failure = make_error(errc::failed, act->connector, "the send failed: " + sent[k].reason);
      continue;
    }
    r.status = "sent";
    delivered.push_back({msgs[k].message_id, job.campaign, 0, act->id, to_string(act->channel),
                         msgs[k].recipient, job.dimension, to_string(act->category)});
  }
  // The deliveries table serves fatigue and feedback matching; the outbox line is the send.
  auto rec = audience::with_transaction(b, [&]() -> status {
    auto n = audience::record_deliveries(b, delivered, format_time(job.now));
    if (!n) return n.err();
    return ok_status();
  });
  if (!rec) return rec.err();
  return out;
}

}  // namespace baton
