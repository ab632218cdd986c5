# traces/build.mk - the trace library, its unit test and its fuzz harness.
# Included by the top Makefile, which defines B, CC and CFLAGS.
#
#   TRACE_OBJ                   the library: format, id map, checks,
#                               generators, importers, `hakmem trace`;
#                               link it into build/hakmem and the simulator
#   $(B)/tests/trace_roundtrip  the unit test; joins TEST_EXTRA, which
#                               `all` builds
#   $(B)/fuzz/fuzz_reader       libFuzzer harness, built only on request
#                               (needs clang with libFuzzer: FUZZ_CC)

TRACE_SRC := traces/crc32c.c traces/idmap.c traces/trace_write.c \
             traces/trace_read.c traces/trace_check.c traces/gen.c \
             traces/cmd_trace.c traces/cmd_import.c traces/import_mtrace.c \
             traces/import_heaptrack.c traces/import_sink.c traces/import_text.c
TRACE_HDR := $(wildcard traces/*.h)
TRACE_OBJ := $(TRACE_SRC:%.c=$(B)/direct/%.o)
TEST_EXTRA += $(B)/tests/trace_roundtrip

# More specific than the top Makefile's $(B)/direct/%.o, so it wins.
$(B)/direct/traces/%.o: traces/%.c $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/tests/trace_roundtrip: tests/traces/trace_roundtrip.c tests/check.h $(TRACE_OBJ) \
                            $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itraces -o $@ $< $(TRACE_OBJ)

FUZZ_CC    ?= clang
FUZZ_FLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -pthread \
              -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined

$(B)/fuzz/fuzz_reader: traces/fuzz_reader.c $(TRACE_SRC) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Itraces -o $@ $(filter %.c,$^)
