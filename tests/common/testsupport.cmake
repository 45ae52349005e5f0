# SPDX-License-Identifier: GPL-3.0-or-later
# Shared test support (the PostgreSQL harness); included by every suite that needs it.
if(NOT TARGET baton_testsupport)
    add_library(baton_testsupport STATIC
        ${CMAKE_CURRENT_LIST_DIR}/pgharness.cpp ${CMAKE_CURRENT_LIST_DIR}/pgharness.h)
    target_include_directories(baton_testsupport PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(baton_testsupport PUBLIC Qt6::Core Qt6::Sql Qt6::Test)
endif()
