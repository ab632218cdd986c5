# hakmem - `make` builds everything; `make test` runs the test suite;
# `make bench` prints the side-by-side benchmark table; `make demo` does
# the whole job on a fresh machine.

CC      ?= cc
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror
CFLAGS  := $(OPT) -g -std=gnu11 $(WARN) -pthread
B       := build

CORE_SRC := $(wildcard core/*.c)
REAL_SRC := $(wildcard real/*.c)
LIB_SRC  := $(CORE_SRC) $(REAL_SRC)
HEADERS  := $(wildcard core/*.h real/*.h)

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
              $(B)/tests/stress_tsan $(B)/tests/fork_threads
BENCH_BIN  := $(B)/bench/random_mixed $(B)/bench/larson

all: $(B)/libhakmem.so $(B)/libhakmem_direct.a $(UNIT_BIN) $(UNIT_UBSAN) \
     $(TEST_BIN) $(BENCH_BIN)

$(B)/so/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -DHK_LIBC_NAMES -c $< -o $@

$(B)/direct/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

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

$(B)/tests/unit_%: tests/unit/%.c tests/unit/unit.h $(DIRECT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icore -Ireal -o $@ $< $(DIRECT_OBJ)

$(B)/tests/unit_%_ubsan: tests/unit/%.c tests/unit/unit.h $(UBSAN_OBJ)
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

$(B)/tests/fork_threads: tests/preload/fork_threads.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/bench/%: experiments/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

test: all
	tests/run.sh

bench: $(B)/libhakmem.so $(BENCH_BIN)
	experiments/bench/run.sh

demo: all
	experiments/demo.sh

clean:
	rm -rf $(B)

.PHONY: all test bench demo clean
