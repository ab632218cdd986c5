# traces/import.mk - the test helper of `hakmem trace import`.  Included
# by the top Makefile after traces/build.mk (B, CC, CFLAGS, TRACE_OBJ and
# TRACE_HDR are set).
#
#   $(B)/tests/make_bad_trace   writes traces that are well framed but
#                               wrong (tests/traces/damaged.sh); joins
#                               TEST_EXTRA
#
# The importers themselves (traces/cmd_import.c, import_*.c) are in
# TRACE_SRC, in traces/build.mk, not in HAKMEM_OBJ: traces/cmd_trace.c
# dispatches `hakmem trace import`, so every program that links TRACE_OBJ
# (the simulator, the replay, the unit tests) needs them, and rules that
# take TRACE_OBJ before this file is read would miss them.  Compressed
# logs are read through the zstd and gzip programs, so no library joins
# HAKMEM_LIBS.

TEST_EXTRA += $(B)/tests/make_bad_trace

$(B)/tests/make_bad_trace: tests/traces/make_bad_trace.c $(TRACE_OBJ) \
                           $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itraces -o $@ $< $(TRACE_OBJ)
