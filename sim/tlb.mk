# sim/tlb.mk - the TLB model (sim/tlb.h): its sources, its test and its
# benchmark.  Included by the top Makefile, which defines CC, CFLAGS and B.
#
#   TLB_SRC                the model's sources, for the simulator to link
#   $(B)/tests/tlb_test    hand-computed access sequences; exits 1 on failure
#   $(B)/tests/tlb_bench   accesses per second on the default geometry
#
# The test joins TEST_EXTRA, which `all` builds.

TLB_SRC := sim/tlb.c sim/tlb_cache.c sim/tlb_config.c
TLB_HDR := sim/tlb.h sim/tlb_cache.h sim/tlb_lru.h
TLB_BIN := $(B)/tests/tlb_test $(B)/tests/tlb_bench
TEST_EXTRA += $(B)/tests/tlb_test

$(TLB_BIN): $(B)/tests/tlb_%: tests/sim/tlb_%.c $(TLB_SRC) $(TLB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isim -o $@ $< $(TLB_SRC)

