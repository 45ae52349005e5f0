// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/diagnostic.h"
#include "definition/model.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace Baton {

/// One file of the organisation: org.yaml, or one file of an org/ folder.
struct OrganisationFile
{
    QString path; ///< as it should appear in diagnostics
    QByteArray text;
};

/// The organisation read from its files, as far as it could be read, and every problem found.
/// Names stay in the organisation even when their entry has errors, so that workflow files
/// checked against it do not repeat those errors as unknown names.
struct OrganisationReadResult
{
    Organisation organisation;
    Diagnostics diagnostics; ///< per file sorted by line and column, files in the given order
    bool ok() const { return !hasErrors(diagnostics); }
};

/// Reads and checks org.yaml (workflow-language.md, "Organisation"). Several files are merged
/// as one organisation; a name defined in two files is an error at the second.
OrganisationReadResult readOrganisation(const QList<OrganisationFile> &files);
OrganisationReadResult readOrganisation(const QByteArray &text, const QString &path);

} // namespace Baton
