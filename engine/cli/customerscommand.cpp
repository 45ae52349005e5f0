// SPDX-License-Identifier: GPL-3.0-or-later
// baton customers import FILE [--db URL]: customers from another system's CSV export.
#include "commands.h"

#include "store/customerrows.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/searchtext.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <algorithm>
#include <cstdio>

namespace Baton::Cli {

namespace {

const char customersUsage[]
    = "Usage: baton customers import FILE [--db URL] [--encoding NAME]\n"
      "  FILE is CSV (RFC 4180 quoting) with the columns id, name, phone, email, tier, in that\n"
      "  order or as named by a header row. It is read as UTF-8 (with or without a byte order\n"
      "  mark) unless --encoding names another, e.g. GB18030 for a GBK export of Excel.\n"
      "  Importing the same file again changes nothing; a row whose id exists overwrites that\n"
      "  customer.\n";

/// One CSV record and the line it starts on.
struct Record
{
    int line = 0;
    QStringList cells;
};

/// RFC 4180: commas, double quotes around a cell, "" for a quote inside one, line breaks
/// inside quotes. Empty lines are skipped.
QList<Record> parseCsv(const QString &text)
{
    QList<Record> records;
    Record current {1, {}};
    QString cell;
    bool quoted = false, cellStarted = false;
    int line = 1;
    auto endRecord = [&] {
        if (cellStarted || !current.cells.isEmpty() || !cell.isEmpty()) {
            current.cells.append(cell);
            records.append(current);
        }
        current = Record {line + 1, {}};
        cell.clear();
        cellStarted = false;
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"')
                cell.append(text[++i]);
            else if (c == u'"')
                quoted = false;
            else {
                line += c == u'\n' ? 1 : 0;
                cell.append(c);
            }
        } else if (c == u'"') {
            quoted = cellStarted = true;
        } else if (c == u',') {
            current.cells.append(cell);
            cell.clear();
            cellStarted = true;
        } else if (c == u'\n') {
            endRecord();
            ++line;
        } else if (c != u'\r') {
            cell.append(c);
            cellStarted = true;
        }
    }
    endRecord();
    return records;
}

const QStringList columnNames {QStringLiteral("id"), QStringLiteral("name"),
                               QStringLiteral("phone"), QStringLiteral("email"),
                               QStringLiteral("tier")};

/// The customer of one record, or the reason it is refused. `order` maps a column name to
/// its cell.
std::optional<CustomerRow> customerOf(const Record &record, const QHash<QString, int> &order,
                                      QString *problem)
{
    if (record.cells.size() != order.size()) {
        *problem = QStringLiteral("%1 cells where %2 were expected")
                       .arg(record.cells.size())
                       .arg(order.size());
        return std::nullopt;
    }
    auto cell = [&](const char *name) {
        const int at = order.value(QLatin1String(name), -1);
        return at < 0 ? QString() : record.cells.at(at).trimmed();
    };
    CustomerRow row {cell("id"),    cell("name"),  cell("tier").toUpper(),
                     cell("phone"), cell("email"), QDateTime::currentMSecsSinceEpoch()};
    if (row.id.isEmpty())
        *problem = QStringLiteral("the id is empty");
    else if (!row.tier.isEmpty() && row.tier != u"A" && row.tier != u"B" && row.tier != u"C")
        *problem = QStringLiteral("tier '%1' is not A, B or C").arg(row.tier);
    else if (!row.phone.isEmpty() && !SearchText::looksLikePhone(row.phone))
        *problem = QStringLiteral("phone '%1' is not a phone number").arg(row.phone);
    else if (!row.email.isEmpty() && !row.email.contains(u'@'))
        *problem = QStringLiteral("email '%1' is not an e-mail address").arg(row.email);
    else
        return row;
    return std::nullopt;
}

/// The columns: named by a header row (taken off `records`), or the default order.
std::optional<QHash<QString, int>> columnOrder(QList<Record> &records, QString *problem)
{
    QHash<QString, int> order;
    // A header names columns in any order; a row with two or more column names is taken for
    // one (a customer's data never looks like that), so an unknown column in it is reported
    // as such instead of every line being refused for its number of cells.
    const bool header = !records.isEmpty()
        && std::count_if(
               records.first().cells.cbegin(), records.first().cells.cend(),
               [](const QString &cell) { return columnNames.contains(cell.trimmed().toLower()); })
            >= 2;
    const QStringList names = header ? records.first().cells : columnNames;
    for (int i = 0; i < names.size(); ++i) {
        const QString name = names[i].trimmed().toLower();
        if (!columnNames.contains(name) || order.contains(name)) {
            *problem = QStringLiteral("header: unknown or repeated column '%1' (expected %2)")
                           .arg(names[i], columnNames.join(QStringLiteral(", ")));
            return std::nullopt;
        }
        order.insert(name, i);
    }
    if (header)
        records.removeFirst();
    return order;
}

struct Tally
{
    int added = 0, updated = 0, unchanged = 0, refused = 0;
};

/// The file's text: a spreadsheet's "CSV UTF-8" starts with a byte order mark, which would
/// otherwise hide the header row; bytes that are not in the encoding are refused rather than
/// imported as replacement characters (a GBK export read as UTF-8 would garble every name).
std::optional<QString> decodeFile(const QByteArray &bytes, const QString &encoding,
                                  QString *problem)
{
    QStringDecoder decoder(encoding.isEmpty() ? "UTF-8" : qPrintable(encoding),
                           QStringConverter::Flag::Stateless);
    if (!decoder.isValid()) {
        *problem = QStringLiteral("unknown encoding '%1'").arg(encoding);
        return std::nullopt;
    }
    QString text = decoder.decode(bytes);
    if (decoder.hasError()) {
        *problem = QStringLiteral("the file is not valid %1 (a spreadsheet's GBK export needs "
                                  "--encoding GB18030)")
                       .arg(encoding.isEmpty() ? QStringLiteral("UTF-8") : encoding);
        return std::nullopt;
    }
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    return text;
}

/// Writes the records, 500 to a transaction; refused lines are reported as FILE:LINE: error.
Result<Tally> importRecords(const QSqlDatabase &db, const QString &file,
                            const QList<Record> &records, const QHash<QString, int> &order)
{
    Tally tally;
    for (qsizetype start = 0; start < records.size(); start += 500) {
        Transaction transaction(db);
        if (!transaction.isActive())
            return makeError(transaction.error());
        for (qsizetype i = start; i < std::min(records.size(), start + 500); ++i) {
            QString problem;
            const auto row = customerOf(records[i], order, &problem);
            if (!row) {
                std::fprintf(stderr, "%s:%d: error: %s\n", qPrintable(file), records[i].line,
                             qPrintable(problem));
                ++tally.refused;
                continue;
            }
            const auto put = CustomerRows::put(db, *row);
            if (!put)
                return put.failure();
            switch (*put) {
            case CustomerRows::PutOutcome::Added:
                ++tally.added;
                break;
            case CustomerRows::PutOutcome::Updated:
                ++tally.updated;
                break;
            case CustomerRows::PutOutcome::Unchanged:
                ++tally.unchanged;
                break;
            }
        }
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        std::fprintf(stderr, "\rbaton customers import: %lld of %lld rows",
                     qlonglong(std::min(records.size(), start + 500)), qlonglong(records.size()));
    }
    std::fputc('\n', stderr);
    return tally;
}

} // namespace

int runCustomers(const QStringList &arguments)
{
    const bool help = arguments.contains(QStringLiteral("--help"));
    QString url = QStringLiteral("sqlite:var/baton.db"), file, encoding;
    for (qsizetype i = 1; i < arguments.size() && !help; ++i) {
        if (arguments[i] == u"--db" && i + 1 < arguments.size())
            url = arguments[++i];
        else if (arguments[i] == u"--encoding" && i + 1 < arguments.size())
            encoding = arguments[++i];
        else if (file.isEmpty() && !arguments[i].startsWith(u"--"))
            file = arguments[i];
        else
            file = QString(); // an unexpected argument: usage below
    }
    if (help || arguments.value(0) != u"import" || file.isEmpty()) {
        std::fputs(customersUsage, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    QFile input(file);
    if (!input.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "%s: error: %s\n", qPrintable(file), qPrintable(input.errorString()));
        return 1;
    }
    QString problem;
    const auto text = decodeFile(input.readAll(), encoding, &problem);
    if (!text) {
        std::fprintf(stderr, "%s: error: %s\n", qPrintable(file), qPrintable(problem));
        return 1;
    }
    QList<Record> records = parseCsv(*text);
    const auto order = columnOrder(records, &problem);
    if (!order) {
        std::fprintf(stderr, "%s:1: error: %s\n", qPrintable(file), qPrintable(problem));
        return 1;
    }
    if (url.startsWith(QStringLiteral("sqlite:")))
        QDir().mkpath(QFileInfo(url.mid(7)).absolutePath());
    auto database = Database::open(url);
    auto migrated = database ? Schema::migrate(**database) : Result<int>(database.failure());
    auto db = migrated ? (*database)->connection() : Result<QSqlDatabase>(migrated.failure());
    const auto tally = db ? importRecords(*db, file, records, *order) : Result<Tally>(db.failure());
    if (!tally) {
        std::fprintf(stderr, "baton customers import: %s\n", qPrintable(tally.error()));
        return 1;
    }
    std::printf("%s: %d customers added, %d updated, %d unchanged, %d lines refused\n",
                qPrintable(file), tally->added, tally->updated, tally->unchanged, tally->refused);
    return tally->refused ? 1 : 0;
}

} // namespace Baton::Cli
