# experiments/plot.mk - `hakmem plot`: charts of results databases with
# GNU libplot (PNG, SVG) and SQLite.

PLOT_SRC := experiments/plot.c experiments/plot_data.c experiments/chart.c \
            experiments/axis.c
PLOT_HDR := experiments/plot_data.h experiments/chart.h experiments/axis.h
PLOT_OBJ := $(PLOT_SRC:%.c=$(B)/direct/%.o)

$(PLOT_OBJ): $(PLOT_HDR)

$(B)/libexec/hakmem-plot: experiments/libexec_main.c $(PLOT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHK_COMMAND=hk_cmd_plot -o $@ $^ -lplot -lsqlite3 -lm

TOOLS += $(B)/libexec/hakmem-plot
