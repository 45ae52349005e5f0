# SPDX-License-Identifier: GPL-3.0-or-later
# find_package(BatonPlugin): the target Baton::Plugin, everything a plugin of Baton compiles
# against (engine/plugin's interfaces, core/result.h, Qt6::Core). Installed with the component
# "plugin-development"; see plugins/README.md.
include(CMakeFindDependencyMacro)
find_dependency(Qt6 COMPONENTS Core)
get_filename_component(_baton_plugin_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET Baton::Plugin)
    add_library(Baton::Plugin INTERFACE IMPORTED)
    set_target_properties(Baton::Plugin PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${_baton_plugin_prefix}/include/baton"
        INTERFACE_LINK_LIBRARIES Qt6::Core)
endif()
unset(_baton_plugin_prefix)
