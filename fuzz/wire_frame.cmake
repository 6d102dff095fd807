# The wire frame target: batond's client frame reader, with nothing else linked.
add_executable(fuzz_wire_frame ${CMAKE_CURRENT_LIST_DIR}/wire_frame.cpp
               ${BATON_SOURCE_ROOT}/tools/batond/guard/basp_frame.cpp)
target_include_directories(fuzz_wire_frame PRIVATE ${BATON_SOURCE_ROOT})
target_compile_options(fuzz_wire_frame PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
                       -fno-sanitize-recover=undefined)
target_link_options(fuzz_wire_frame PRIVATE -fsanitize=fuzzer,address,undefined)
