/*
 * record_why.h - why a recorded program's process left no raw file,
 * said as precisely as what is left allows: the signal that killed it,
 * or what its executable is (statically linked, set-user-ID, a script
 * whose interpreter is one of those) read from the file itself.
 */
#ifndef HK_RECORD_WHY_H
#define HK_RECORD_WHY_H

#include <stddef.h>

/* program: the name it was run by (looked up in PATH as execvp does);
 * status: its wait status.  Writes one sentence, without a final
 * newline, into out. */
void hk_record_why(const char *program, int status, char *out, size_t len);

#endif
