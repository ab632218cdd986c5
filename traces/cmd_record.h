/*
 * cmd_record.h - `hakmem record`: runs a program with the recorder
 * preloaded and converts what each of its processes recorded into a
 * trace.
 */
#ifndef HK_CMD_RECORD_H
#define HK_CMD_RECORD_H

/* argv[0] is "record"; recorder is the path of libhakmem-record.so, or
 * NULL when it was not found (missing says why).  Returns the recorded
 * program's exit status (128+N when signal N ended it; 127, or 126 when
 * it is not executable, when it could not be run), 1 when the recording
 * could not be prepared or, the program having succeeded, written, or 2
 * for a usage error; --convert returns 0, or 1 when the raw file is
 * bad. */
int hk_cmd_record(int argc, char **argv, const char *recorder,
                  const char *missing);

#endif
