/*
 * pin.h - keeping a measured thread on one CPU, the same for every run.
 *
 * A single-threaded replay that the scheduler moves between CPUs runs
 * slower, and by how much depends on when it moved: its caches start cold
 * on the new CPU, and from then on every munmap and MADV_DONTNEED must
 * shoot down the translations the CPU it left may hold, an interprocessor
 * interrupt (on a virtual machine, an exit from the guest on both sides).
 * And CPUs differ: on a 2-CPU virtual machine the replays of one
 * validation ran up to 42% slower left to the scheduler than on either
 * CPU alone, and one CPU's runs spread up to 40% when the other's spread
 * up to 10%.  So every measured replay runs on the same CPU: the
 * highest-numbered one the thread may use, which on Linux is the last to
 * get device interrupts (they go to CPU 0 unless told otherwise).
 */
#ifndef HK_PIN_H
#define HK_PIN_H

/* Bind the calling thread (and the threads it creates from then on) to
 * the highest-numbered CPU it may run on.  Returns that CPU, or -1 when
 * the system does not allow it (the thread is left as it was). */
int hk_pin_last_cpu(void);

/* Give the calling thread back the CPUs it had before this process first
 * pinned (in a forked child: before its parent first pinned), for work
 * that runs on several threads; nothing if it never pinned. */
void hk_pin_release(void);

#endif
