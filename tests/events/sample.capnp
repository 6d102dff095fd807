# Test-only event schemas: two versions of one event type, to exercise upcasting.
@0xb3760007f7d58a3b;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::test_schema");

struct SampleV1 {
  name @0 :Text;
}

struct SampleV2 {
  name  @0 :Text;
  count @1 :UInt32;  # new in v2; v1 events upcast with count = name's length
}
