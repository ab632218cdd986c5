/*
 * misuse_cxx.cc - the C++ misuse cases (see misuse.h): `delete` of an
 * array made with `new[]`.
 *
 * For a type without a destructor, new[] asks operator new[] for the
 * elements only and returns the very pointer it got, so `delete` hands
 * free() the start of a live block: undefined behaviour for C++, but
 * nothing an allocator can or should tell from a correct free.  hakmem
 * frees the block like any other (and the next new[] of that size gets
 * it back).  For a type with a destructor, new[] keeps the element count
 * in a cookie before the elements, so `delete` passes free() a pointer
 * 8 bytes past the start of the block: hakmem stops the program.
 */
#include "tests/real/misuse.h"

#include <cstdio>
#include <cstdlib>

namespace {

struct Plain {
    int x[6];
};

struct WithDestructor {
    WithDestructor() : x{1} {}
    ~WithDestructor() { x[0] = 0; }
    int x[6];
};

void delete_of_new_array(void)
{
    Plain *a = static_cast<Plain *>(misuse_hide(new Plain[10]));
    delete a;
    Plain *b = static_cast<Plain *>(misuse_hide(new Plain[10]));
    if (b != a) {
        std::fprintf(stderr, "the block did not come back\n");
        std::exit(1);
    }
    delete[] b;
}

void delete_of_new_array_destructor(void)
{
    WithDestructor *a =
        static_cast<WithDestructor *>(misuse_hide(new WithDestructor[10]));
    delete a;
}

const misuse_case cases[] = {
    {"delete-of-new[]", "exit 0", nullptr, delete_of_new_array},
    {"delete-of-new[]-destructor",
     "abort: free(): invalid pointer (not the start of a block)", nullptr,
     delete_of_new_array_destructor},
};

} // namespace

int main(int argc, char **argv)
{
    return misuse_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
