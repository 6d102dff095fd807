# The wire frame target: batond's client frame reader, with nothing else linked.
# Seeds (fuzz/corpus/wire_frame/): a first byte saying how the target cuts the stream (0 = at
# once, N = N bytes a read), then client streams serialized by CAF 0.17 itself as
# tests/actors/network_util.hpp's wire_peer writes them: handshakes, API requests, CAF's info
# query, heartbeat, monitor and down messages, and the hostile frames of the [net] tests.
#   build-fuzz/fuzz_wire_frame -max_total_time=60 NEW_DIR fuzz/corpus/wire_frame
add_executable(fuzz_wire_frame ${CMAKE_CURRENT_LIST_DIR}/wire_frame.cpp
               ${BATON_SOURCE_ROOT}/tools/batond/guard/basp_frame.cpp)
target_include_directories(fuzz_wire_frame PRIVATE ${BATON_SOURCE_ROOT})
target_compile_options(fuzz_wire_frame PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
                       -fno-sanitize-recover=undefined)
target_link_options(fuzz_wire_frame PRIVATE -fsanitize=fuzzer,address,undefined)
