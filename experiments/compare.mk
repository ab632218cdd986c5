# experiments/compare.mk - (being written)
