// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by the fuzz targets: an invariant check that names what broke before aborting (libFuzzer
// and the replay driver both report an abort as a failure with the input that caused it), and a
// small reader that turns the fuzzer's bytes into choices. Not FuzzedDataProvider: the targets
// also build with g++ for the regression replay in `make test`, where clang's header is absent.

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                                \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                         #condition, qPrintable(QString(what)));                                   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace BatonFuzz {

/// Consumes the fuzzer's bytes front to back; once they run out every read gives zeros, so a
/// short input is still a complete (if dull) test case.
class Bytes
{
public:
    Bytes(const uint8_t *data, size_t size)
        : m_data(data)
        , m_size(size)
    {
    }

    bool empty() const { return m_pos >= m_size; }
    size_t remaining() const { return m_size - m_pos; }

    uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    bool flag() { return byte() & 1; }
    uint16_t u16() { return uint16_t(byte() | (byte() << 8)); }
    uint32_t u32() { return uint32_t(u16()) | (uint32_t(u16()) << 16); }
    uint64_t u64() { return uint64_t(u32()) | (uint64_t(u32()) << 32); }
    /// An integer in [low, high] (inclusive), evenly enough for fuzzing.
    int64_t range(int64_t low, int64_t high)
    {
        const uint64_t span = uint64_t(high - low) + 1;
        return span == 0 ? int64_t(u64()) : low + int64_t(u64() % span);
    }
    /// Up to maxLength bytes, ended early by a NUL byte (which is consumed).
    QByteArray text(size_t maxLength)
    {
        QByteArray out;
        while (!empty() && size_t(out.size()) < maxLength) {
            const char c = char(byte());
            if (c == '\0')
                break;
            out.append(c);
        }
        return out;
    }
    /// Everything not yet consumed.
    QByteArray rest()
    {
        QByteArray out(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(remaining()));
        m_pos = m_size;
        return out;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_pos = 0;
};

} // namespace BatonFuzz
