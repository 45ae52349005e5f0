// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reading the engine's own sources for the house checks (tst_layering, tst_sqlplace,
// tst_functionlength): which modules there are, their files, their includes and their string
// literals. A small C++ lexer, enough for this code base: comments, character literals, plain
// and raw string literals.

#include <QDebug>
#include <QDir>
#include <QFile>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace House {

inline QString sourceDir()
{
    return QStringLiteral(BATON_SOURCE_DIR);
}

inline QString engineDir()
{
    return sourceDir() + QStringLiteral("/engine");
}

/// The module folders of engine/ (every folder is a module).
inline QStringList engineModules()
{
    return QDir(engineDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

/// The C++ files of one module folder, as paths relative to the source tree.
inline QStringList moduleFiles(const QString &module)
{
    const QDir dir(engineDir() + QLatin1Char('/') + module);
    QStringList files;
    const auto names
        = dir.entryList({QStringLiteral("*.h"), QStringLiteral("*.cpp"), QStringLiteral("*.h.in")},
                        QDir::Files, QDir::Name);
    for (const QString &name : names)
        files.append(QStringLiteral("engine/") + module + QLatin1Char('/') + name);
    return files;
}

inline QString readSource(const QString &relativePath)
{
    QFile file(sourceDir() + QLatin1Char('/') + relativePath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

struct Include
{
    int line = 0;
    QString path; ///< as written between the quotes, e.g. "store/database.h"
};

/// The quoted includes of a file (angle-bracket includes are Qt and the standard library).
inline QList<Include> quotedIncludes(const QString &code)
{
    static const QRegularExpression include(
        QStringLiteral(R"re(^[ \t]*#[ \t]*include[ \t]*"([^"]+)")re"),
        QRegularExpression::MultilineOption);
    QList<Include> found;
    auto it = include.globalMatch(code);
    while (it.hasNext()) {
        const auto match = it.next();
        const int line = int(code.left(match.capturedStart()).count(QLatin1Char('\n'))) + 1;
        found.append({line, match.captured(1)});
    }
    return found;
}

struct Literal
{
    int line = 0;
    QString text; ///< the characters between the quotes, escapes left as written
};

/// Every string literal of a file outside comments: "..." (any prefix: u, u8, L) and raw
/// R"delim(...)delim". Adjacent literals stay separate.
inline QList<Literal> stringLiterals(const QString &code)
{
    QList<Literal> found;
    int line = 1;
    const qsizetype n = code.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = code.at(i);
        const QChar next = i + 1 < n ? code.at(i + 1) : QChar();
        if (c == QLatin1Char('\n')) {
            ++line;
        } else if (c == QLatin1Char('/') && next == QLatin1Char('/')) {
            while (i + 1 < n && code.at(i + 1) != QLatin1Char('\n'))
                ++i;
        } else if (c == QLatin1Char('/') && next == QLatin1Char('*')) {
            const qsizetype end = code.indexOf(QStringLiteral("*/"), i + 2);
            const qsizetype stop = end < 0 ? n : end + 1;
            line += int(QStringView(code).mid(i, stop - i).count(QLatin1Char('\n')));
            i = stop;
        } else if (c == QLatin1Char('\'')) {
            // A character literal ('"' must not open a string), or a digit separator (1'000).
            const bool separator = i > 0 && code.at(i - 1).isDigit();
            if (!separator) {
                ++i;
                while (i < n && code.at(i) != QLatin1Char('\'')) {
                    if (code.at(i) == QLatin1Char('\\'))
                        ++i;
                    ++i;
                }
            }
        } else if (c == QLatin1Char('R') && next == QLatin1Char('"')) {
            const qsizetype open = code.indexOf(QLatin1Char('('), i + 2);
            if (open < 0)
                break;
            const QString close
                = QLatin1Char(')') + code.mid(i + 2, open - i - 2) + QLatin1Char('"');
            const qsizetype end = code.indexOf(close, open + 1);
            const qsizetype stop = end < 0 ? n : end;
            found.append({line, code.mid(open + 1, stop - open - 1)});
            line += int(QStringView(code).mid(i, stop - i).count(QLatin1Char('\n')));
            i = stop + close.size() - 1;
        } else if (c == QLatin1Char('"')) {
            const qsizetype start = i + 1;
            ++i;
            while (i < n && code.at(i) != QLatin1Char('"') && code.at(i) != QLatin1Char('\n')) {
                if (code.at(i) == QLatin1Char('\\'))
                    ++i;
                ++i;
            }
            found.append({line, code.mid(start, i - start)});
            if (i < n && code.at(i) == QLatin1Char('\n'))
                ++line;
        } else if (c.isLetterOrNumber() || c == QLatin1Char('_')) {
            // Skip a whole identifier so that an R inside one (fooR"...") is not a raw string.
            while (i + 1 < n
                   && (code.at(i + 1).isLetterOrNumber() || code.at(i + 1) == QLatin1Char('_'))
                   && !(code.at(i + 1) == QLatin1Char('R') && i + 2 < n
                        && code.at(i + 2) == QLatin1Char('"')))
                ++i;
        }
    }
    return found;
}

} // namespace House
