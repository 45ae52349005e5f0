// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A small organisation and workflow for the engine's tests, written here rather than taken
// from workflows/ so that the tests do not change when the shipped workflows do.

#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "runtime/access.h"

#include <memory>

namespace Baton::Test {

inline const char testOrg[] = R"(
calendars:
  always:
    timezone: UTC
    week: {mon-sun: ["00:00-24:00"]}
departments:
  desk: {title: Desk, calendar: always}
  back: {title: Back office, calendar: always}
queues:
  front: {department: desk, title: Front desk}
  backoffice: {department: back, title: Back office}
)";

// Version 1: intake (front) → fixing (back office) → closed.
inline const char repairV1[] = R"(
workflow: repair
title: Repair
start:
  roles: [agent]
fields:
  device: {type: string, required: true}
  note: {type: text}
initial: intake
states:
  intake:
    title: Intake
    queue: front
    on:
      accept: {to: fixing, title: Accept}
  fixing:
    title: Fixing
    queue: backoffice
    transfer_to: [backoffice, front]
    on:
      fixed: {to: closed, requires: [note]}
  closed: {final: true}
)";

// Version 2 adds a check by the front desk before closing.
inline const char repairV2[] = R"(
workflow: repair
title: Repair
start:
  roles: [agent]
fields:
  device: {type: string, required: true}
  note: {type: text}
initial: intake
states:
  intake:
    title: Intake
    queue: front
    on:
      accept: {to: fixing, title: Accept}
  fixing:
    title: Fixing
    queue: backoffice
    transfer_to: [backoffice, front]
    on:
      fixed: {to: check, requires: [note]}
  check:
    title: Check with the customer
    queue: front
    on:
      done: {to: closed}
  closed: {final: true}
)";

inline std::shared_ptr<const Organisation> testOrganisation()
{
    auto read = readOrganisation(QByteArray(testOrg), QStringLiteral("org.yaml"));
    return std::make_shared<const Organisation>(read.organisation);
}

inline std::shared_ptr<const Workflow> testWorkflow(const Organisation &org, const char *text)
{
    auto read = readWorkflow(QByteArray(text), QStringLiteral("repair.yaml"), &org);
    return read.ok() ? std::shared_ptr<const Workflow>(read.workflow) : nullptr;
}

inline Actor agent(const Organisation &org, const QString &name = QStringLiteral("amy"))
{
    return resolveActor(org, name, {QStringLiteral("agent")}, {QStringLiteral("desk")});
}

inline Actor backOffice(const Organisation &org, const QString &name = QStringLiteral("bob"))
{
    return resolveActor(org, name, {QStringLiteral("staff")}, {QStringLiteral("back")});
}

} // namespace Baton::Test
