# SPDX-License-Identifier: GPL-3.0-or-later
# Shared test support (the PostgreSQL harness); included by every suite that needs it.
if(NOT TARGET baton_testsupport)
    add_library(baton_testsupport STATIC
        ${CMAKE_CURRENT_LIST_DIR}/pgharness.cpp ${CMAKE_CURRENT_LIST_DIR}/pgharness.h)
    target_include_directories(baton_testsupport PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(baton_testsupport PUBLIC Qt6::Core Qt6::Sql Qt6::Test)
endif()

# The one server set-up of the integration tests (testserver.h), for suites built with the
# composition root.
if(NOT TARGET baton_testserver AND TARGET baton_services)
    add_library(baton_testserver STATIC
        ${CMAKE_CURRENT_LIST_DIR}/testserver.cpp ${CMAKE_CURRENT_LIST_DIR}/testserver.h)
    target_include_directories(baton_testserver PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(baton_testserver PUBLIC baton_services baton_testsupport Qt6::Test)
    target_compile_definitions(baton_testserver PRIVATE BATON_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
