// Cap'n Proto codecs of the campaign events, and their registration in the catalog.
#include "events/campaign_events.hpp"

#include <map>
#include <utility>

#include "events/campaign.capnp.h"
#include "events/payload.hpp"
#include "events/register.hpp"

namespace baton::ev {

namespace cs = baton::capnp_schema;

namespace {

template <class T>
struct codec;

template <class L>
void write_vars(L list, const variables& v) {
  std::size_t i = 0;
  for (auto& [k, val] : v) {
    list[static_cast<unsigned>(i)].setKey(k);
    list[static_cast<unsigned>(i++)].setValue(val);
  }
}
template <class L>
variables read_vars(L list) {
  variables v;
  for (auto kv : list) v[to_std(kv.getKey())] = to_std(kv.getValue());
  return v;
}
unsigned n(std::size_t s) {
  return static_cast<unsigned>(s);
}

#define BATON_CODEC(T, S)                             \
  template <>                                         \
  struct codec<T> {                                   \
    using schema = cs::S;                             \
    static constexpr const char* name = #T;           \
    static constexpr std::uint16_t version = 1;       \
    static void write(schema::Builder b, const T& e); \
    static T read(schema::Reader r);                  \
  };
BATON_CODEC(campaign_created, CampaignCreated)
BATON_CODEC(campaign_updated, CampaignUpdated)
BATON_CODEC(campaign_published, CampaignPublished)
BATON_CODEC(campaign_status_changed, CampaignStatusChanged)
BATON_CODEC(confirmation_given, ConfirmationGiven)
BATON_CODEC(signal_received, SignalReceived)
BATON_CODEC(run_started, RunStarted)
BATON_CODEC(run_ended, RunEnded)
BATON_CODEC(next_run_planned, NextRunPlanned)
BATON_CODEC(task_started, TaskStarted)
BATON_CODEC(task_completed, TaskCompleted)
BATON_CODEC(task_failed, TaskFailed)
BATON_CODEC(task_skipped, TaskSkipped)
BATON_CODEC(task_waiting, TaskWaiting)
BATON_CODEC(transition_fired, TransitionFired)
BATON_CODEC(alert_raised, AlertRaised)
BATON_CODEC(signal_sent, SignalSent)
BATON_CODEC(delivery_progress, DeliveryProgress)
BATON_CODEC(feedback_received, FeedbackReceived)
BATON_CODEC(task_cancelled, TaskCancelled)
BATON_CODEC(run_data_dropped, RunDataDropped)
BATON_CODEC(approval_changed, ApprovalChanged)
BATON_CODEC(definition_versioned, DefinitionVersioned)
BATON_CODEC(version_proposed, VersionProposed)
BATON_CODEC(variant_chosen, VariantChosen)
#undef BATON_CODEC

void codec<campaign_created>::write(schema::Builder b, const campaign_created& e) {
  b.setCampaignId(e.campaign_id);
  b.setDefinition(e.definition);
  b.setDuplicatedFrom(e.duplicated_from);
}
campaign_created codec<campaign_created>::read(schema::Reader r) {
  return {to_std(r.getCampaignId()), to_std(r.getDefinition()), to_std(r.getDuplicatedFrom())};
}
void codec<campaign_updated>::write(schema::Builder b, const campaign_updated& e) {
  b.setDefinition(e.definition);
}
campaign_updated codec<campaign_updated>::read(schema::Reader r) {
  return {to_std(r.getDefinition())};
}
void codec<campaign_published>::write(schema::Builder b, const campaign_published& e) {
  b.setStatus(e.status);
  b.setNextRunUs(e.next_run_us);
}
campaign_published codec<campaign_published>::read(schema::Reader r) {
  return {to_std(r.getStatus()), r.getNextRunUs()};
}
void codec<campaign_status_changed>::write(schema::Builder b, const campaign_status_changed& e) {
  b.setStatus(e.status);
  b.setReason(e.reason);
}
campaign_status_changed codec<campaign_status_changed>::read(schema::Reader r) {
  return {to_std(r.getStatus()), to_std(r.getReason())};
}
void codec<confirmation_given>::write(schema::Builder b, const confirmation_given& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
}
confirmation_given codec<confirmation_given>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity())};
}
void codec<signal_received>::write(schema::Builder b, const signal_received& e) {
  write_vars(b.initVariables(n(e.vars.size())), e.vars);
  b.setSource(e.source);
}
signal_received codec<signal_received>::read(schema::Reader r) {
  return {read_vars(r.getVariables()), to_std(r.getSource())};
}
void codec<run_started>::write(schema::Builder b, const run_started& e) {
  b.setRun(e.run);
  b.setTest(e.test);
  b.setTrigger(e.trigger);
  write_vars(b.initVariables(n(e.vars.size())), e.vars);
}
run_started codec<run_started>::read(schema::Reader r) {
  return {r.getRun(), r.getTest(), to_std(r.getTrigger()), read_vars(r.getVariables())};
}
void codec<run_ended>::write(schema::Builder b, const run_ended& e) {
  b.setRun(e.run);
  b.setStatus(e.status);
  b.setError(e.error);
  b.setNextRunUs(e.next_run_us);
}
run_ended codec<run_ended>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getStatus()), to_std(r.getError()), r.getNextRunUs()};
}
void codec<next_run_planned>::write(schema::Builder b, const next_run_planned& e) {
  b.setNextRunUs(e.next_run_us);
}
next_run_planned codec<next_run_planned>::read(schema::Reader r) {
  return {r.getNextRunUs()};
}
void codec<task_started>::write(schema::Builder b, const task_started& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setAttempt(e.attempt);
  b.setCountIn(e.count_in);
}
task_started codec<task_started>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), r.getAttempt(), r.getCountIn()};
}
void codec<task_completed>::write(schema::Builder b, const task_completed& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setCountIn(e.count_in);
  auto outs = b.initOutputs(n(e.outputs.size()));
  for (std::size_t i = 0; i < e.outputs.size(); ++i) {
    auto& p = e.outputs[i];
    auto o = outs[n(i)];
    o.setOutput(p.output);
    o.setTable(p.table);
    o.setCount(p.count);
    o.setDimension(p.dimension);
    o.setFingerprint(p.fingerprint);
  }
  auto logs = b.initLogs(n(e.logs.size()));
  for (std::size_t i = 0; i < e.logs.size(); ++i) logs.set(n(i), e.logs[i]);
}
task_completed codec<task_completed>::read(schema::Reader r) {
  task_completed e{r.getRun(), to_std(r.getActivity()), r.getCountIn(), {}, {}};
  for (auto o : r.getOutputs())
    e.outputs.push_back({to_std(o.getOutput()), to_std(o.getTable()), o.getCount(),
                         to_std(o.getDimension()), to_std(o.getFingerprint())});
  for (auto l : r.getLogs()) e.logs.push_back(to_std(l));
  return e;
}
void codec<task_failed>::write(schema::Builder b, const task_failed& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setMessage(e.message);
  b.setPolicy(e.policy);
}
task_failed codec<task_failed>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), to_std(r.getMessage()), to_std(r.getPolicy())};
}
void codec<task_skipped>::write(schema::Builder b, const task_skipped& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setReason(e.reason);
  b.setPassThrough(e.pass_through);
}
task_skipped codec<task_skipped>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), to_std(r.getReason()), r.getPassThrough()};
}
void codec<task_waiting>::write(schema::Builder b, const task_waiting& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setUntilUs(e.until_us);
  b.setReason(e.reason);
}
task_waiting codec<task_waiting>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), r.getUntilUs(), to_std(r.getReason())};
}
void codec<transition_fired>::write(schema::Builder b, const transition_fired& e) {
  b.setRun(e.run);
  b.setFrom(e.from);
  b.setOutput(e.output);
  b.setTo(e.to);
  b.setCount(e.count);
}
transition_fired codec<transition_fired>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getFrom()), to_std(r.getOutput()), to_std(r.getTo()), r.getCount()};
}
void codec<alert_raised>::write(schema::Builder b, const alert_raised& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setTitle(e.title);
  b.setMessage(e.message);
}
alert_raised codec<alert_raised>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), to_std(r.getTitle()), to_std(r.getMessage())};
}
void codec<signal_sent>::write(schema::Builder b, const signal_sent& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setTarget(e.target);
  write_vars(b.initVariables(n(e.vars.size())), e.vars);
}
signal_sent codec<signal_sent>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), to_std(r.getTarget()), read_vars(r.getVariables())};
}

void codec<delivery_progress>::write(schema::Builder b, const delivery_progress& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setWave(e.wave);
  b.setPosition(e.position);
  b.setSent(e.sent);
  b.setFailed(e.failed);
  write_vars(b.initExclusions(n(e.exclusions.size())), e.exclusions);
  b.setSentTable(e.sent_table);
  b.setInDoubt(e.in_doubt);
  b.setRepeated(e.repeated);
}
delivery_progress codec<delivery_progress>::read(schema::Reader r) {
  return {r.getRun(),
          to_std(r.getActivity()),
          r.getWave(),
          r.getPosition(),
          r.getSent(),
          r.getFailed(),
          read_vars(r.getExclusions()),
          to_std(r.getSentTable()),
          r.getInDoubt(),
          r.getRepeated()};
}

void codec<feedback_received>::write(schema::Builder b, const feedback_received& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setMessageId(e.message_id);
  b.setEvent(e.event);
  b.setAtUs(e.at_us);
  b.setRecipient(e.recipient);
}
feedback_received codec<feedback_received>::read(schema::Reader r) {
  return {r.getRun(),  to_std(r.getActivity()), to_std(r.getMessageId()), to_std(r.getEvent()),
          r.getAtUs(), to_std(r.getRecipient())};
}

void codec<task_cancelled>::write(schema::Builder b, const task_cancelled& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setReason(e.reason);
  b.setWas(e.was);
}
task_cancelled codec<task_cancelled>::read(schema::Reader r) {
  return {r.getRun(), to_std(r.getActivity()), to_std(r.getReason()), to_std(r.getWas())};
}

void codec<run_data_dropped>::write(schema::Builder b, const run_data_dropped& e) {
  b.setLastRun(e.last_run);
  b.setWorktables(e.worktables);
}
run_data_dropped codec<run_data_dropped>::read(schema::Reader r) {
  return {r.getLastRun(), r.getWorktables()};
}

void codec<approval_changed>::write(schema::Builder b, const approval_changed& e) {
  b.setState(e.state);
  b.setReason(e.reason);
}
approval_changed codec<approval_changed>::read(schema::Reader r) {
  return {to_std(r.getState()), to_std(r.getReason())};
}

void codec<definition_versioned>::write(schema::Builder b, const definition_versioned& e) {
  b.setVersion(e.version);
  b.setDefinition(e.definition);
}
definition_versioned codec<definition_versioned>::read(schema::Reader r) {
  return {r.getVersion(), to_std(r.getDefinition())};
}

void codec<version_proposed>::write(schema::Builder b, const version_proposed& e) {
  b.setDefinition(e.definition);
}
version_proposed codec<version_proposed>::read(schema::Reader r) {
  return {to_std(r.getDefinition())};
}

void codec<variant_chosen>::write(schema::Builder b, const variant_chosen& e) {
  b.setRun(e.run);
  b.setActivity(e.activity);
  b.setVariant(e.variant);
  b.setMetric(e.metric);
  auto l = b.initFigures(n(e.figures.size()));
  for (std::size_t i = 0; i < e.figures.size(); ++i) {
    auto f = l[n(i)];
    const auto& x = e.figures[i];
    f.setName(x.name);
    f.setSent(x.sent);
    f.setOpens(x.opens);
    f.setUniqueOpens(x.unique_opens);
    f.setClicks(x.clicks);
    f.setUniqueClicks(x.unique_clicks);
  }
}
variant_chosen codec<variant_chosen>::read(schema::Reader r) {
  variant_chosen e{
      r.getRun(), to_std(r.getActivity()), to_std(r.getVariant()), to_std(r.getMetric()), {}};
  for (auto f : r.getFigures())
    e.figures.push_back({to_std(f.getName()), f.getSent(), f.getOpens(), f.getUniqueOpens(),
                         f.getClicks(), f.getUniqueClicks()});
  return e;
}

// The one table of campaign event decoders, keyed by (type id, version). Only current versions
// are here: the catalog upcasts older payloads first (event_catalog::upcast), so a version with
// no decoder is an integrity error, never a silent misreading.
using decoder = result<campaign_event> (*)(const event&);
using decoder_table = std::map<std::pair<std::uint16_t, std::uint16_t>, decoder>;

template <class X>
result<campaign_event> decode_one(const event& e) {
  auto r = read_payload<typename codec<X>::schema, X>(
      e.payload, [](typename codec<X>::schema::Reader rd) { return codec<X>::read(rd); });
  if (!r)
    return make_error(errc::integrity, "event #" + std::to_string(e.global_seq), r.err().what);
  return campaign_event(std::move(r.value()));
}

template <std::size_t I = 0>
void fill_decoders(decoder_table& t) {
  if constexpr (I < std::variant_size_v<campaign_event>) {
    using X = std::variant_alternative_t<I, campaign_event>;
    t.emplace(std::pair{X::type, codec<X>::version}, &decode_one<X>);
    fill_decoders<I + 1>(t);
  }
}

const decoder_table& decoders() {
  static const decoder_table table = [] {
    decoder_table t;
    fill_decoders(t);
    return t;
  }();
  return table;
}

template <std::size_t I = 0>
void register_all(event_catalog& c) {
  if constexpr (I < std::variant_size_v<campaign_event>) {
    using X = std::variant_alternative_t<I, campaign_event>;
    event_type_info t;
    t.id = X::type;
    t.name = codec<X>::name;
    t.schemas = {capnp::Schema::from<typename codec<X>::schema>()};
    static_assert(codec<X>::version == 1, "a new version needs its old schemas and upcasters here");
    c.add(std::move(t));
    register_all<I + 1>(c);
  }
}

}  // namespace

event to_event(const campaign_event& ce) {
  return std::visit(
      [](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        event e;
        e.type = X::type;
        e.version = codec<X>::version;  // always the current version
        e.payload = build_payload<typename codec<X>::schema>(
            [&](typename codec<X>::schema::Builder b) { codec<X>::write(b, x); });
        return e;
      },
      ce);
}

result<campaign_event> from_event(const event& e) {
  auto& table = decoders();
  auto it = table.find({e.type, e.version});
  if (it != table.end()) return it->second(e);
  auto where = "event #" + std::to_string(e.global_seq);
  for (auto& [key, dec] : table)
    if (key.first == e.type)
      return make_error(errc::integrity, where,
                        "campaign event type " + std::to_string(e.type) + " version " +
                            std::to_string(e.version) + " is not the current version " +
                            std::to_string(key.second) + " (not upcast)");
  return make_error(errc::integrity, where, "not a campaign event: type " + std::to_string(e.type));
}

const char* name_of(const campaign_event& e) {
  return std::visit([](const auto& x) { return codec<std::decay_t<decltype(x)>>::name; }, e);
}

}  // namespace baton::ev

namespace baton {
void register_campaign_events(event_catalog& c) {
  ev::register_all(c);
}
}  // namespace baton
