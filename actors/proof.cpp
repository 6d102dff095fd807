// `campaign proof ID ACTIVITY --to ADDR[,ADDR] [--sample N]`: the checks of the command and the
// worker that sends the proofs (actors/proof_send.hpp) off the campaign actor's thread.
#include "actors/trigger_actor.hpp"
#include "model/number.hpp"
#include "model/planner.hpp"

namespace baton {

namespace {

std::string arg(const api_command& cmd, const char* name, const std::string& otherwise = "") {
  auto it = cmd.args.find(name);
  return it == cmd.args.end() ? otherwise : it->second;
}

std::vector<std::string> split_addresses(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text + ",") {
    if (ch != ',') {
      cur += ch;
      continue;
    }
    auto b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  }
  return out;
}

}  // namespace

result<proof_job> make_proof_job(const campaign_state& st, const api_command& cmd,
                                 const command_context& c) {
  if (auto refused = check_role(c.actor, c.who, role::manager, "campaign proof")) return *refused;
  proof_job j;
  j.campaign = st.id;
  const std::string id = arg(cmd, "activity");
  const activity* a = st.def->find_activity(id);
  if (!a) return make_error(errc::not_found, "ACTIVITY", "no activity `" + id + "` in " + st.id);
  if (!is_channel(a->type))
    return make_error(errc::validation, "ACTIVITY",
                      "`" + id + "` is a " + to_string(a->type) +
                          ": proofs are of channel activities (email, sms, push)");
  j.act = *a;
  j.to = split_addresses(arg(cmd, "to"));
  if (j.to.empty() || j.to.size() > 20)
    return make_error(errc::validation, "--to", "give 1 to 20 seed addresses, comma-separated");
  auto n = parse_whole_number(arg(cmd, "sample", "1"), "--sample", 1, 100);
  if (!n) return n.err();
  j.sample = static_cast<int>(*n);
  j.subject_prefix = arg(cmd, "subjectPrefix", "[PROOF] ");
  j.now = c.now;
  for (auto r = st.runs.rbegin(); r != st.runs.rend(); ++r) {
    auto ins = inputs_of(*st.def, *r, id);
    if (ins.empty() || ins.front().second.table.empty()) continue;
    j.run = r->number;
    j.population = ins.front().second;
    return j;
  }
  return make_error(errc::refused, id,
                    "no run has computed the population of `" + id +
                        "` yet: start a test run first (`batonctl campaign test " + st.id +
                        "`; it sends nothing), then ask for the proof");
}

caf::actor spawn_proof_worker(caf::local_actor* parent, std::shared_ptr<activity_runner> runner) {
  return parent->spawn<caf::detached>([runner](caf::event_based_actor* self) -> caf::behavior {
    return {[self, runner](proof_atom, proof_job& j) -> caf::result<std::string> {
      self->quit();
      try {
        auto r = runner->send_proofs(j);
        if (!r) return to_caf(r.err());
        nlohmann::json sent = nlohmann::json::array();
        for (auto& p : *r)
          sent.push_back(
              {{"messageId", p.message_id}, {"recipient", p.recipient}, {"to", p.address}});
        return nlohmann::json{
            {"id", j.campaign}, {"activity", j.act.id}, {"run", j.run}, {"proofs", sent}}
            .dump();
      } catch (const std::exception& e) {
        return to_caf(make_error(errc::failed, "proof", e.what()));
      }
    }};
  });
}

}  // namespace baton
