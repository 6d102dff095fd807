# Events of the store's own stream ("store"): what happened to the log itself, as opposed to a
# campaign. Type ids 100 and up (events/store_events.hpp). Never renumber or reuse an ordinal.
@0xf7e872ce8f7fd87a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct StoreSalvaged {           # type 100: `baton-replay salvage` dropped a damaged log's tail
  headBefore      @0 :UInt64;    # the highest sequence known to have been written (acknowledged or read)
  headAfter       @1 :UInt64;    # the head kept: events #1..headAfter are intact
  dropped         @2 :UInt64;    # headBefore - headAfter
  file            @3 :Text;      # the damaged WAL file ("" when none was found: a file was lost)
  offset          @4 :UInt64;    # byte offset of the damage in it
  damage          @5 :Text;      # what was wrong ("checksum mismatch", ...)
  keptIn          @6 :Text;      # the directory the damaged files and the dropped events went to
  readableDropped @7 :UInt64;    # dropped events that were still readable (in keptIn/dropped.jsonl)
}
