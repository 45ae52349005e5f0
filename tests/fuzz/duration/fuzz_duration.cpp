// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for durations ("1d4h") and escalation percentages ("75%") of the workflow
// language. Input: a duration text, a NUL byte, a percentage text. parseDuration() is compared
// with an independent reading of the rule in duration.h, its result must survive
// formatDuration(), and both texts are then put into a small workflow, where the checker must
// accept exactly what the rules accept and point at the bad value's line.
#include "common/fuzzcheck.h"
#include "definition/duration.h"
#include "definition/workflowreader.h"

#include <QRegularExpression>

#include <optional>

using namespace Baton;

namespace {

constexpr qint64 maxSeconds = 3650LL * 86400;

/// The rule of duration.h, read independently: ASCII digits with units d, h, m, s in that
/// order, each at most once, at least one; a total above 0 and at most 3650 days.
std::optional<qint64> referenceDuration(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("\\A(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?\\z"));
    if (text.isEmpty())
        return std::nullopt;
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    const qint64 unitSeconds[] = {86400, 3600, 60, 1};
    qint64 total = 0;
    for (int unit = 0; unit < 4; ++unit) {
        QStringView digits = match.capturedView(unit + 1);
        while (digits.size() > 1 && digits.front() == u'0')
            digits = digits.mid(1);
        if (digits.size() > 12) // certainly more than 3650 days
            return std::nullopt;
        total += digits.isEmpty() ? 0 : digits.toLongLong() * unitSeconds[unit];
        if (total > maxSeconds)
            return std::nullopt;
    }
    return total > 0 ? std::optional<qint64>(total) : std::nullopt;
}

/// workflow-language.md: escalation steps are at a whole percentage from 1% to 1000%.
bool referencePercent(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("\\A([0-9]{1,7})%\\z"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return false;
    const int percent = match.captured(1).toInt();
    return percent >= 1 && percent <= 1000;
}

/// A YAML double-quoted scalar whose value is exactly text.
QByteArray quoted(const QString &text)
{
    QByteArray out = "\"";
    for (const char32_t c : text.toUcs4()) {
        if (c == u'"' || c == u'\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c == 0x7F || c == 0x85 || c == 0xA0 || c == 0x2028 || c == 0x2029
                   || c == 0xFEFF) {
            out += "\\u" + QByteArray::number(uint(c), 16).rightJustified(4, '0');
        } else {
            out += QString::fromUcs4(&c, 1).toUtf8();
        }
    }
    return out + '"';
}

/// Plain (unquoted) scalars are what authors write; used when the text stays one plain scalar.
bool plainSafe(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[0-9a-z][0-9a-z%.]{0,30}\\z"));
    return pattern.match(text).hasMatch() && text != QLatin1String("null");
}

void checkInWorkflow(const QByteArray &duration, const QByteArray &percent, bool durationOk,
                     bool percentOk)
{
    const QByteArray yaml = "workflow: fuzz\n"
                            "sla: {resolve: "
        + duration
        + "}\n"
          "initial: open\n"
          "states:\n"
          "  open:\n"
          "    queue: billing\n"
          "    on:\n"
          "      close: {to: closed}\n"
          "  closed: {final: true}\n"
          "escalation:\n"
          "  - at: "
        + percent + "\n    notify: [assignee]\n";
    const WorkflowReadResult result = readWorkflow(yaml, QStringLiteral("fuzz.yaml"), nullptr);
    bool durationReported = false;
    bool percentReported = false;
    for (const Diagnostic &d : result.diagnostics) {
        FUZZ_CHECK(
            d.line == 2 || d.line == 11,
            QStringLiteral("unexpected %1 for\n%2").arg(d.toString(), QString::fromUtf8(yaml)));
        if (d.line == 2) {
            FUZZ_CHECK(d.column == 16, d.toString());
            durationReported = true;
        } else {
            FUZZ_CHECK(d.column == 9, d.toString());
            percentReported = true;
        }
    }
    FUZZ_CHECK(durationReported != durationOk,
               QStringLiteral("duration %1 is %2 but the checker says %3")
                   .arg(QString::fromUtf8(duration), durationOk ? u"valid" : u"invalid",
                        result.diagnostics.value(0).toString()));
    FUZZ_CHECK(percentReported != percentOk,
               QStringLiteral("percentage %1 is %2 but the checker says %3")
                   .arg(QString::fromUtf8(percent), percentOk ? u"valid" : u"invalid",
                        result.diagnostics.value(0).toString()));
    FUZZ_CHECK(result.ok() == (durationOk && percentOk), QStringLiteral("ok() disagrees"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype nul = input.indexOf('\0');
    const QString duration = QString::fromUtf8(nul < 0 ? input : input.left(nul));
    const QString percent = nul < 0 ? QStringLiteral("75%") : QString::fromUtf8(input.mid(nul + 1));

    const Result<qint64> parsed = parseDuration(duration);
    const std::optional<qint64> expected = referenceDuration(duration);
    FUZZ_CHECK(parsed.ok() == expected.has_value(),
               QStringLiteral("parseDuration('%1'): %2, expected %3")
                   .arg(duration, parsed ? QString::number(*parsed) : parsed.error(),
                        expected ? QString::number(*expected) : QStringLiteral("an error")));
    if (parsed) {
        FUZZ_CHECK(*parsed == *expected, duration);
        const QString formatted = formatDuration(*parsed);
        const Result<qint64> again = parseDuration(formatted);
        FUZZ_CHECK(again && *again == *parsed,
                   QStringLiteral("'%1' -> %2 -> '%3'").arg(duration).arg(*parsed).arg(formatted));
        FUZZ_CHECK(formatDuration(*again) == formatted, formatted);
    } else {
        FUZZ_CHECK(!parsed.error().isEmpty(), duration);
    }

    const bool percentOk = referencePercent(percent);
    checkInWorkflow(quoted(duration), quoted(percent), parsed.ok(), percentOk);
    if (plainSafe(duration) && plainSafe(percent))
        checkInWorkflow(duration.toUtf8(), percent.toUtf8(), parsed.ok(), percentOk);
    return 0;
}
