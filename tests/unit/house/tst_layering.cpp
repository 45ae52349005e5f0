// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's one-way map, checked on the sources: every module includes only modules it may
// use, links exactly the modules it includes, and README.md's "How it is built" table says the
// same. The map is written here once (layers_data); the README quotes it and is checked
// against it.
#include "sourcetree.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace House;

namespace {

QSet<QString> setOf(const QStringList &list)
{
    return QSet<QString>(list.cbegin(), list.cend());
}

QString sorted(const QSet<QString> &set)
{
    QStringList list(set.cbegin(), set.cend());
    list.sort();
    return list.join(QStringLiteral(", "));
}

struct Links
{
    QSet<QString> publicModules;
    QSet<QString> privateModules;
    bool executable = false;
};

/// The baton_* libraries named by target_link_libraries(baton_<module> ...) in the module's
/// CMakeLists.txt, split by PUBLIC/INTERFACE and PRIVATE.
Links linksOf(const QString &module)
{
    QString text
        = readSource(QStringLiteral("engine/") + module + QStringLiteral("/CMakeLists.txt"));
    text.remove(QRegularExpression(QStringLiteral("#[^\n]*")));
    Links links;
    const QString target = module == QLatin1String("cli") ? QStringLiteral("baton")
                                                          : QStringLiteral("baton_") + module;
    links.executable = text.contains(QStringLiteral("add_executable(") + target);
    const QRegularExpression call(QStringLiteral(R"(target_link_libraries\(\s*%1\s([^)]*)\))")
                                      .arg(QRegularExpression::escape(target)));
    auto calls = call.globalMatch(text);
    while (calls.hasNext()) {
        bool isPublic = false;
        const auto words = calls.next().captured(1).split(
            QRegularExpression(QStringLiteral(R"(\s+)")), Qt::SkipEmptyParts);
        for (const QString &word : words) {
            if (word == QLatin1String("PUBLIC") || word == QLatin1String("INTERFACE"))
                isPublic = true;
            else if (word == QLatin1String("PRIVATE"))
                isPublic = false;
            else if (word.startsWith(QLatin1String("baton_")))
                (isPublic ? links.publicModules : links.privateModules).insert(word.mid(6));
        }
    }
    return links;
}

/// A module's own header is public unless it is a private one (name_p.h); what its public
/// headers include, its users need too.
bool isPublicHeader(const QString &path)
{
    return path.endsWith(QLatin1String(".h")) && !path.endsWith(QLatin1String("_p.h"));
}

QString includedModule(const QString &includePath)
{
    const qsizetype slash = includePath.indexOf(QLatin1Char('/'));
    return slash < 0 ? QString() : includePath.left(slash);
}

// The map. One row per folder of engine/: the modules it may include. Dependencies run one
// way: core <- calendar <- definition <- store <- runtime <- sla <- report <- auth <- api <-
// services <- cli; http (the transport) and plugin (the seam plugins attach at) use core only; api
// and what is above it may use http, runtime and what is above it may use plugin.
struct Layer
{
    const char *module;
    const char *mayUse;
};
constexpr Layer theMap[] = {
    {"core", ""},
    {"calendar", "core"},
    {"definition", "core calendar"},
    {"store", "core calendar definition"},
    {"runtime", "core calendar definition store plugin"},
    {"sla", "core calendar definition store runtime plugin"},
    {"report", "core calendar definition store runtime sla"},
    {"delivery", "core calendar definition store runtime plugin pluginhost"},
    {"auth", "core calendar definition store runtime sla report plugin pluginhost"},
    {"api",
     "core calendar definition store runtime sla report delivery auth plugin pluginhost http"},
    {"services",
     "core calendar definition store runtime sla report delivery auth api plugin pluginhost http"},
    {"cli",
     "core calendar definition store runtime sla report delivery auth api services plugin "
     "pluginhost http"},
    {"http", "core"},
    {"plugin", "core"},
    {"pluginhost", "core plugin"},
};

QSet<QString> mayUse(const Layer &layer)
{
    return setOf(QString::fromLatin1(layer.mayUse).split(QLatin1Char(' '), Qt::SkipEmptyParts));
}

QSet<QString> mappedModules()
{
    QSet<QString> modules;
    for (const Layer &layer : theMap)
        modules << QString::fromLatin1(layer.module);
    return modules;
}

} // namespace

class TestLayering : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyFolderIsOnTheMap();
    void layers_data();
    void layers();
    void linksMatchIncludes_data() { layers_data(); }
    void linksMatchIncludes();
    void readmeQuotesTheMap();
};

void TestLayering::everyFolderIsOnTheMap()
{
    const QSet<QString> folders = setOf(engineModules());
    QVERIFY2(folders.contains(QStringLiteral("runtime")),
             qPrintable(QStringLiteral("engine/ not found at ") + engineDir()));
    QVERIFY2(
        folders == mappedModules(),
        qPrintable(QStringLiteral("engine/ folders not on the map: [%1]; on the map without a "
                                  "folder: [%2] (the map is theMap in %3; README.md quotes it)")
                       .arg(sorted(folders - mappedModules()), sorted(mappedModules() - folders),
                            QStringLiteral(__FILE__))));
}

void TestLayering::layers_data()
{
    QTest::addColumn<QString>("module");
    QTest::addColumn<QSet<QString>>("mayUse");
    for (const Layer &layer : theMap)
        QTest::newRow(layer.module) << QString::fromLatin1(layer.module) << ::mayUse(layer);
}

void TestLayering::layers()
{
    QFETCH(QString, module);
    QFETCH(QSet<QString>, mayUse);
    const QSet<QString> allowed = QSet<QString>(mayUse) << module;
    const QSet<QString> modules = setOf(engineModules());
    const QStringList files = moduleFiles(module);
    QVERIFY2(!files.isEmpty(), qPrintable(module + QStringLiteral(": no sources found")));
    QStringList wrong;
    for (const QString &file : files) {
        for (const Include &include : quotedIncludes(readSource(file))) {
            const QString target = includedModule(include.path);
            const bool upward = include.path.startsWith(QLatin1String(".."));
            if (upward || (modules.contains(target) && !allowed.contains(target)))
                wrong << QStringLiteral("%1:%2: #include \"%3\"")
                             .arg(file)
                             .arg(include.line)
                             .arg(include.path);
        }
    }
    for (const QString &include : std::as_const(wrong))
        qWarning().noquote() << include;
    QVERIFY2(wrong.isEmpty(),
             qPrintable(QStringLiteral("%1 may use only [%2]; %3 includes break the map (listed "
                                       "above)")
                            .arg(module, sorted(mayUse))
                            .arg(wrong.size())));
}

void TestLayering::linksMatchIncludes()
{
    QFETCH(QString, module);
    if (module == QLatin1String("core"))
        QSKIP("core is header-only: an INTERFACE library that links Qt only");
    QSet<QString> publicNeeds;
    QSet<QString> allNeeds;
    const QSet<QString> modules = setOf(engineModules());
    for (const QString &file : moduleFiles(module)) {
        for (const Include &include : quotedIncludes(readSource(file))) {
            const QString target = includedModule(include.path);
            if (!modules.contains(target) || target == module)
                continue;
            allNeeds << target;
            if (isPublicHeader(file))
                publicNeeds << target;
        }
    }
    const Links links = linksOf(module);
    if (links.executable)
        publicNeeds.clear(); // nothing links an executable
    const QSet<QString> privateNeeds = allNeeds - publicNeeds;
    QVERIFY2(links.publicModules == publicNeeds,
             qPrintable(QStringLiteral("engine/%1/CMakeLists.txt links PUBLIC [%2]; its headers "
                                       "include [%3]")
                            .arg(module, sorted(links.publicModules), sorted(publicNeeds))));
    QVERIFY2(links.privateModules == privateNeeds,
             qPrintable(QStringLiteral("engine/%1/CMakeLists.txt links PRIVATE [%2]; only its "
                                       "sources include [%3]")
                            .arg(module, sorted(links.privateModules), sorted(privateNeeds))));
}

void TestLayering::readmeQuotesTheMap()
{
    // The README's table rows: | `engine/store/` | what it owns | core, calendar, definition |
    const QString readme = readSource(QStringLiteral("README.md"));
    static const QRegularExpression row(
        QStringLiteral(R"(^\|\s*`engine/(\w+)/`\s*\|[^|\n]*\|\s*([^|\n]*?)\s*\|\s*$)"),
        QRegularExpression::MultilineOption);
    QHash<QString, QSet<QString>> quoted;
    auto rows = row.globalMatch(readme);
    while (rows.hasNext()) {
        const auto match = rows.next();
        QSet<QString> uses;
        const auto names = match.captured(2).split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (const QString &name : names) {
            const QString trimmed = name.trimmed();
            if (trimmed != QLatin1String("-"))
                uses << trimmed;
        }
        quoted.insert(match.captured(1), uses);
    }
    QStringList differences;
    for (const Layer &layer : theMap) {
        const QString module = QString::fromLatin1(layer.module);
        if (!quoted.contains(module))
            differences << QStringLiteral("engine/%1/ has no row").arg(module);
        else if (quoted.value(module) != mayUse(layer))
            differences << QStringLiteral("engine/%1/ may use [%2], the README says [%3]")
                               .arg(module, sorted(mayUse(layer)), sorted(quoted.value(module)));
    }
    for (auto it = quoted.cbegin(); it != quoted.cend(); ++it) {
        if (!mappedModules().contains(it.key()))
            differences
                << QStringLiteral("engine/%1/ is in the README, not on the map").arg(it.key());
    }
    for (const QString &difference : std::as_const(differences))
        qWarning().noquote() << difference;
    QVERIFY2(differences.isEmpty(),
             "README.md \"How it is built\" disagrees with the map (see above)");
}

QTEST_GUILESS_MAIN(TestLayering)
#include "tst_layering.moc"
