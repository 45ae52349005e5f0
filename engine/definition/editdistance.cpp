// SPDX-License-Identifier: GPL-3.0-or-later
#include "editdistance.h"

#include <algorithm>
#include <vector>

namespace Baton {

int editDistance(const QString &a, const QString &b)
{
    const int n = int(a.size());
    const int m = int(b.size());
    auto same = [&](int i, int j) { return a[i].toLower() == b[j].toLower(); };
    std::vector<int> previous2(size_t(m + 1)), previous(size_t(m + 1)), current(size_t(m + 1));
    for (int j = 0; j <= m; ++j)
        previous[size_t(j)] = j;
    for (int i = 1; i <= n; ++i) {
        current[0] = i;
        for (int j = 1; j <= m; ++j) {
            const int cost = same(i - 1, j - 1) ? 0 : 1;
            int value = std::min({previous[size_t(j)] + 1, current[size_t(j - 1)] + 1,
                                  previous[size_t(j - 1)] + cost});
            if (i > 1 && j > 1 && same(i - 1, j - 2) && same(i - 2, j - 1))
                value = std::min(value, previous2[size_t(j - 2)] + 1);
            current[size_t(j)] = value;
        }
        std::swap(previous2, previous);
        std::swap(previous, current);
    }
    return previous[size_t(m)];
}

} // namespace Baton
