// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QLocale>
#include <QMap>
#include <QMutex>
#include <QMutexLocker>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace Baton {

/// A counter that only goes up: one relaxed atomic add, from any thread.
class Counter
{
public:
    void add(quint64 by = 1) { m_value.fetch_add(by, std::memory_order_relaxed); }
    quint64 value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<quint64> m_value {0};
};

/// A histogram over fixed upper bounds (Prometheus `le`): observe() is three relaxed atomic
/// adds (its bucket, the count's, the sum's), from any thread. Buckets are kept per interval and
/// summed when rendered, so one observation touches one bucket.
class Histogram
{
public:
    /// `bounds`: ascending; must outlive the histogram (static tables below).
    explicit Histogram(const std::vector<double> &bounds)
        : m_bounds(bounds)
        , m_buckets(new std::atomic<quint64>[bounds.size() + 1])
    {
        for (size_t i = 0; i <= bounds.size(); ++i)
            m_buckets[i].store(0, std::memory_order_relaxed);
    }

    void observe(double value)
    {
        // The first bound >= value: `le` is inclusive. Past the last bound: the +Inf interval.
        const size_t i
            = size_t(std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
        m_buckets[i].fetch_add(1, std::memory_order_relaxed);
        m_sum.fetch_add(value, std::memory_order_relaxed);
    }

    /// `_bucket` lines (cumulative), `_sum` and `_count`; `labels` pre-formatted or empty. The
    /// count is the buckets' total as read here, so +Inf and _count agree within a scrape.
    void render(QByteArray &out, const QByteArray &name, const QByteArray &labels) const
    {
        const QByteArray prefix = labels.isEmpty() ? QByteArray() : labels + ',';
        quint64 cumulative = 0;
        for (size_t i = 0; i <= m_bounds.size(); ++i) {
            cumulative += m_buckets[i].load(std::memory_order_relaxed);
            const QByteArray le = i < m_bounds.size()
                ? QByteArray::number(m_bounds[i], 'g', QLocale::FloatingPointShortest)
                : QByteArrayLiteral("+Inf");
            sample(out, name + "_bucket", prefix + "le=\"" + le + '"', double(cumulative));
        }
        sample(out, name + "_sum", labels, m_sum.load(std::memory_order_relaxed));
        sample(out, name + "_count", labels, double(cumulative));
    }

    /// One sample line of the text format.
    static void sample(QByteArray &out, const QByteArray &name, const QByteArray &labels,
                       double value)
    {
        out += name;
        if (!labels.isEmpty())
            out += '{' + labels + '}';
        out += ' ' + QByteArray::number(value, 'g', QLocale::FloatingPointShortest) + '\n';
    }

    /// Request latencies in seconds: 0.5 ms to 2.5 s.
    static const std::vector<double> &latencyBounds()
    {
        static const std::vector<double> bounds {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
        return bounds;
    }
    /// Commands per group commit: powers of two to the writer's largest batches.
    static const std::vector<double> &batchBounds()
    {
        static const std::vector<double> bounds {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
        return bounds;
    }

private:
    const std::vector<double> &m_bounds;
    std::unique_ptr<std::atomic<quint64>[]> m_buckets;
    std::atomic<double> m_sum {0};
};

/// Values by label, found without a lock: an open-addressed table of `Capacity` slots, each
/// claimed once (compare-and-swap) by the first caller with its key and never freed. Label sets
/// are small and fixed (route patterns, action kinds), so the table never fills in practice;
/// find() returns null when it does, and the caller counts elsewhere.
template<typename Value, size_t Capacity> class LabelTable
{
public:
    template<typename Make> Value *find(QByteArrayView key, Make make)
    {
        const size_t hash = qHash(key);
        for (size_t probe = 0; probe < Capacity; ++probe) {
            Slot &slot = m_slots[(hash + probe) % Capacity];
            int state = slot.state.load(std::memory_order_acquire);
            if (state == Empty && slot.state.compare_exchange_strong(state, Claiming)) {
                slot.key = key.toByteArray();
                slot.value.reset(make());
                slot.state.store(Ready, std::memory_order_release);
                return slot.value.get();
            }
            // Another thread is claiming it: that takes one allocation, once per label.
            while (state == Claiming) {
                std::this_thread::yield();
                state = slot.state.load(std::memory_order_acquire);
            }
            if (slot.key == key)
                return slot.value.get();
        }
        return nullptr;
    }

    /// The filled slots, by key.
    QMap<QByteArray, const Value *> entries() const
    {
        QMap<QByteArray, const Value *> out;
        for (const Slot &slot : m_slots)
            if (slot.state.load(std::memory_order_acquire) == Ready)
                out.insert(slot.key, slot.value.get());
        return out;
    }

private:
    enum : int { Empty, Claiming, Ready };
    struct Slot
    {
        std::atomic<int> state {Empty};
        QByteArray key;
        std::unique_ptr<Value> value;
    };
    std::array<Slot, Capacity> m_slots;
};

/// HTTP requests by route pattern and status, and their duration by route: a lock-free look-up
/// of the route and a few atomic adds per request (the server answers thousands a second).
class HttpRequestMetrics
{
public:
    void count(const QByteArray &route, int status, qint64 nanoseconds)
    {
        RouteStats *stats = m_routes.find(route, [] { return new RouteStats; });
        if (!stats)
            stats = &m_overflow;
        stats->statuses.add(status);
        stats->duration.observe(double(nanoseconds) / 1e9);
    }

    void render(QByteArray &out) const
    {
        QMap<QByteArray, const RouteStats *> routes = m_routes.entries();
        if (m_overflow.duration.isUsed()) // not "other": unmatched requests have that label
            routes.insert(QByteArrayLiteral("overflow"), &m_overflow);
        out += "# HELP baton_http_requests_total HTTP requests by route pattern and status\n"
               "# TYPE baton_http_requests_total counter\n";
        for (auto it = routes.cbegin(); it != routes.cend(); ++it)
            it.value()->statuses.render(out, label("route", it.key()));
        out += "# HELP baton_http_request_duration_seconds HTTP request latency by route "
               "pattern, until the response is queued\n"
               "# TYPE baton_http_request_duration_seconds histogram\n";
        for (auto it = routes.cbegin(); it != routes.cend(); ++it)
            it.value()->duration.render(out, "baton_http_request_duration_seconds",
                                        label("route", it.key()));
    }

    /// `name="value"` with the value escaped as the text format requires.
    static QByteArray label(const char *name, const QByteArray &value)
    {
        QByteArray escaped = value;
        escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        return QByteArray(name) + "=\"" + escaped + '"';
    }

private:
    /// Requests per status of one route: a few slots claimed by status code.
    class StatusCounts
    {
    public:
        void add(int status)
        {
            for (Slot &slot : m_slots) {
                int code = slot.status.load(std::memory_order_acquire);
                if (code == 0 && slot.status.compare_exchange_strong(code, status))
                    code = status;
                if (code == status) {
                    slot.count.fetch_add(1, std::memory_order_relaxed);
                    return;
                }
            }
            m_other.fetch_add(1, std::memory_order_relaxed); // more statuses than slots
        }
        void render(QByteArray &out, const QByteArray &routeLabel) const
        {
            QMap<int, quint64> counts;
            for (const Slot &slot : m_slots)
                if (const int code = slot.status.load(std::memory_order_acquire))
                    counts.insert(code, slot.count.load(std::memory_order_relaxed));
            for (auto it = counts.cbegin(); it != counts.cend(); ++it)
                Histogram::sample(out, "baton_http_requests_total",
                                  routeLabel + ',' + label("status", QByteArray::number(it.key())),
                                  double(it.value()));
            if (const quint64 other = m_other.load(std::memory_order_relaxed))
                Histogram::sample(out, "baton_http_requests_total",
                                  routeLabel + ",status=\"other\"", double(other));
        }

    private:
        struct Slot
        {
            std::atomic<int> status {0};
            std::atomic<quint64> count {0};
        };
        std::array<Slot, 16> m_slots;
        std::atomic<quint64> m_other {0};
    };
    struct UsedHistogram : Histogram
    {
        UsedHistogram()
            : Histogram(latencyBounds())
        {
        }
        void observe(double seconds)
        {
            m_used.store(true, std::memory_order_relaxed);
            Histogram::observe(seconds);
        }
        bool isUsed() const { return m_used.load(std::memory_order_relaxed); }
        std::atomic<bool> m_used {false};
    };
    struct RouteStats
    {
        StatusCounts statuses;
        UsedHistogram duration;
    };
    LabelTable<RouteStats, 256> m_routes;
    RouteStats m_overflow; // under "overflow" once the table is full
};

/// Process-wide metrics in the Prometheus text format (`GET /metrics`). Header-only and in core
/// so that every module (runtime, store, api) can count without depending on the HTTP layer.
///
/// What moves on hot paths is lock-free (atomics; label look-ups in a LabelTable): requests by
/// route and status with their duration, actions by kind and the group commit's batch sizes. The
/// generic name-keyed part (increment(), setGauge(), setGaugeFunction()) takes one mutex per call
/// and is meant for values set when scraped.
///
///     Metrics::global().countAction("open");
///     Metrics::global().setGaugeFunction("baton_open_tickets", "Open tickets", [&] { ... });
class Metrics
{
public:
    static Metrics &global()
    {
        static Metrics metrics;
        return metrics;
    }

    // ---- lock-free, always rendered -----------------------------------------------------
    HttpRequestMetrics http;
    Histogram commitBatchSize {Histogram::batchBounds()}; ///< commands per group commit

    /// An acknowledged ticket change made through the API, by kind (open, action, ...).
    void countAction(const QByteArray &kind)
    {
        if (Counter *counter = m_actions.find(kind, [] { return new Counter; }))
            counter->add();
    }

    // ---- generic (one mutex per call) -----------------------------------------------------
    /// `name="value"` with the value escaped as the text format requires.
    static QByteArray label(const char *name, const QByteArray &value)
    {
        return HttpRequestMetrics::label(name, value);
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

    /// Records one observation (seconds) in a histogram with latency buckets, by name and
    /// labels. One mutex per call: hot paths keep a Histogram of their own instead.
    void observe(const QByteArray &name, double seconds, const QByteArray &labels = {})
    {
        QMutexLocker lock(&m_mutex);
        auto &family = m_histograms[name];
        auto it = family.find(labels);
        if (it == family.end())
            it = family.insert(labels, std::make_shared<Histogram>(Histogram::latencyBounds()));
        (*it)->observe(seconds);
    }

    /// The current value of one sample as rendered (0 if absent); for tests.
    double value(const QByteArray &name, const QByteArray &labels = {}) const
    {
        const QByteArray key
            = labels.isEmpty() ? QByteArray(name + ' ') : QByteArray(name + '{' + labels + "} ");
        for (const QByteArray &line : render().split('\n'))
            if (line.startsWith(key))
                return line.mid(key.size()).toDouble();
        return 0;
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

        QByteArray out;
        http.render(out);
        out += "# HELP baton_actions_total Acknowledged ticket changes made through the API\n"
               "# TYPE baton_actions_total counter\n";
        const auto actions = m_actions.entries();
        for (auto it = actions.cbegin(); it != actions.cend(); ++it)
            Histogram::sample(out, "baton_actions_total", label("kind", it.key()),
                              double(it.value()->value()));
        out += "# HELP baton_commit_batch_size Commands written per group commit\n"
               "# TYPE baton_commit_batch_size histogram\n";
        commitBatchSize.render(out, "baton_commit_batch_size", {});

        QMutexLocker lock(&m_mutex);
        auto header = [&](const QByteArray &name, const QByteArray &fallbackType) {
            const Meta meta = m_meta.value(name);
            if (!meta.help.isEmpty())
                out += "# HELP " + name + ' ' + meta.help + '\n';
            out += "# TYPE " + name + ' ' + (meta.type.isEmpty() ? fallbackType : meta.type) + '\n';
        };
        for (auto family = m_values.cbegin(); family != m_values.cend(); ++family) {
            header(family.key(), QByteArrayLiteral("untyped"));
            for (auto it = family->cbegin(); it != family->cend(); ++it)
                Histogram::sample(out, family.key(), it.key(), it.value());
        }
        for (auto it = computed.cbegin(); it != computed.cend(); ++it) {
            header(it.key(), QByteArrayLiteral("gauge"));
            Histogram::sample(out, it.key(), {}, it.value());
        }
        for (auto family = m_histograms.cbegin(); family != m_histograms.cend(); ++family) {
            header(family.key(), QByteArrayLiteral("histogram"));
            for (auto it = family->cbegin(); it != family->cend(); ++it)
                (*it)->render(out, family.key(), it.key());
        }
        return out;
    }

private:
    struct Meta
    {
        QByteArray type;
        QByteArray help;
    };

    LabelTable<Counter, 64> m_actions;
    mutable QMutex m_mutex;
    QMap<QByteArray, Meta> m_meta;
    QMap<QByteArray, QMap<QByteArray, double>> m_values;
    QMap<QByteArray, std::function<double()>> m_gaugeFunctions;
    QMap<QByteArray, QMap<QByteArray, std::shared_ptr<Histogram>>> m_histograms;
};

} // namespace Baton
