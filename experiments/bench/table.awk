# experiments/bench/table.awk - the report of experiments/bench/run.sh:
# the table (a row per shape and allocator), the geometric means of
# hakmem's ratios and the targets, from the records run.sh collected:
#
#   A ALLOCATOR                      allocators in table order, hakmem first
#   S SHAPE METRIC ROLE CID          the shapes, CID naming their command
#   R CID ALLOCATOR KB FAULTS RESULT key=value...
#                                    a timed run: peak RSS, page faults and
#                                    the program's RESULT line
#   F CID ALLOCATOR                  a run of the command failed
#   C CID ALLOCATOR N... TOTAL       the strace run's memory-syscall counts
#
# with -v syscalls="mmap munmap ..." naming the counted calls.  Speed is
# the metric as a rate: a key with _per_ in it as it is, a time inverted,
# so that higher is faster for every shape.  A shape's best peer is the
# fastest allocator but hakmem and "base" (another build of hakmem); its
# best RSS, the smallest of the peers'.  Against base, runs pair by round:
# the i-th runs of a command were made in the same round.
# An allocator with a failed run has no result for the command's shapes.
# Plain POSIX awk.

$1 == "A" { alloc[++nalloc] = $2 }
$1 == "S" {
	shape[++nshape] = $2; metric[$2] = $3; role[$2] = $4; cid[$2] = $5
}
$1 == "R" {
	k = $2 SUBSEP $3
	i = ++runs[k]
	kb[k, i] = $4
	flt[k, i] = $5
	for (f = 7; f <= NF; f++) {
		eq = index($f, "=")
		if (eq > 0)
			field[k, i, substr($f, 1, eq - 1)] = substr($f, eq + 1)
	}
}
$1 == "F" { failed[$2, $3] = 1 }
$1 == "C" {
	calls[$2, $3] = $4
	for (f = 5; f <= NF; f++)
		calls[$2, $3] = calls[$2, $3] " " $f
}

# The median of v[1..n], which it sorts; also sets lo and hi.
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	lo = v[1]; hi = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

function rate(s) { return index(metric[s], "_per_") > 0 }

# Fills med, spread, speed, rss and faults for shape s and allocator a;
# has[s, a] says whether there is a result.
function summarize(s, a,    k, n, i, v, r, f) {
	k = cid[s] SUBSEP a
	n = runs[k]
	if (failed[k] || n == 0)
		return
	for (i = 1; i <= n; i++) {
		if (!((k, i, metric[s]) in field)) {
			printf "run.sh: %s on shape %s: no %s= in its RESULT line\n",
			       a, s, metric[s] > "/dev/stderr"
			missing = 1
			return
		}
		v[i] = field[k, i, metric[s]] + 0
		r[i] = kb[k, i]
		f[i] = flt[k, i]
	}
	has[s, a] = 1
	med[s, a] = median(v, n)
	spread[s, a] = med[s, a] > 0 ? 100 * (hi - lo) / med[s, a] : 0
	speed[s, a] = rate(s) ? med[s, a] : (med[s, a] > 0 ? 1 / med[s, a] : 0)
	rss[s, a] = median(r, n)
	faults[s, a] = median(f, n)
}

function best_peers(s,    i, a) {
	for (i = 2; i <= nalloc; i++) {
		a = alloc[i]
		if (!has[s, a] || a == "base")
			continue
		if (!((s) in best_speed) || speed[s, a] > best_speed[s]) {
			best_speed[s] = speed[s, a]; best_name[s] = a
		}
		if (!((s) in best_rss) || rss[s, a] < best_rss[s])
			best_rss[s] = rss[s, a]
	}
}

function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }

# The i-th timed run's speed of allocator a on shape s.
function run_speed(s, a, i,    v) {
	v = field[cid[s], a, i, metric[s]] + 0
	return rate(s) ? v : (v > 0 ? 1 / v : 0)
}

# hakmem's speed over allocator a's, run by run within each round, for
# shape s: their median in paired[s, a] (and quartiles in paired_lo,
# paired_hi); returns how many rounds paired.  The rounds alternate the
# allocators, so the two runs of a pair ran moments apart, and a drift of
# the machine's speed over the rounds cancels out.
function pair_rounds(s, a,    n, i, r, q) {
	if (!has[s, "hakmem"] || !has[s, a])
		return 0
	n = runs[cid[s], "hakmem"]
	if (runs[cid[s], a] < n)
		n = runs[cid[s], a]
	for (i = 1; i <= n; i++)
		r[i] = run_speed(s, a, i) > 0 ? run_speed(s, "hakmem", i) / run_speed(s, a, i) : 0
	paired[s, a] = median(r, n)
	q = int((n + 3) / 4)
	paired_lo[s, a] = r[q]; paired_hi[s, a] = r[n + 1 - q]
	return n
}

function paired_ratio(s, a) {
	return pair_rounds(s, a) > 0 ? sprintf("%.2f", paired[s, a]) : "-"
}

function print_paired(    i, s, n) {
	print ""
	print "hakmem against its base build (HAKMEM_BASE_LIB), paired: hakmem's speed over"
	print "the base's in the same round, median and quartiles over the rounds"
	printf "  %-16s %7s %7s %7s %7s\n", "shape", "median", "q1", "q3", "rounds"
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if ((n = pair_rounds(s, "base")) > 0)
			printf "  %-16s %7.3f %7.3f %7.3f %7d\n", s, paired[s, "base"], paired_lo[s, "base"],
			       paired_hi[s, "base"], n
		else
			printf "  %-16s %7s\n", s, "-"
	}
}

function print_table(    i, j, s, a, scale, label, top, ncalls, c, n, v) {
	ncalls = split(syscalls, names, " ")
	printf "%-16s %-9s %10s %-5s %7s %10s %7s %7s %8s %8s %8s", "shape", "allocator",
	       "median", "unit", "spread", "speed/best", "hk/this", "paired", "RSS MiB", "rss/best", "faults"
	for (c = 1; c <= ncalls; c++)
		printf " %8s", names[c]
	printf " %8s\n", "total"
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		top = 0
		for (j = 1; j <= nalloc; j++)
			if (has[s, alloc[j]] && med[s, alloc[j]] > top)
				top = med[s, alloc[j]]
		scale = 1; label = "s"
		if (rate(s))
			if (top >= 1e5) { scale = 1e6; label = "M/s" } else label = "/s"
		for (j = 1; j <= nalloc; j++) {
			a = alloc[j]
			printf "%-16s %-9s", s, a
			if (has[s, a])
				printf " %10.4g %-5s %6.0f%% %10s %7s %7s %8.1f %8s %8d",
				       med[s, a] / scale, label, spread[s, a],
				       ratio(speed[s, a], best_speed[s]),
				       has[s, "hakmem"] ? ratio(speed[s, "hakmem"], speed[s, a]) : "-",
				       paired_ratio(s, a),
				       rss[s, a] / 1024, ratio(rss[s, a], best_rss[s]), faults[s, a]
			else
				printf " %10s %-5s %7s %10s %7s %7s %8s %8s %8s", "FAILED", "-", "-", "-", "-", "-", "-", "-", "-"
			if ((cid[s], a) in calls)
				n = split(calls[cid[s], a], v, " ")
			else
				for (n = 1; n <= ncalls + 1; n++) v[n] = "-"
			for (c = 1; c <= ncalls + 1; c++)
				printf " %8s", v[c]
			printf "\n"
		}
	}
}

# hakmem against `against` (a peer, or "" for each shape's best peer, the
# fastest by median) over the score shapes where both have a result: speed
# as the ratio of the medians and paired (pair_rounds), and RSS.
function print_geomean(against, label,    i, s, n, a, ls, lp, lr) {
	n = ls = lp = lr = 0
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if (role[s] != "score" || !has[s, "hakmem"])
			continue
		if (against == "") {
			if (!((s) in best_name)) continue
			a = best_name[s]
			lr += log(rss[s, "hakmem"] / best_rss[s])
		} else {
			if (!has[s, against]) continue
			a = against
			lr += log(rss[s, "hakmem"] / rss[s, a])
		}
		ls += log(speed[s, "hakmem"] / speed[s, a])
		pair_rounds(s, a)
		lp += log(paired[s, a])
		n++
	}
	if (n == 0)
		printf "  %-24s %7s %7s %7s %7d\n", label, "-", "-", "-", 0
	else
		printf "  %-24s %7.2f %7.2f %7.2f %7d\n", label, exp(ls / n), exp(lp / n), exp(lr / n), n
}

function target(s, what, value, op, limit,    verdict, v) {
	verdict = "n/a"
	if (value != "-") {
		v = value + 0
		verdict = (op == ">=" ? v >= limit + 0 : op == "<=" ? v <= limit + 0 : v == limit + 0) ? "PASS" : "MISS"
	}
	printf "  %-16s %-40s %6s   target %s %-5s %s\n", s, what, value, op, limit, verdict
}

function call_count(s, name,    n, v, c) {
	if (!((cid[s], "hakmem") in calls))
		return "-"
	n = split(calls[cid[s], "hakmem"], v, " ")
	if (name == "total")
		return v[n]
	for (c = 1; c <= n - 1; c++)
		if (names[c] == name)
			return v[c]
	return "-"
}

function print_targets(    i, s, peer_rss) {
	print ""
	print "targets (informational: a MISS does not fail the run)"
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if (s == "random_mixed" || s == "larson")
			target(s, "hakmem / fastest peer (" ((s) in best_name ? best_name[s] : "-") ") speed",
			       has[s, "hakmem"] ? ratio(speed[s, "hakmem"], best_speed[s]) : "-", ">=", "1.00")
	}
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if (s != "syscalls_200k")
			continue
		target(s, "hakmem memory syscalls", call_count(s, "total"), "<=", "20")
		target(s, "hakmem mincore calls", call_count(s, "mincore"), "==", "0")
	}
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if ((s == "random_mixed" || s == "larson") && pair_rounds(s, "base") > 0)
			target(s, "hakmem / base build speed, paired", sprintf("%.3f", paired[s, "base"]), ">=", "0.98")
	}
	for (i = 1; i <= nshape; i++) {
		s = shape[i]
		if ((s == "random_mixed" || s == "larson") && has[s, "mimalloc"])
			target(s, "hakmem / mimalloc peak RSS",
			       has[s, "hakmem"] ? ratio(rss[s, "hakmem"], rss[s, "mimalloc"]) : "-", "<=", "1.25")
	}
}

END {
	for (i = 1; i <= nshape; i++)
		for (j = 1; j <= nalloc; j++)
			summarize(shape[i], alloc[j])
	for (i = 1; i <= nshape; i++)
		best_peers(shape[i])
	print_table()
	if (nalloc > 1) {
		print ""
		print "geometric means of hakmem's ratios over the score shapes (speed, as the ratio of"
		print "the medians and paired: above 1.00 hakmem is faster; RSS: below 1.00 hakmem is smaller)"
		printf "  %-24s %7s %7s %7s %7s\n", "hakmem against", "speed", "paired", "RSS", "shapes"
		print_geomean("", "the best peer of each")
		for (j = 2; j <= nalloc; j++)
			print_geomean(alloc[j], alloc[j])
	}
	for (j = 2; j <= nalloc; j++)
		if (alloc[j] == "base")
			print_paired()
	print_targets()
	exit missing
}
