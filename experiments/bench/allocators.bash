# allocators.bash - the allocators the benchmark scripts compare, where
# their libraries are, and the CPU a single-threaded run is kept to.

readonly PEER_DIR=/usr/lib/x86_64-linux-gnu

# allocator_libraries ROOT: fill the caller's associative array lib_of
# with each allocator's library, "" for the C library's own: hakmem is
# HAKMEM_LIB (default ROOT/build/libhakmem.so), base HAKMEM_BASE_LIB when
# set (another build, for a change's cost or gain).  Both are then unset:
# they are the scripts' settings, not the allocator's, and hakmem warns
# of HAKMEM_ variables it does not know.
allocator_libraries() {
	lib_of=(
		[hakmem]=$(realpath -m -- "${HAKMEM_LIB:-$1/build/libhakmem.so}")
		[glibc]=""
		[mimalloc]=$PEER_DIR/libmimalloc.so.2
		[jemalloc]=$PEER_DIR/libjemalloc.so.2
		[tcmalloc]=$PEER_DIR/libtcmalloc_minimal.so.4
	)
	if [[ ! -f ${lib_of[tcmalloc]} ]]; then
		lib_of[tcmalloc]=$PEER_DIR/libtcmalloc.so.4
	fi
	if [[ -n ${HAKMEM_BASE_LIB:-} ]]; then
		lib_of[base]=$(realpath -m -- "$HAKMEM_BASE_LIB")
	fi
	unset HAKMEM_LIB HAKMEM_BASE_LIB
}

# pinned_cpu: the last of the CPUs this process may run on; nothing if
# /proc does not say.
pinned_cpu() {
	grep '^Cpus_allowed_list:' /proc/self/status | grep -o '[0-9]*$' || true
}
