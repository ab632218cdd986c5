# traces/record.mk - `hakmem record`: the recorder preload library, the
# converter and the command.  Included by the top Makefile, which defines
# B, CC and CFLAGS.
#
#   $(B)/libhakmem-record.so   the recorder (traces/recorder.c and its log
#                              and object map); exports the malloc family
#                              only; joins TOOLS
#   HAKMEM_OBJ                 gets record_merge.o and cmd_record.o, which
#                              run inside build/hakmem
#   $(B)/tests/record_merge    unit test of the converter; joins TEST_EXTRA
#   $(B)/tests/record_calls    allocation calls for the tests to record
#                              (tests/traces/record*.sh); joins TEST_EXTRA

RECORDER_SRC := traces/recorder.c traces/record_log.c traces/record_map.c
RECORDER_OBJ := $(RECORDER_SRC:%.c=$(B)/record/%.o)
RECORD_OBJ   := $(B)/direct/traces/record_merge.o \
                $(B)/direct/traces/cmd_record.o

HAKMEM_OBJ += $(RECORD_OBJ)
TOOLS      += $(B)/libhakmem-record.so
TEST_EXTRA += $(B)/tests/record_merge $(B)/tests/record_calls

$(B)/record/%.o: %.c $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/libhakmem-record.so: $(RECORDER_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-z,now -o $@ $^ -ldl

$(B)/tests/record_merge: tests/traces/record_merge.c tests/check.h \
                         $(B)/direct/traces/record_merge.o $(TRACE_OBJ) \
                         $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itraces -o $@ $(filter %.c %.o,$^)

# -fno-builtin: every call must reach the allocator as written.
$(B)/tests/record_calls: tests/traces/record_calls.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-builtin -o $@ $<
