// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QMutexLocker>

#include <array>
#include <functional>

namespace Baton {

/// Process-wide metrics in the Prometheus text format. Header-only and in core so that every
/// module (runtime, store, api) can count without depending on the HTTP layer; `GET /metrics`
/// renders it. Thread-safe; one mutex, since each call is a map look-up and an add.
///
///     Metrics::global().increment("baton_actions_total");
///     Metrics::global().setGaugeFunction("baton_open_tickets", "Open tickets", [&] { ... });
///
/// Labels are passed pre-formatted (`route="/api/v1/tickets",status="200"`); callers quote
/// values with Metrics::label().
class Metrics
{
public:
    static Metrics &global()
    {
        static Metrics metrics;
        return metrics;
    }

    /// `name="value"` with the value escaped as the text format requires.
    static QByteArray label(const char *name, const QByteArray &value)
    {
        QByteArray escaped = value;
        escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        return QByteArray(name) + "=\"" + escaped + '"';
    }

    /// Declares help text and type for a family; optional (undeclared families render as
    /// untyped).
    void describe(const QByteArray &name, const QByteArray &type, const QByteArray &help)
    {
        QMutexLocker lock(&m_mutex);
        m_meta[name] = {type, help};
    }

    void increment(const QByteArray &name, const QByteArray &labels = {}, double by = 1)
    {
        QMutexLocker lock(&m_mutex);
        m_values[name][labels] += by;
    }

    void setGauge(const QByteArray &name, double value, const QByteArray &labels = {})
    {
        QMutexLocker lock(&m_mutex);
        m_values[name][labels] = value;
    }

    /// A gauge computed when scraped (e.g. open tickets from the store). The function runs on
    /// the scraping thread, outside the registry's lock.
    void setGaugeFunction(const QByteArray &name, const QByteArray &help,
                          std::function<double()> function)
    {
        QMutexLocker lock(&m_mutex);
        m_meta[name] = {QByteArrayLiteral("gauge"), help};
        m_gaugeFunctions[name] = std::move(function);
    }

    void removeGaugeFunction(const QByteArray &name)
    {
        QMutexLocker lock(&m_mutex);
        m_gaugeFunctions.remove(name);
    }

    /// Records one observation (seconds) in a histogram with fixed latency buckets.
    void observe(const QByteArray &name, double seconds, const QByteArray &labels = {})
    {
        QMutexLocker lock(&m_mutex);
        Histogram &h = m_histograms[name][labels];
        for (size_t i = 0; i < bucketBounds().size(); ++i)
            if (seconds <= bucketBounds()[i])
                ++h.buckets[i];
        ++h.count;
        h.sum += seconds;
    }

    /// The current value of a counter or set gauge (0 if never touched); for tests.
    double value(const QByteArray &name, const QByteArray &labels = {}) const
    {
        QMutexLocker lock(&m_mutex);
        return m_values.value(name).value(labels);
    }

    QByteArray render() const
    {
        QMap<QByteArray, std::function<double()>> functions;
        {
            QMutexLocker lock(&m_mutex);
            functions = m_gaugeFunctions;
        }
        QMap<QByteArray, double> computed;
        for (auto it = functions.cbegin(); it != functions.cend(); ++it)
            computed.insert(it.key(), it.value()());

        QMutexLocker lock(&m_mutex);
        QByteArray out;
        auto header = [&](const QByteArray &name, const QByteArray &fallbackType) {
            const Meta meta = m_meta.value(name);
            if (!meta.help.isEmpty())
                out += "# HELP " + name + ' ' + meta.help + '\n';
            out += "# TYPE " + name + ' ' + (meta.type.isEmpty() ? fallbackType : meta.type) + '\n';
        };
        auto sample = [&](const QByteArray &name, const QByteArray &labels, double v) {
            out += name;
            if (!labels.isEmpty())
                out += '{' + labels + '}';
            out += ' ' + QByteArray::number(v, 'g', 17) + '\n';
        };
        for (auto family = m_values.cbegin(); family != m_values.cend(); ++family) {
            header(family.key(), QByteArrayLiteral("untyped"));
            for (auto it = family->cbegin(); it != family->cend(); ++it)
                sample(family.key(), it.key(), it.value());
        }
        for (auto it = computed.cbegin(); it != computed.cend(); ++it) {
            header(it.key(), QByteArrayLiteral("gauge"));
            sample(it.key(), {}, it.value());
        }
        for (auto family = m_histograms.cbegin(); family != m_histograms.cend(); ++family) {
            header(family.key(), QByteArrayLiteral("histogram"));
            for (auto it = family->cbegin(); it != family->cend(); ++it) {
                const QByteArray prefix = it.key().isEmpty() ? QByteArray() : it.key() + ',';
                for (size_t i = 0; i < bucketBounds().size(); ++i)
                    sample(family.key() + "_bucket",
                           prefix + "le=\"" + QByteArray::number(bucketBounds()[i]) + '"',
                           double(it->buckets[i]));
                sample(family.key() + "_bucket", prefix + "le=\"+Inf\"", double(it->count));
                sample(family.key() + "_sum", it.key(), it->sum);
                sample(family.key() + "_count", it.key(), double(it->count));
            }
        }
        return out;
    }

private:
    static const std::array<double, 12> &bucketBounds()
    {
        static const std::array<double, 12> bounds {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1,    2.5};
        return bounds;
    }
    struct Meta
    {
        QByteArray type;
        QByteArray help;
    };
    struct Histogram
    {
        std::array<quint64, 12> buckets {};
        quint64 count = 0;
        double sum = 0;
    };

    mutable QMutex m_mutex;
    QMap<QByteArray, Meta> m_meta;
    QMap<QByteArray, QMap<QByteArray, double>> m_values;
    QMap<QByteArray, QMap<QByteArray, Histogram>> m_histograms;
    QMap<QByteArray, std::function<double()>> m_gaugeFunctions;
};

} // namespace Baton
