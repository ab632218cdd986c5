# hakmem - `make` builds everything; `make test` runs the test suite;
# `make bench` prints the side-by-side benchmark table; `make demo` does
# the whole job on a fresh machine.

.DEFAULT_GOAL := all

CC      ?= cc
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror
CFLAGS  := $(OPT) -g -std=gnu11 $(WARN) -pthread
B       := build

CORE_SRC := $(wildcard core/*.c)
REAL_SRC := $(wildcard real/*.c)
LIB_SRC  := $(CORE_SRC) $(REAL_SRC)
HEADERS  := $(wildcard core/*.h real/*.h sim/*.h traces/*.h)

# Object sets: the preload library (exports the libc names), the same code
# under its own hk_ names for direct linking, and sanitizer builds of it.
SO_OBJ    := $(LIB_SRC:%.c=$(B)/so/%.o)
DIRECT_OBJ:= $(LIB_SRC:%.c=$(B)/direct/%.o)
UBSAN_OBJ := $(LIB_SRC:%.c=$(B)/ubsan/%.o)
TSAN_OBJ  := $(LIB_SRC:%.c=$(B)/tsan/%.o)

UBSAN := -fsanitize=undefined -fno-sanitize-recover=undefined
TSAN  := -fsanitize=thread

UNIT_SRC   := $(wildcard tests/unit/*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit_%)
UNIT_UBSAN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit_%_ubsan)
TEST_BIN   := $(B)/tests/api_conformance $(B)/tests/stress \
              $(B)/tests/stress_tsan $(B)/tests/fork_threads \
              $(B)/tests/rss_after_peak $(B)/tests/dlopen_churn \
              $(B)/tests/first_call
BENCH_BIN  := $(B)/bench/random_mixed $(B)/bench/larson

include traces/build.mk sim/tlb.mk

# The simulator: the same core compiled against the simulated backend.
# Replay, settings and reports are shared with the real replay, so they
# are compiled for both backends.
SIM_WORLD  := sim/os_sim.c sim/addrspace.c sim/cmd_sim.c
SIM_SHARED := sim/replay.c sim/config.c sim/cost.c sim/report.c $(TLB_SRC)
SIM_OBJ    := $(CORE_SRC:%.c=$(B)/sim/%.o) $(SIM_WORLD:%.c=$(B)/sim/%.o) \
              $(SIM_SHARED:%.c=$(B)/sim/%.o)
REPLAY_OBJ := $(B)/direct/experiments/cmd_replay.o $(DIRECT_OBJ) \
              $(SIM_SHARED:%.c=$(B)/direct/%.o)
# `hakmem calibrate`: the core on the real backend, timed.  It names its
# results by the cost model's terms and sizes its TLB tests by the model's.
CALIBRATE_OBJ := $(B)/direct/experiments/calibrate.o \
                 $(CORE_SRC:%.c=$(B)/direct/%.o) $(B)/direct/real/os_real.o \
                 $(B)/direct/sim/cost.o $(B)/direct/sim/tlb_config.o
TOOLS      += $(B)/hakmem $(B)/libexec/hakmem-sim $(B)/libexec/hakmem-replay \
              $(B)/libexec/hakmem-calibrate

# Further commands, each with its own fragment: it adds its programs to
# TOOLS (or its objects to HAKMEM_OBJ, for commands that run inside
# `hakmem` itself) and its tests to TEST_EXTRA.
include traces/record.mk traces/import.mk experiments/compare.mk \
        experiments/sweep.mk experiments/plot.mk

all: $(B)/libhakmem.so $(B)/libhakmem_direct.a $(UNIT_BIN) $(UNIT_UBSAN) \
     $(TEST_BIN) $(BENCH_BIN) $(TOOLS) $(TEST_EXTRA)

$(B)/so/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -DHK_LIBC_NAMES -c $< -o $@

$(B)/direct/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/sim/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_OS_SIM -c $< -o $@

$(B)/ubsan/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UBSAN) -c $< -o $@

$(B)/tsan/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TSAN) -c $< -o $@

$(B)/libhakmem.so: $(SO_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-z,now -o $@ $^

$(B)/libhakmem_direct.a: $(DIRECT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/hakmem: $(B)/direct/experiments/hakmem.o $(TRACE_OBJ) $(HAKMEM_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(HAKMEM_LIBS)

$(B)/libexec/hakmem-sim: experiments/libexec_main.c $(SIM_OBJ) $(TRACE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_sim -o $@ $^ -lcjson

$(B)/libexec/hakmem-replay: experiments/libexec_main.c $(REPLAY_OBJ) $(TRACE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_replay -o $@ $^ -lcjson

$(B)/libexec/hakmem-calibrate: experiments/libexec_main.c $(CALIBRATE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_calibrate -o $@ $^ -lcjson

$(B)/tests/unit_%: tests/unit/%.c tests/unit/unit.h tests/check.h $(DIRECT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icore -Ireal -o $@ $< $(DIRECT_OBJ)

$(B)/tests/unit_%_ubsan: tests/unit/%.c tests/unit/unit.h tests/check.h $(UBSAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UBSAN) -Icore -Ireal -o $@ $< $(UBSAN_OBJ)

$(B)/tests/api_conformance: tests/api_conformance.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/tests/stress: tests/stress.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/tests/stress_tsan: tests/stress.c $(TSAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TSAN) -DSTRESS_DIRECT -Ireal -o $@ $< $(TSAN_OBJ)

$(B)/tests/rss_after_peak: tests/real/rss_after_peak.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/tests/first_call: tests/real/first_call.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/tests/dlopen_churn: tests/real/dlopen_churn.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -ldl

$(B)/tests/fork_threads: tests/preload/fork_threads.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/bench/%: experiments/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

# Installs missing packages first (as root or through sudo), then builds.
test:
	.ci/deps.sh
	$(MAKE) all
	tests/run.sh

bench: $(B)/libhakmem.so $(BENCH_BIN)
	experiments/bench/run.sh

# The demo installs what is missing before it builds, so it needs nothing
# built first.
demo:
	experiments/demo.sh

clean:
	rm -rf $(B)

# Objects made on the way to a test are kept, not deleted after the run.
.SECONDARY:

.PHONY: all test bench demo clean
