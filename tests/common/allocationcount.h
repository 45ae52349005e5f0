// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Counts the heap blocks this thread asks for, so that a test can hold a hot path (a request's
// routing, a ticket reply) to the allocations it needs: a count, exact and repeatable, where a
// timing on a shared machine would be neither (issue 20: malloc/free were ~10% of the server's
// CPU, spread through every part of a request).
//
// Qt's strings and containers allocate with malloc, not operator new, so malloc itself is
// counted: this header defines malloc, calloc, realloc and free, which glibc lets a program
// replace, each forwarding to glibc's own (__libc_*). Include it in ONE source file of a test
// program only.

#include <cstddef>

extern "C" {
void *__libc_malloc(std::size_t size);
void *__libc_calloc(std::size_t count, std::size_t size);
void *__libc_realloc(void *block, std::size_t size);
void __libc_free(void *block);
}

namespace Baton::Test {

namespace AllocationCountDetail {
inline thread_local bool counting = false;
inline thread_local long long blocks = 0;
} // namespace AllocationCountDetail

/// The blocks this thread allocated (malloc, calloc, realloc) while `run` ran.
template<typename Run> long long allocationsOf(Run run)
{
    using namespace AllocationCountDetail;
    const long long before = blocks;
    counting = true;
    run();
    counting = false;
    return blocks - before;
}

} // namespace Baton::Test

extern "C" {

void *malloc(std::size_t size) noexcept
{
    if (Baton::Test::AllocationCountDetail::counting)
        ++Baton::Test::AllocationCountDetail::blocks;
    return __libc_malloc(size);
}

void *calloc(std::size_t count, std::size_t size) noexcept
{
    if (Baton::Test::AllocationCountDetail::counting)
        ++Baton::Test::AllocationCountDetail::blocks;
    return __libc_calloc(count, size);
}

void *realloc(void *block, std::size_t size) noexcept
{
    if (Baton::Test::AllocationCountDetail::counting)
        ++Baton::Test::AllocationCountDetail::blocks;
    return __libc_realloc(block, size);
}

void free(void *block) noexcept
{
    __libc_free(block);
}
}
