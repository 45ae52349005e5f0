// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace Baton::Cli {

// Each sub-command takes the arguments after its name and returns the process exit code.
// They print to stdout/stderr themselves.
int runValidate(const QStringList &arguments); // validatecommand.cpp
int runDiagram(const QStringList &arguments); // diagramcommand.cpp
int runServe(const QStringList &arguments); // servecommand.cpp
int runMigrate(const QStringList &arguments); // migratecommand.cpp
int runUser(const QStringList &arguments); // usercommand.cpp
int runBackup(const QStringList &arguments); // backupcommand.cpp
int runRestore(const QStringList &arguments); // backupcommand.cpp
int runCustomers(const QStringList &arguments); // customerscommand.cpp

} // namespace Baton::Cli
