# experiments/compare.mk - `hakmem replay`'s threaded engine, `hakmem
# compare`, and the replay tests' trace maker.  Included by the top
# Makefile, which defines B, CC, CFLAGS, REPLAY_OBJ and TRACE_OBJ.
#
#   REPLAY_OBJ               gains the plan loader and the threaded engine
#   $(B)/libexec/hakmem-compare
#                            the `hakmem compare` program (cJSON only: it
#                            runs hakmem-replay as child processes)
#   $(B)/tests/make_cross    writes the cross-thread traces of
#                            tests/replay/threads.sh; joins TEST_EXTRA

REPLAY_HDR := experiments/replay_plan.h experiments/replay_threads.h
REPLAY_OBJ += $(B)/direct/experiments/replay_plan.o \
              $(B)/direct/experiments/replay_threads.o
TOOLS      += $(B)/libexec/hakmem-compare
TEST_EXTRA += $(B)/tests/make_cross

# The top Makefile's pattern rule knows only the headers of core/, real/,
# sim/ and traces/.
$(B)/direct/experiments/cmd_replay.o $(B)/direct/experiments/replay_plan.o \
$(B)/direct/experiments/replay_threads.o: $(REPLAY_HDR)

$(B)/direct/experiments/compare.o $(B)/direct/experiments/peers.o: \
    experiments/peers.h

$(B)/libexec/hakmem-compare: experiments/libexec_main.c \
                             $(B)/direct/experiments/compare.o \
                             $(B)/direct/experiments/peers.o \
                             $(B)/direct/experiments/jobs.o \
                             $(B)/direct/core/params.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_compare -o $@ $^ -lcjson

$(B)/tests/make_cross: tests/replay/make_cross.c $(TRACE_OBJ) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(TRACE_OBJ)
