// The approval flow of drafts (INTERFACES.md §8) through decide and the shared fold: a submitted
// draft is read-only, its author may not approve it, a rejection needs a reason, only an
// approved draft publishes when security.requireApproval is on, and an edit clears the approval.
#include <catch2/catch.hpp>

#include "campaign_fixture.hpp"

using namespace campaign_fixture;

namespace {

errc code_of(const decision& d) {
  REQUIRE_FALSE(d.ok());
  return d.err().code;
}

command_context as(const campaign& c, const std::string& who, role r) {
  auto x = c.ctx(r, who);
  x.require_approval = true;
  return x;
}

}  // namespace

TEST_CASE("submit, approve, reject: four eyes, read-only while submitted", "[approval][model]") {
  campaign c(linear());
  auto mia = as(c, "mia", role::manager), abe = as(c, "abe", role::approver),
       ada = as(c, "ada", role::admin);
  CHECK(code_of(decide_publish(c.s, abe)) == errc::refused);  // not submitted
  CHECK(code_of(decide_approval(c.s, "approve", "", abe)) == errc::refused);
  CHECK(code_of(decide_approval(c.s, "submit", "", as(c, "vic", role::viewer))) == errc::refused);
  c.accept(decide_approval(c.s, "submit", "", mia), "mia");
  REQUIRE(c.s.approval);
  CHECK(c.s.approval->state == "submitted");
  CHECK(c.s.approval->author == "mia");
  CHECK(code_of(decide_update(c.s, c.s.definition_json, mia)) == errc::refused);  // read-only
  CHECK(code_of(decide_approval(c.s, "submit", "", mia)) == errc::refused);
  CHECK(code_of(decide_approval(c.s, "approve", "", as(c, "mia", role::admin))) ==
        errc::refused);  // the author, even as admin
  CHECK(code_of(decide_approval(c.s, "reject", "", abe)) == errc::validation);
  c.accept(decide_approval(c.s, "reject", "the subject is wrong", abe), "abe");
  CHECK(c.s.approval->state == "rejected");
  CHECK(c.s.approval->by == "abe");
  CHECK(c.s.approval->reason == "the subject is wrong");
  CHECK(code_of(decide_publish(c.s, ada)) == errc::refused);

  c.accept(decide_update(c.s, c.s.definition_json, mia), "mia");
  CHECK_FALSE(c.s.approval);
  c.accept(decide_approval(c.s, "submit", "", mia), "mia");
  c.accept(decide_approval(c.s, "approve", "", abe), "abe");
  CHECK(c.s.approval->state == "approved");
  CHECK(c.s.approval->by == "abe");
  CHECK(code_of(decide_publish(c.s, mia)) == errc::refused);  // publishing needs an approver

  // An edit after approval needs a new one.
  campaign edited(linear());
  edited.accept(decide_approval(edited.s, "submit", "", mia), "mia");
  edited.accept(decide_approval(edited.s, "approve", "", abe), "abe");
  edited.accept(decide_update(edited.s, edited.s.definition_json, mia), "mia");
  CHECK_FALSE(edited.s.approval);
  CHECK(code_of(decide_publish(edited.s, abe)) == errc::refused);

  c.accept(decide_publish(c.s, abe), "abe");
  CHECK(c.s.status != campaign_status::draft);
  // The snapshot keeps the approval.
  auto back = decode_state(encode_state(c.s));
  REQUIRE(back.ok());
  CHECK(back->approval == c.s.approval);
}

TEST_CASE("without requireApproval a draft publishes as before", "[approval][model]") {
  campaign c(linear());
  CHECK(decide_publish(c.s, c.ctx(role::approver, "abe")).ok());
}
