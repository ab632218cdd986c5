# experiments/plot.mk - (being written)
