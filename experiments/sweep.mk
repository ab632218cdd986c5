# experiments/sweep.mk - experiment specs, sweeps into SQLite, merging
# shards, validating predictions: `hakmem sweep`, `hakmem merge` and
# `hakmem validate`, each a program in libexec/.  Included by the top
# Makefile, which defines B, CC, CFLAGS, TRACE_OBJ and HEADERS.
#
# Specs are checked with the simulator's own settings parser, so the
# sweep and validate programs link sim/config.c, and what it needs (the
# replay engine's touch names, the TLB settings, the core's parameter
# table) from the direct build.

SWEEP_LIB := spec spec_files points db flatten jobs progress execute \
             mkdirs peers
SWEEP_OBJ := $(SWEEP_LIB:%=$(B)/direct/experiments/%.o)
SWEEP_CMD := $(addprefix $(B)/direct/experiments/,sweep.o merge.o \
                                                  validate.o)
SWEEP_HDR := experiments/spec.h experiments/points.h experiments/db.h \
             experiments/flatten.h experiments/jobs.h \
             experiments/progress.h experiments/execute.h \
             experiments/mkdirs.h experiments/fnv.h experiments/peers.h
SETTINGS_OBJ := $(B)/direct/sim/config.o $(B)/direct/sim/replay.o \
                $(B)/direct/sim/tlb_config.o $(TRACE_OBJ) \
                $(B)/libhakmem_direct.a

TOOLS += $(B)/libexec/hakmem-sweep $(B)/libexec/hakmem-merge \
         $(B)/libexec/hakmem-validate

$(SWEEP_OBJ) $(SWEEP_CMD): $(B)/direct/experiments/%.o: experiments/%.c \
                           $(SWEEP_HDR) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libexec/hakmem-sweep: experiments/libexec_main.c \
    $(B)/direct/experiments/sweep.o $(SWEEP_OBJ) $(SETTINGS_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_sweep -o $@ $^ -lsqlite3 -lcjson

$(B)/libexec/hakmem-validate: experiments/libexec_main.c \
    $(B)/direct/experiments/validate.o $(SWEEP_OBJ) $(SETTINGS_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_validate -o $@ $^ -lsqlite3 -lcjson -lm

$(B)/libexec/hakmem-merge: experiments/libexec_main.c \
    $(B)/direct/experiments/merge.o $(B)/direct/experiments/db.o \
    $(B)/direct/experiments/flatten.o $(B)/direct/experiments/mkdirs.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_merge -o $@ $^ -lsqlite3 -lcjson
