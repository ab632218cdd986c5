# traces/import.mk - (being written)
