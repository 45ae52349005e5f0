// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace Baton {

/// One problem found in a workflow or organisation file.
/// line and column are 1-based, as editors and compilers print them.
struct Diagnostic
{
    enum class Severity { Error, Warning };

    QString file;
    int line = 0;
    int column = 0;
    Severity severity = Severity::Error;
    QString message;

    bool isError() const { return severity == Severity::Error; }
    /// "FILE:LINE:COLUMN: error: MESSAGE" — the compiler convention editors and CI annotate.
    QString toString() const
    {
        return file + u':' + QString::number(line) + u':' + QString::number(column) + u": "
            + (isError() ? u"error: " : u"warning: ") + message;
    }
    friend bool operator==(const Diagnostic &, const Diagnostic &) = default;
};

using Diagnostics = QList<Diagnostic>;

inline bool hasErrors(const Diagnostics &diagnostics)
{
    for (const Diagnostic &d : diagnostics)
        if (d.isError())
            return true;
    return false;
}

} // namespace Baton
