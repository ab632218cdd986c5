# traces/record.mk - (being written)
