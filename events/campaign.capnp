# Events of a campaign's stream ("campaign/<id>"): its definition and lifecycle, its runs and
# the tasks of each run. Each struct is one event type at one version (events/campaign_events.hpp
# gives the type ids). Never renumber or reuse an ordinal; a new meaning is a new version.
@0x9fdc53142abf3c1b;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct KeyValue {
  key   @0 :Text;
  value @1 :Text;
}

# --- definition and lifecycle ---

struct CampaignCreated {        # type 1
  campaignId     @0 :Text;
  definition     @1 :Text;      # the campaign JSON as validated (canonical dump)
  duplicatedFrom @2 :Text;      # "" unless created by duplicate
}

struct CampaignUpdated {        # type 2 (draft only)
  definition @0 :Text;
}

struct CampaignPublished {      # type 3
  status    @0 :Text;           # "scheduled" or "live"
  nextRunUs @1 :Int64;          # 0 when none is planned
}

struct CampaignStatusChanged {  # type 4: pause, resume, stop, close, back-to-draft, archive,
  status @0 :Text;              #         complete, delete — the new status
  reason @1 :Text;              # the command or rule that caused it ("pause", "error", ...)
}

struct ConfirmationGiven {      # type 5
  run      @0 :UInt32;
  activity @1 :Text;
}

struct SignalReceived {         # type 6
  variables @0 :List(KeyValue);
  source    @1 :Text;           # "api" or "campaign/<id>"
}

# --- runs ---

struct RunStarted {             # type 10
  run       @0 :UInt32;         # 1, 2, 3... within the campaign
  test      @1 :Bool;           # a test run (draft): skips save_audience and channels
  trigger   @2 :Text;           # "start", "schedule", "signal", "resume", "test"
  variables @3 :List(KeyValue); # the run's variables (campaign globals + signal)
}

struct RunEnded {               # type 11
  run       @0 :UInt32;
  status    @1 :Text;           # "completed", "failed" or "stopped"
  error     @2 :Text;
  nextRunUs @3 :Int64;          # the next planned run, 0 if none
}

struct NextRunPlanned {         # type 12: the schedule's next slot (after a skip or a roll)
  nextRunUs @0 :Int64;
}

# --- tasks ---

struct Population {
  output      @0 :Text;         # output name: "out", a split subset, "complement", ...
  table       @1 :Text;         # worktable holding the keys (data plane), "" for none
  count       @2 :UInt64;
  dimension   @3 :Text;
  fingerprint @4 :Text;         # content hash of the worktable
}

struct TaskStarted {            # type 20
  run      @0 :UInt32;
  activity @1 :Text;
  attempt  @2 :UInt32;          # 1 first, +1 for each re-run (resume, recovery)
  countIn  @3 :UInt64;
}

struct TaskCompleted {          # type 21
  run      @0 :UInt32;
  activity @1 :Text;
  countIn  @2 :UInt64;
  outputs  @3 :List(Population); # the outputs emitted (an output not listed is not taken)
  logs     @4 :List(Text);
}

struct TaskFailed {             # type 22
  run      @0 :UInt32;
  activity @1 :Text;
  message  @2 :Text;
  policy   @3 :Text;            # the error policy that applied: suspend, ignore, abort
}

struct TaskSkipped {            # type 23
  run      @0 :UInt32;
  activity @1 :Text;
  reason   @2 :Text;            # "disabled", "test run", "upstream skipped", "branch stopped"
  passThrough @3 :Bool;         # save_audience in a test run: its input flows on unchanged
}

struct TaskWaiting {            # type 24: a durable wait or a send confirmation
  run      @0 :UInt32;
  activity @1 :Text;
  untilUs  @2 :Int64;           # wait: when it ends; 0 for needs-confirmation
  reason   @3 :Text;            # "wait" or "needs-confirmation"
}

struct TransitionFired {        # type 25
  run    @0 :UInt32;
  from   @1 :Text;
  output @2 :Text;
  to     @3 :Text;
  count  @4 :UInt64;
}

struct AlertRaised {            # type 26
  run      @0 :UInt32;
  activity @1 :Text;
  title    @2 :Text;
  message  @3 :Text;
}

struct SignalSent {             # type 27: an end activity signalled another campaign
  run       @0 :UInt32;
  activity  @1 :Text;
  target    @2 :Text;
  variables @3 :List(KeyValue);
}

struct DeliveryProgress {       # type 28: a batch of a channel activity is durably done
  run        @0 :UInt32;
  activity   @1 :Text;
  wave       @2 :UInt32;          # the wave the batch belonged to (0-based)
  position   @3 :UInt64;          # rows of the population handled so far, in key order
  sent       @4 :UInt64;          # cumulative
  failed     @5 :UInt64;          # cumulative
  exclusions @6 :List(KeyValue);  # reason -> cumulative count
  sentTable  @7 :Text;            # worktable collecting the keys sent (the `out` population)
  inDoubt    @8 :UInt64;          # cumulative: handed over again after a crash left no answer
  repeated   @9 :UInt64;          # cumulative: a server said it already had the message
}

struct FeedbackReceived {       # type 29: what happened to a sent message (feedback load / API)
  run       @0 :UInt32;
  activity  @1 :Text;
  messageId @2 :Text;
  event     @3 :Text;           # delivered, bounced, opened, clicked, unsubscribed
  atUs      @4 :Int64;          # when it happened, as reported
  recipient @5 :Text;
}

struct TaskCancelled {          # type 30: the run ended before this task did (failed, stopped,
  run      @0 :UInt32;          #          back to draft): the task is settled, its late result
  activity @1 :Text;            #          ignored
  reason   @2 :Text;            # "run failed", "run stopped"
  was      @3 :Text;            # the task's state then: pending, running, needs-confirmation
}

struct RunDataDropped {         # type 40: retention (config retention.logsDays): runs 1..lastRun
  lastRun    @0 :UInt32;        #          ended that long ago; their task logs are dropped from
  worktables @1 :UInt64;        #          the state (these events keep them) and their worktables
}                               #          from the data plane (how many, here)

struct ApprovalChanged {        # type 31: a draft submitted for approval, approved or rejected
  state  @0 :Text;              # submitted, approved, rejected (security.requireApproval)
  reason @1 :Text;              # why (a rejection has one; "" otherwise when none was given)
}

# --- versions of a published campaign (INTERFACES.md §10) ---

struct DefinitionVersioned {    # type 51: `campaign edit` of a published recurring campaign (or
  version    @0 :UInt32;        #          the approval of a proposed edit): definition version
  definition @1 :Text;          #          2, 3, ...; it applies from the next run (the run in
}                               #          progress finishes on its own version)

struct VersionProposed {        # type 52: with security.requireApproval, an edit of a published
  definition @0 :Text;          #          campaign waits here (submitted) until an approver who
}                               #          is not its author approves (-> DefinitionVersioned)

# --- experiments (INTERFACES.md §10) ---

struct VariantFigures {         # one variant of an experiment as its choice saw it
  name         @0 :Text;
  sent         @1 :UInt64;
  opens        @2 :UInt64;
  uniqueOpens  @3 :UInt64;
  clicks       @4 :UInt64;
  uniqueClicks @5 :UInt64;
}

struct VariantChosen {          # type 70: after the experiment's wait, the variant with the best
  run      @0 :UInt32;          #          metric (a tie keeps the first) goes to the rest of the
  activity @1 :Text;            #          population; the figures it was chosen on
  variant  @2 :Text;
  metric   @3 :Text;            # opens | clicks (unique, from the recorded feedback)
  figures  @4 :List(VariantFigures);
}
