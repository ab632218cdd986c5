# experiments/sweep.mk - (being written)
