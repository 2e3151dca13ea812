#!/usr/bin/env python3
"""CPython side of bench/gc_bench.c (issue #2 section 6): the same heap shapes,
measured the same way as /work/shared/reference/anchor-bench/cpython_gc_bench.py.

Usage:  python3 gc_bench.py --n N [--reps R]   # one N in THIS process; prints
                                                 # "key value..." lines (below)
        python3 gc_bench.py [--reps R]         # N = 1e5 and 1e6, each in a
                                                 # fresh subprocess, same lines

gc_bench.c runs `python3 gc_bench.py --n N --reps R` once per N (a fresh
process per N) and reads these lines; ours prints the same keys:
  version 3.11.7              cycles.ns t1 t2 ...      cycles.collected c1 c2 ...
  live.ns t1 ...  live.freed f1 ...  live.tree_nodes n   live.tracked n
  alloc_on.ns t1 ...  alloc_on.gens g0 g1 g2    (same for alloc_off)
  list.bytes 56  list.block 64  rss.self_kib k
  cycles.cpu / live.cpu / alloc_on.cpu / alloc_off.cpu t1 t2 ...
Timings are time.perf_counter_ns deltas, one per repetition (the caller takes
the median); the *.cpu lines are time.thread_time_ns deltas of the same
repetitions (CPU time, which the load of a shared machine disturbs less). Workloads:
  cycles:  N/2 pairs a<->b built with gc disabled, dropped; time gc.collect().
  live:    N lists in a tree (fan-out 8) from one root; time a full
           gc.collect() that frees nothing.
  alloc:   [Small() for _ in range(N)]; del -- Small has __slots__ = ('a',);
           gc enabled at (700, 10, 10) ("alloc_on") vs disabled ("alloc_off").
"""
import gc
import resource
import subprocess
import sys
import time
import tracemalloc

FANOUT = 8


class Small:
    __slots__ = ("a",)          # tracked by the GC (the slot may hold an object)


def emit(key, *vals):
    print(key, *vals)


def bench_cycles(n, reps):
    pairs = n // 2
    times, cpu, collected = [], [], []
    for _ in range(reps):
        gc.collect()
        gc.disable()
        for _ in range(pairs):
            a = []
            b = [a]
            a.append(b)
        del a, b
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        c = gc.collect()
        c1, t1 = time.thread_time_ns(), time.perf_counter_ns()
        times.append(t1 - t0)
        cpu.append(c1 - c0)
        collected.append(c)
    gc.enable()
    emit("cycles.ns", *times)
    emit("cycles.cpu", *cpu)
    emit("cycles.collected", *collected)


def build_tree(n):
    root = []
    nodes = [root]
    count, i = 1, 0
    while count < n:
        parent = nodes[i]
        i += 1
        for _ in range(FANOUT):
            child = []
            parent.append(child)
            nodes.append(child)
            count += 1
            if count >= n:
                break
    return root, count


def bench_live(n, reps):
    gc.collect()
    gc.disable()
    root, count = build_tree(n)
    gc.collect()                      # settle: everything now in generation 2
    tracked = len(gc.get_objects())
    times, cpu, freed = [], [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        f = gc.collect()
        c1, t1 = time.thread_time_ns(), time.perf_counter_ns()
        times.append(t1 - t0)
        cpu.append(c1 - c0)
        freed.append(f)
    gc.enable()
    del root
    gc.collect()
    emit("live.ns", *times)
    emit("live.cpu", *cpu)
    emit("live.freed", *freed)
    emit("live.tree_nodes", count)
    emit("live.tracked", tracked)


def bench_alloc(n, reps, enabled, key):
    times, cpu, gens = [], [], []
    for _ in range(reps):
        gc.collect()
        if enabled:
            gc.enable()
        else:
            gc.disable()
        s0 = [st["collections"] for st in gc.get_stats()]
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        objs = [Small() for _ in range(n)]
        del objs
        c1, t1 = time.thread_time_ns(), time.perf_counter_ns()
        s1 = [st["collections"] for st in gc.get_stats()]
        times.append(t1 - t0)
        cpu.append(c1 - c0)
        gens.append(tuple(b - a for a, b in zip(s0, s1)))
    gc.enable()
    emit(key + ".ns", *times)
    emit(key + ".cpu", *cpu)
    emit(key + ".gens", *sorted(gens)[len(gens) // 2])


def list_size():
    """sys.getsizeof([]) includes the 16-byte PyGC_Head; pymalloc serves it
    from its 16-byte-aligned size class (the block), tracemalloc confirms."""
    k = 10000
    slots = [None] * k
    gc.disable()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(k):
        slots[i] = []
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    gc.enable()
    size = sys.getsizeof([])
    emit("list.bytes", size)
    emit("list.block", (size + 15) // 16 * 16)
    emit("list.traced", round(traced / k))


def run_one(n, reps):
    gc.set_threshold(700, 10, 10)
    assert gc.is_tracked(Small())
    emit("version", sys.version.split()[0])
    bench_cycles(n, reps)
    bench_live(n, reps)
    bench_alloc(n, reps, True, "alloc_on")
    bench_alloc(n, reps, False, "alloc_off")
    list_size()
    emit("rss.self_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv):
    n, reps = None, 5
    args = list(argv)
    while args:
        opt = args.pop(0)
        if opt == "--n" and args:
            n = int(float(args.pop(0)))
        elif opt == "--reps" and args:
            reps = int(args.pop(0))
        else:
            sys.exit(f"gc_bench.py: bad argument {opt!r} (usage: [--n N] [--reps R])")
    if reps < 1 or (n is not None and n < 2):
        sys.exit("gc_bench.py: need --reps >= 1 and --n >= 2")
    if n is not None:
        run_one(n, reps)
        return
    for each in (100_000, 1_000_000):
        print(f"# n {each}", flush=True)
        subprocess.run([sys.executable, __file__, "--n", str(each), "--reps", str(reps)],
                       check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
