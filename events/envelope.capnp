# The event envelope: what the store keeps for every event, one Cap'n Proto message per value
# in the `log` column family (see docs/operations.md for reading it with `capnp convert`).
# Never renumber or reuse an ordinal; add fields at the end.
@0xbd1cebf8bb07b01a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct Envelope {
  stream        @0  :Text;    # the stream this event belongs to, e.g. "campaign/c-1a2b"
  streamSeq     @1  :UInt64;  # 1-based position within the stream
  globalSeq     @2  :UInt64;  # 1-based position in the global log (also the RocksDB key)
  timeUs        @3  :Int64;   # append time, microseconds since the Unix epoch (injected clock)
  type          @4  :UInt16;  # event type id (events/catalog.hpp)
  version       @5  :UInt16;  # payload schema version of that type
  actor         @6  :Text;    # acting identity (user or service) that caused it
  commandId     @7  :Text;    # the client-chosen command id that produced it
  correlationId @8  :Text;    # campaign/run it belongs to
  causationId   @9  :Text;    # what caused it (an event's global seq, a timer, ...)
  payload       @10 :Data;    # the event body: a Cap'n Proto message of the type's struct
  prevHash      @11 :Data;    # SHA-256 of the previous event in the global log (zeros for #1)
  hash          @12 :Data;    # SHA-256 over prevHash and every field above (events/hash.hpp)
}

# A snapshot of a stream's folded state at a stream version (the `snapshots` column family).
struct Snapshot {
  stream   @0 :Text;
  version  @1 :UInt64;  # the stream version folded into `state`
  globalSeq @2 :UInt64; # global sequence of the last event folded
  format   @3 :UInt16;  # version of the state encoding
  state    @4 :Data;
}
