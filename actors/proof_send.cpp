#include "actors/proof_send.hpp"

#include "actors/channel_rows.hpp"
#include "actors/data_runner.hpp"
#include "audience/worktable.hpp"
#include "channels/channel_activity.hpp"

namespace baton {

namespace {

using namespace baton::channels;

// The seed addresses, normalised for the channel (errc::validation naming a bad one).
result<std::vector<std::string>> seeds_of(const proof_job& job, baton::channel ch) {
  std::vector<std::string> out;
  for (const auto& raw : job.to) {
    auto a = normalise_address(ch, raw);
    if (!a)
      return make_error(errc::validation, "--to",
                        "`" + raw + "` is not a valid " + to_string(ch) + " address");
    out.push_back(*a);
  }
  if (out.empty()) return make_error(errc::validation, "--to", "give at least one seed address");
  return out;
}

// `m` as the proof for seed address `to` (of an experiment's `variant`: one proof per variant).
message proof_of(const message& m, const proof_job& job, const std::string& to,
                 const std::string& variant) {
  message p = m;
  p.line.clear();
  p.proof = true;
  p.address = to;
  p.message_id = make_message_id(job.campaign, 0, job.act.id,
                                 "proof:" + std::to_string(job.now) + ":" + m.recipient + ":" + to +
                                     (variant.empty() ? "" : ":" + variant));
  switch (p.channel) {
    case baton::channel::email:
      p.subject = job.subject_prefix + p.subject;
      p.headers.clear();  // no List-Unsubscribe: a proof is not a marketing message
      p.headers.emplace_back("X-Baton-Proof", "1");
      break;
    case baton::channel::sms:
      p.text = job.subject_prefix + p.text;
      break;
    case baton::channel::push:
      p.title = job.subject_prefix + p.title;
      break;
  }
  return p;
}

}  // namespace

result<std::vector<proof_sent>> send_proof_batch(audience::backend& b, const proof_send_env& env,
                                                 const proof_job& job) {
  activity a = job.act;
  a.options["category"] = "transactional";  // a seed gets the proof whatever its consent
  auto act = parse_channel_activity(a);
  if (!act) return act.err();
  auto seeds = seeds_of(job, act->channel);
  if (!seeds) return seeds.err();
  auto schema = read_entity_schema(env.data_dir);
  if (!schema) return schema.err();
  auto wt = audience::describe_worktable(b, job.population.table);
  if (!wt) return wt.err();
  const entity* e = schema->find_entity(wt->dimension);
  if (!e) return make_error(errc::failed, job.act.id, "the population has no entity dimension");
  auto rules = rules_for(*e, act->channel, act->category);
  if (!rules) return rules.err();
  auto conn = env.connectors->get(act->connector);
  if (!conn) return conn.err();
  task_input in;
  in.campaign = job.campaign;
  in.run = job.run;
  in.act = &job.act;
  in.now = job.now;
  auto rows = static_cast<std::int64_t>(job.population.count);
  const std::int64_t batch = 500;
  // An experiment's proofs: every variant's rendering for each sample recipient.
  std::vector<const channel_activity*> contents;
  for (auto& v : act->variants) contents.push_back(&v);
  if (contents.empty()) contents.push_back(&*act);
  std::vector<message> proofs;
  std::vector<proof_sent> out;
  for (const auto* content : contents) {
    population_reader reader(b, env.url, env.data_dir, *wt, *e, *content, *rules, in, rows, batch);
    int sampled = 0;
    for (std::int64_t from = 0; from < rows && sampled < job.sample; from += batch) {
      batch_limits lim;
      lim.from = from;
      lim.n = std::min(batch, rows - from);
      auto got = reader.next({}, lim);
      if (!got) return got.err();
      for (auto& m : got->msgs) {
        if (sampled >= job.sample) break;
        ++sampled;
        for (auto& to : *seeds) {
          proofs.push_back(proof_of(m, job, to, content->variant));
          out.push_back({proofs.back().message_id, m.recipient, to});
        }
      }
      if (got->taken < lim.n) break;
    }
  }
  if (proofs.empty())
    return make_error(errc::not_found, job.act.id,
                      "no recipient of its population has an address to render a proof for");
  std::vector<delivery_result> sent;
  {
    std::lock_guard<std::mutex> g(*env.send_mu);
    sent = conn.value()->send(proofs);
  }
  for (std::size_t i = 0; i < sent.size(); ++i)
    if (!sent[i].sent())
      return make_error(errc::failed, act->connector,
                        "the proof to " + proofs[i].address + " failed: " + sent[i].reason);
  return out;
}

}  // namespace baton
