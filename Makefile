# hakmem - `make` builds everything; `make test` runs the test suite;
# `make bench` prints the side-by-side benchmark table; `make demo` does
# the whole job on a fresh machine; `make debug` builds the allocator with
# its invariants checked and runs the unit and stress tests against it;
# `make install` (PREFIX, DESTDIR) and `make uninstall`.
#
# Every object is compiled by one rule per flavour (below) from a source
# path under the repository root, so $(B)/FLAVOUR/DIR/NAME.o comes from
# DIR/NAME.c; includes are written from the root.  Header dependencies
# are generated (-MMD -MP).  Programs are linked from objects only.

.DEFAULT_GOAL := all

CC      ?= cc
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror
CFLAGS  := $(OPT) -g -std=gnu11 $(WARN) -pthread -I.
B       := build

# The release; the library's SONAME carries its first number.
VERSION   := 0.1.0
SOVERSION := $(firstword $(subst ., ,$(VERSION)))
GIT_DESCRIBE := $(or $(shell git -C '$(CURDIR)' describe --always --dirty \
                                 2>/dev/null),unknown)

UBSAN := -fsanitize=undefined -fno-sanitize-recover=undefined
TSAN  := -fsanitize=thread

# ---- object flavours -------------------------------------------------------
#   so      the preload library: exports the libc names and the hk_ names
#           of real/hakmem.h; its own calls between them are direct
#           (-fno-semantic-interposition)
#   direct  the same code under its own hk_ names, and every tool
#   sim     the core against the simulated backend
#   ubsan, tsan   sanitizer builds of the allocator and its tests
#   record  the recorder preload library
define flavour
$(B)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $(2) -MMD -MP -c $$< -o $$@
endef
$(eval $(call flavour,so,-fPIC -fvisibility=hidden -fno-semantic-interposition \
                            -DHK_LIBC_NAMES))
$(eval $(call flavour,direct,))
$(eval $(call flavour,sim,-DHK_OS_SIM))
$(eval $(call flavour,ubsan,$(UBSAN)))
$(eval $(call flavour,tsan,$(TSAN)))
$(eval $(call flavour,record,-fPIC -fvisibility=hidden))

objs = $(patsubst %.c,$(B)/$(1)/%.o,$(2))

# ---- sources ---------------------------------------------------------------
CORE_SRC  := $(wildcard core/*.c)
LIB_SRC   := $(CORE_SRC) $(wildcard real/*.c)
TLB_SRC   := sim/tlb.c sim/assoc.c sim/tlb_config.c
# Settings by name (sim/config.c) with what they name: shared by every
# command that reads run settings, on either backend.
CONFIG_SRC := sim/config.c sim/tlb_config.c sim/dcache_config.c \
              sim/json_file.c
TRACE_SRC := traces/cmd_args.c traces/crc32c.c traces/idmap.c traces/trace_write.c \
             traces/trace_read.c traces/trace_check.c traces/gen.c \
             traces/cmd_trace.c traces/cmd_import.c traces/import_mtrace.c \
             traces/import_heaptrack.c traces/import_sink.c \
             traces/import_text.c
RECORDER_SRC := traces/recorder.c traces/record_log.c traces/record_map.c
# The replay engine and reports, compiled for both backends.
REPLAY_SRC := sim/replay.c sim/footprint.c sim/cost.c sim/report.c \
              sim/report_table.c \
              $(CONFIG_SRC) \
              $(filter-out sim/tlb_config.c,$(TLB_SRC))
SIM_SRC    := sim/os_sim.c sim/addrspace.c sim/dcache.c sim/cmd_sim.c \
              sim/calibration.c
REAL_REPLAY_SRC := $(wildcard experiments/replay/replay_*.c) \
                   experiments/replay/cmd_replay.c experiments/common/pin.c
# stdout_close.c goes into every command's program (below), once.
COMMON_SRC := $(filter-out %/stdout_close.c,$(wildcard experiments/common/*.c))
SWEEP_SRC  := $(filter-out %/cmd_sweep.c %/cmd_merge.c %/cmd_validate.c, \
                           $(wildcard experiments/sweep/*.c)) \
              experiments/replay/peers.c
PLOT_SRC   := $(wildcard experiments/plot/*.c)
CHART_SRC  := experiments/plot/chart.c experiments/plot/chart_file.c \
              experiments/plot/axis.c
TUNE_SRC   := $(wildcard experiments/tune/*.c)

TRACE_OBJ := $(call objs,direct,$(TRACE_SRC))
LIB_DIRECT:= $(call objs,direct,$(LIB_SRC))

# ---- the allocator ---------------------------------------------------------
$(B)/libhakmem.so: $(call objs,so,$(LIB_SRC))
	$(CC) $(CFLAGS) -shared -Wl,-z,now -Wl,-soname,libhakmem.so.$(SOVERSION) \
	    -o $@ $^

$(B)/libhakmem_direct.a: $(LIB_DIRECT)
	rm -f $@ && ar rcs $@ $^

$(B)/libhakmem-record.so: $(call objs,record,$(RECORDER_SRC))
	$(CC) $(CFLAGS) -shared -Wl,-z,now -o $@ $^ -ldl

# ---- the hakmem command and its programs in libexec/ -----------------------
# `hakmem trace` and `hakmem record` run inside build/hakmem; every other
# command is libexec/hakmem-CMD, its entry point experiments/libexec_main.c
# compiled with HK_COMMAND=hk_cmd_CMD.
STDOUT_CLOSE := $(B)/direct/experiments/common/stdout_close.o
$(B)/hakmem: $(call objs,direct,experiments/hakmem.c traces/record_merge.c \
                                 traces/cmd_record.c traces/record_why.c \
                                 experiments/common/layout.c \
                                 experiments/common/version.c) \
             $(STDOUT_CLOSE) $(TRACE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^

LIBEXEC := sim replay compare calibrate sweep merge validate plot settings \
           tune
LIBEXEC_BIN := $(LIBEXEC:%=$(B)/libexec/hakmem-%)

# A static pattern: these objects only (as a plain pattern, make would also
# try it for the hk_cmd_CMD.d files it includes).
$(LIBEXEC:%=$(B)/main/hk_cmd_%.o): $(B)/main/hk_cmd_%.o: experiments/libexec_main.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_$* -DHK_NAME='"$*"' -MMD -MP \
	    -c $< -o $@

$(B)/libexec/hakmem-%: $(B)/main/hk_cmd_%.o $(STDOUT_CLOSE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBEXEC_LIBS)

# The version is compiled into version.o, again whenever it changes.
$(B)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(GIT_DESCRIBE)' | cmp -s - $@ || \
	    echo '$(VERSION) $(GIT_DESCRIBE)' >$@
$(B)/direct/experiments/common/version.o: $(B)/version.stamp
$(B)/direct/experiments/common/version.o: CFLAGS += \
    -DHK_VERSION='"$(VERSION)"' -DHK_GIT_DESCRIBE='"$(GIT_DESCRIBE)"'

$(B)/libexec/hakmem-sim: $(call objs,sim,$(CORE_SRC) $(SIM_SRC) \
                                         $(REPLAY_SRC)) $(TRACE_OBJ)
$(B)/libexec/hakmem-replay: $(call objs,direct,$(REAL_REPLAY_SRC) \
                                               $(REPLAY_SRC)) \
                            $(LIB_DIRECT) $(TRACE_OBJ)
$(B)/libexec/hakmem-compare: $(call objs,direct,experiments/replay/cmd_compare.c \
                                 experiments/replay/peers.c \
                                 experiments/common/jobs.c \
                                 experiments/common/layout.c \
                                 experiments/common/stats.c core/params.c)
$(B)/libexec/hakmem-calibrate: $(call objs,direct, \
                                 $(wildcard experiments/calibrate/*.c) \
                                 experiments/common/stats.c \
                                 experiments/common/pin.c \
                                 experiments/replay/replay_plan.c \
                                 experiments/replay/replay_threads.c \
                                 $(CORE_SRC) real/os_real.c sim/cost.c \
                                 sim/replay.c sim/footprint.c \
                                 sim/calibration.c \
                                 sim/json_file.c sim/tlb_config.c \
                                 sim/dcache_config.c) \
                               $(TRACE_OBJ)
SWEEP_DEPS := $(call objs,direct,$(SWEEP_SRC) $(COMMON_SRC) $(CONFIG_SRC) \
                                 sim/calibration.c sim/cost.c \
                                 core/params.c) $(TRACE_OBJ)
$(B)/libexec/hakmem-sweep: $(B)/direct/experiments/sweep/cmd_sweep.o \
                           $(SWEEP_DEPS)
$(B)/libexec/hakmem-validate: $(B)/direct/experiments/sweep/cmd_validate.o \
                              $(SWEEP_DEPS)
$(B)/libexec/hakmem-tune: $(call objs,direct,$(TUNE_SRC) $(CHART_SRC)) \
                         $(SWEEP_DEPS)
$(B)/libexec/hakmem-merge: $(call objs,direct,experiments/sweep/cmd_merge.c \
                                 experiments/sweep/db.c \
                                 experiments/sweep/flatten.c \
                                 experiments/common/mkdirs.c sim/json_file.c)
$(B)/libexec/hakmem-plot: $(call objs,direct,$(PLOT_SRC) \
                                             experiments/common/stats.c)
$(B)/libexec/hakmem-settings: $(call objs,direct,sim/cmd_settings.c \
                                 $(CONFIG_SRC) core/params.c)

$(B)/libexec/hakmem-sim $(B)/libexec/hakmem-replay: LIBEXEC_LIBS := -lcjson -lm
$(B)/libexec/hakmem-compare \
$(B)/libexec/hakmem-settings: LIBEXEC_LIBS := -lcjson
$(B)/libexec/hakmem-calibrate: LIBEXEC_LIBS := -lcjson -lm
$(B)/libexec/hakmem-sweep $(B)/libexec/hakmem-merge: LIBEXEC_LIBS := -lsqlite3 -lcjson
$(B)/libexec/hakmem-validate: LIBEXEC_LIBS := -lsqlite3 -lcjson -lm
$(B)/libexec/hakmem-plot: LIBEXEC_LIBS := -lplot -lsqlite3 -lm
$(B)/libexec/hakmem-tune: LIBEXEC_LIBS := -lplot -lsqlite3 -lcjson -lm

# ---- benchmarks ------------------------------------------------------------
BENCH_BIN := $(patsubst experiments/bench/%.c,$(B)/bench/%,$(wildcard experiments/bench/*.c))

$(B)/bench/%: $(B)/direct/experiments/bench/%.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

# ---- test programs ---------------------------------------------------------
# test_prog NAME, OBJECTS: $(B)/tests/NAME links OBJECTS (and TEST_LIBS).
define test_prog
$(B)/tests/$(1): $(2)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(TEST_LDFLAGS) -o $$@ $$^ $$(TEST_LIBS)
TEST_BIN += $(B)/tests/$(1)
endef

UNIT := $(basename $(notdir $(wildcard tests/unit/*.c)))
$(foreach u,$(UNIT),$(eval $(call test_prog,unit_$(u), \
    $(B)/direct/tests/unit/$(u).o $(LIB_DIRECT))))
$(foreach u,$(UNIT),$(eval $(call test_prog,unit_$(u)_ubsan, \
    $(B)/ubsan/tests/unit/$(u).o $(call objs,ubsan,$(LIB_SRC)))))
$(foreach t,api_conformance stress,$(eval $(call test_prog,$(t), \
    $(B)/direct/tests/$(t).o)))
$(foreach t,rss_after_peak fault_ahead first_call dlopen_churn large_blocks malloc_reports free_only_thread,$(eval $(call test_prog,$(t), \
    $(B)/direct/tests/real/$(t).o)))
$(eval $(call test_prog,fork_threads,$(B)/direct/tests/preload/fork_threads.o))
$(eval $(call test_prog,misuse,$(call objs,direct,tests/real/misuse.c tests/real/misuse_run.c)))
$(eval $(call test_prog,stress_tsan, \
    $(B)/tsan/tests/stress.o $(call objs,tsan,$(LIB_SRC))))
$(eval $(call test_prog,tlb_test,$(call objs,direct,tests/sim/tlb_test.c $(TLB_SRC))))
$(eval $(call test_prog,addrspace_test,$(call objs,direct,tests/sim/addrspace_test.c \
    sim/addrspace.c traces/idmap.c)))
$(eval $(call test_prog,dcache_test,$(call objs,direct,tests/sim/dcache_test.c \
    sim/dcache.c sim/dcache_config.c sim/assoc.c)))
$(eval $(call test_prog,tlb_bench,$(call objs,direct,tests/sim/tlb_bench.c $(TLB_SRC))))
$(foreach t,trace_roundtrip make_bad_trace,$(eval $(call test_prog,$(t), \
    $(B)/direct/tests/traces/$(t).o $(TRACE_OBJ))))
$(eval $(call test_prog,record_merge, \
    $(call objs,direct,tests/traces/record_merge.c traces/record_merge.c) \
    $(TRACE_OBJ)))
$(eval $(call test_prog,record_calls,$(B)/direct/tests/traces/record_calls.o))
$(eval $(call test_prog,make_cross,$(B)/direct/tests/replay/make_cross.o $(TRACE_OBJ)))
$(eval $(call test_prog,tune_search,$(call objs,direct,tests/tune/search_test.c \
    experiments/tune/search.c experiments/tune/design.c \
    experiments/tune/ladder.c core/params.c)))

# `hakmem replay` whole under ThreadSanitizer, for its threaded engine.
$(B)/tsan/main/hk_cmd_replay.o: experiments/libexec_main.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TSAN) -DHK_COMMAND=hk_cmd_replay -DHK_NAME='"replay"' \
	    -MMD -MP -c $< -o $@
$(eval $(call test_prog,replay_tsan,$(B)/tsan/main/hk_cmd_replay.o \
    $(call objs,tsan,experiments/common/stdout_close.c $(REAL_REPLAY_SRC) \
                     $(REPLAY_SRC) $(LIB_SRC) $(TRACE_SRC))))

$(B)/tsan/tests/stress.o: CFLAGS += -DSTRESS_DIRECT
$(B)/tests/stress_tsan $(B)/tests/replay_tsan: TEST_LDFLAGS := $(TSAN)
$(B)/tests/replay_tsan: TEST_LIBS := -lcjson -lm
$(B)/tests/unit_%_ubsan: TEST_LDFLAGS := $(UBSAN)
# Every call must reach the allocator as written.
$(B)/direct/tests/traces/record_calls.o: CFLAGS += -fno-builtin
$(B)/direct/tests/real/misuse.o: CFLAGS += -fno-builtin
$(B)/tests/dlopen_churn: TEST_LIBS := -ldl
$(B)/tests/tune_search: TEST_LIBS := -lm

# libFuzzer harness of the trace reader, built only on request (needs clang
# with libFuzzer: FUZZ_CC).
FUZZ_CC    ?= clang
FUZZ_FLAGS := -O1 -g -std=gnu11 $(WARN) -pthread -I. \
              -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined
$(B)/fuzz/fuzz_reader: traces/fuzz_reader.c $(TRACE_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

# ---- targets ---------------------------------------------------------------
# What `make install` installs.
PROGRAMS := $(B)/libhakmem.so $(B)/libhakmem-record.so $(B)/hakmem \
            $(LIBEXEC_BIN)
all: $(PROGRAMS) $(B)/libhakmem_direct.a $(BENCH_BIN) $(TEST_BIN)
programs: $(PROGRAMS)

# The allocator with core/'s invariants asserted (core/debug.h): the unit
# and stress tests built into $(DEBUG_B), which tests/run.sh also runs.
DEBUG_B    := $(B)/debug
DEBUG_MAKE := $(MAKE) B=$(DEBUG_B) OPT="-O1 -DHK_DEBUG=1" debug-build
debug-build: $(B)/libhakmem.so $(UNIT:%=$(B)/tests/unit_%) $(B)/tests/stress \
             $(B)/tests/api_conformance

# Installs missing packages first (as root or through sudo), then builds.
test:
	.ci/deps.sh
	$(MAKE) all
	$(DEBUG_MAKE)
	tests/run.sh

debug:
	$(DEBUG_MAKE)
	HAKMEM_LIB=$(DEBUG_B)/libhakmem.so tests/run.sh \
	    $(UNIT:%=$(DEBUG_B)/tests/unit_%) \
	    "with_hakmem $(DEBUG_B)/tests/stress" \
	    "with_hakmem $(DEBUG_B)/tests/api_conformance"

bench: $(B)/libhakmem.so $(BENCH_BIN)
	experiments/bench/run.sh

# The demo installs what is missing before it builds, so it needs nothing
# built first.
demo:
	experiments/demo/demo.sh

clean:
	rm -rf $(B)

# ---- install ---------------------------------------------------------------
# PREFIX's layout is fixed (experiments/common/layout.h finds the parts
# relative to bin/hakmem); DESTDIR is prepended to every path written.
PREFIX     ?= /usr/local
BINDIR     := $(PREFIX)/bin
LIBDIR     := $(PREFIX)/lib
LIBEXECDIR := $(PREFIX)/libexec/hakmem
INCLUDEDIR := $(PREFIX)/include
MANDIR     := $(PREFIX)/share/man/man1
DOCDIR     := $(PREFIX)/share/doc/hakmem
MAN_PAGES  := $(notdir $(wildcard experiments/man/*.1))
DOCS       := README.md traces/FORMAT.md experiments/sweep/SPEC.md \
              experiments/sweep/SCHEMA.md
SO_FILE    := libhakmem.so.$(VERSION)
# Writes a file of the installation from a source with @PREFIX@,
# @DOCDIR@ and @VERSION@ in it: $(call subst_install,SOURCE,TARGET).
subst_install = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
                    -e 's|@VERSION@|$(VERSION)|g' $(1) >$(2) && chmod 644 $(2)

install: $(PROGRAMS)
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBEXECDIR)' \
	    '$(DESTDIR)$(LIBDIR)/hakmem' '$(DESTDIR)$(LIBDIR)/pkgconfig' \
	    '$(DESTDIR)$(INCLUDEDIR)' '$(DESTDIR)$(MANDIR)' '$(DESTDIR)$(DOCDIR)'
	install -m 755 $(B)/hakmem '$(DESTDIR)$(BINDIR)/hakmem'
	install -m 755 $(LIBEXEC_BIN) '$(DESTDIR)$(LIBEXECDIR)'
	install -m 755 $(B)/libhakmem.so '$(DESTDIR)$(LIBDIR)/$(SO_FILE)'
	ln -sf $(SO_FILE) '$(DESTDIR)$(LIBDIR)/libhakmem.so.$(SOVERSION)'
	ln -sf libhakmem.so.$(SOVERSION) '$(DESTDIR)$(LIBDIR)/libhakmem.so'
	install -m 755 $(B)/libhakmem-record.so '$(DESTDIR)$(LIBDIR)/hakmem'
	install -m 644 real/hakmem.h '$(DESTDIR)$(INCLUDEDIR)'
	$(call subst_install,real/hakmem.pc.in,'$(DESTDIR)$(LIBDIR)/pkgconfig/hakmem.pc')
	for page in $(MAN_PAGES); do \
	    $(call subst_install,experiments/man/$$page,'$(DESTDIR)$(MANDIR)'/$$page) \
	    || exit 1; \
	done
	install -m 644 $(DOCS) '$(DESTDIR)$(DOCDIR)'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/hakmem' \
	    $(LIBEXEC:%='$(DESTDIR)$(LIBEXECDIR)'/hakmem-%) \
	    '$(DESTDIR)$(LIBDIR)'/libhakmem.so '$(DESTDIR)$(LIBDIR)'/libhakmem.so.$(SOVERSION) \
	    '$(DESTDIR)$(LIBDIR)/$(SO_FILE)' \
	    '$(DESTDIR)$(LIBDIR)/hakmem/libhakmem-record.so' \
	    '$(DESTDIR)$(INCLUDEDIR)/hakmem.h' \
	    '$(DESTDIR)$(LIBDIR)/pkgconfig/hakmem.pc' \
	    $(MAN_PAGES:%='$(DESTDIR)$(MANDIR)'/%) \
	    $(addprefix '$(DESTDIR)$(DOCDIR)'/,$(notdir $(DOCS)))
	rmdir '$(DESTDIR)$(LIBEXECDIR)' '$(DESTDIR)$(LIBDIR)/hakmem' \
	    '$(DESTDIR)$(DOCDIR)' 2>/dev/null || true

# Objects made on the way to a test are kept, not deleted after the run.
.SECONDARY:

.PHONY: all programs test debug debug-build bench demo clean install \
        uninstall FORCE

-include $(shell find $(B) -name '*.d' 2>/dev/null)
