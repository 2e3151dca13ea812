# get_stats: per-generation collections/collected/uncollectable grow with collect(gen).
import gc
gc.disable()
before = gc.get_stats()
a = []; a.append(a); del a
n = gc.collect(0)
after = gc.get_stats()
print(n, after[0]["collections"] - before[0]["collections"], after[0]["collected"] - before[0]["collected"])
print(after[1]["collections"] - before[1]["collections"], after[2]["collections"] - before[2]["collections"])
gc.collect(2)
final = gc.get_stats()
print(final[2]["collections"] - after[2]["collections"], sorted(final[2].keys()))
