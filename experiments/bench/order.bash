# order.bash - the order in which the benchmark scripts run allocators.
#
# A run leaves the kernel's free memory in a state the next one pays for:
# after 400 MB freed in 4 KiB pages, a program given huge pages waits for
# the kernel to compact them (large_blocks: 0.59 s, against 0.23 s right
# after a run that freed huge pages).  Allocators in a fixed or rotating
# order always follow the same others, and carry their luck; shuffled
# afresh for each program and round, they do not.

# shuffled SEED N: 0 to N-1 in an order drawn from SEED (Fisher-Yates),
# the same for the same SEED.
shuffled() {
	awk -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) p[i] = i
		for (i = n - 1; i > 0; i--) {
			j = int(rand() * (i + 1)); t = p[i]; p[i] = p[j]; p[j] = t
		}
		for (i = 0; i < n; i++) print p[i]
	}'
}
