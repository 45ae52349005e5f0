# SPDX-License-Identifier: GPL-3.0-or-later
# Shared test support, included once by tests/CMakeLists.txt before the suites.
# baton_testsupport: the PostgreSQL harness and the ticket the tests open (jumpqueueticket.h).
add_library(baton_testsupport STATIC
    ${CMAKE_CURRENT_LIST_DIR}/pgharness.cpp ${CMAKE_CURRENT_LIST_DIR}/pgharness.h
    ${CMAKE_CURRENT_LIST_DIR}/jumpqueueticket.h)
target_include_directories(baton_testsupport PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(baton_testsupport PUBLIC Qt6::Core Qt6::Sql Qt6::Test)

# baton_testserver: the one server set-up of the integration tests and benchmarks (testserver.h),
# built on the composition root.
add_library(baton_testserver STATIC
    ${CMAKE_CURRENT_LIST_DIR}/testserver.cpp ${CMAKE_CURRENT_LIST_DIR}/testserver.h)
target_include_directories(baton_testserver PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(baton_testserver PUBLIC baton_services baton_testsupport Qt6::Test)
target_compile_definitions(baton_testserver PRIVATE BATON_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
