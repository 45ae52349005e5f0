// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/yamltree.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Baton;

namespace {

YamlDocument parse(const char *text)
{
    return YamlDocument::parse(QByteArray(text), QStringLiteral("t.yaml"));
}

QString firstMessage(const YamlDocument &document)
{
    return document.diagnostics().isEmpty() ? QString() : document.diagnostics().first().toString();
}

} // namespace

class TestYamlTree : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void marksAreOneBasedLineAndColumn()
    {
        const YamlDocument doc = parse("a: 1\nlist:\n  - x\n  - {k: v}\n");
        QVERIFY(doc.diagnostics().isEmpty());
        const YamlNode &root = *doc.root();
        QCOMPARE(root.entries[0].first->mark, (YamlMark {1, 1}));
        QCOMPARE(root.entries[0].second->mark, (YamlMark {1, 4}));
        const YamlNode *list = root.value(u"list");
        QCOMPARE(list->items[0]->mark, (YamlMark {3, 5}));
        QCOMPARE(list->items[1]->value(u"k")->mark, (YamlMark {4, 9}));
    }

    void columnsCountCharactersNotBytes()
    {
        const YamlDocument doc = parse("dépôt: x\n");
        QCOMPARE(doc.root()->entries[0].second->mark, (YamlMark {1, 8}));
    }

    void quotedScalarsStayStrings()
    {
        const YamlDocument doc = parse("a: \"123\"\nb: 123\nc: '1'\nd: |\n  x\ne: !!str 5\n");
        QVERIFY(doc.root()->value(u"a")->isQuoted());
        QVERIFY(!doc.root()->value(u"b")->isQuoted());
        QVERIFY(doc.root()->value(u"c")->isQuoted());
        QVERIFY(doc.root()->value(u"d")->isQuoted());
        QVERIFY(doc.root()->value(u"e")->isQuoted());
        QCOMPARE(doc.root()->value(u"a")->text, QStringLiteral("123"));
    }

    void emptyValueIsNullAndPointsAtItsKey()
    {
        const YamlDocument doc = parse("a:\nb: ~\n");
        QVERIFY(doc.root()->value(u"a")->isNull());
        QCOMPARE(doc.root()->value(u"a")->mark, (YamlMark {1, 1}));
        QVERIFY(doc.root()->value(u"b")->isNull());
    }

    void duplicateKeysAreKeptInOrder()
    {
        const YamlDocument doc = parse("k: 1\nk: 2\n");
        QCOMPARE(doc.root()->entries.size(), size_t(2));
        QCOMPARE(doc.root()->value(u"k")->text, QStringLiteral("1"));
    }

    void aliasesShareTheAnchoredNode()
    {
        const YamlDocument doc = parse("a: &x [1, 2]\nb: *x\n");
        QVERIFY(doc.diagnostics().isEmpty());
        QCOMPARE(doc.root()->value(u"a"), doc.root()->value(u"b"));
    }

    void syntaxErrorsBecomeDiagnosticsWithPosition_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("unclosed flow mapping")
            << QByteArray("a: {b: 1\nc: 2\n")
            << QStringLiteral("t.yaml:2:2: error: YAML syntax error: end of map flow not found");
        QTest::newRow("bad indentation")
            << QByteArray("a:\n  b: 1\n c: 2\n")
            << QStringLiteral("t.yaml:3:2: error: YAML syntax error: end of map not found");
        QTest::newRow("two documents")
            << QByteArray("a: 1\n---\nb: 2\n")
            << QStringLiteral(
                   "t.yaml:2:1: error: a second YAML document; a file holds exactly one");
        QTest::newRow("recursive alias")
            << QByteArray("a: &x [1, *x]\n")
            << QStringLiteral(
                   "t.yaml:1:11: error: alias refers to a node that contains it (recursive alias)");
        QTest::newRow("invalid UTF-8")
            << QByteArray("a: \xff\n")
            << QStringLiteral("t.yaml:1:4: error: the file is not valid UTF-8");
    }
    void syntaxErrorsBecomeDiagnosticsWithPosition()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        const YamlDocument doc = YamlDocument::parse(text, QStringLiteral("t.yaml"));
        QVERIFY(!doc.root());
        QCOMPARE(firstMessage(doc), message);
    }

    void aliasBombIsRejectedAtTheAlias()
    {
        QByteArray text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
        for (int i = 1; i < 30; ++i) {
            text += "a" + QByteArray::number(i) + ": &a" + QByteArray::number(i) + " [";
            for (int k = 0; k < 10; ++k)
                text += (k ? ", *a" : "*a") + QByteArray::number(i - 1);
            text += "]\n";
        }
        const YamlDocument doc = YamlDocument::parse(text, QStringLiteral("t.yaml"));
        QVERIFY(!doc.root());
        QCOMPARE(firstMessage(doc),
                 QStringLiteral("t.yaml:5:45: error: aliases expand this document by more than "
                                "100000 nodes; the document is rejected"));
    }

    void smallerLimitsAreHonoured()
    {
        YamlDocument::Limits limits;
        limits.maxAliasExpansion = 5;
        const YamlDocument doc = YamlDocument::parse("a: &x [1, 2, 3]\nb: *x\nc: *x\n",
                                                     QStringLiteral("t.yaml"), limits);
        QCOMPARE(firstMessage(doc),
                 QStringLiteral("t.yaml:3:4: error: aliases expand this document "
                                "by more than 5 nodes; the document is rejected"));
    }

    void positionsInsideScalars_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("offset");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::newRow("plain") << QByteArray("when: a == b\n") << 5 << 1 << 12;
        QTest::newRow("double quoted") << QByteArray("when: \"a == b\"\n") << 5 << 1 << 13;
        QTest::newRow("single quoted with doubled quote")
            << QByteArray("when: 'it''s == b'\n") << 8 << 1 << 17;
        QTest::newRow("plain over two lines") << QByteArray("when: a ==\n  b\n") << 5 << 2 << 3;
        QTest::newRow("literal block") << QByteArray("when: |\n  a ==\n  b\n") << 5 << 3 << 3;
        QTest::newRow("folded block") << QByteArray("when: >\n  a ==\n  b\n") << 5 << 3 << 3;
    }
    void positionsInsideScalars()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, offset);
        QFETCH(int, line);
        QFETCH(int, column);
        const YamlDocument doc = YamlDocument::parse(text, QStringLiteral("t.yaml"));
        QVERIFY(doc.root());
        QCOMPARE(doc.markInScalar(*doc.root()->value(u"when"), offset), (YamlMark {line, column}));
    }
};

QTEST_GUILESS_MAIN(TestYamlTree)
#include "tst_yamltree.moc"
