# Cycle through a dict and a tuple: tuples holding tracked items stay tracked.
import gc
gc.collect(); gc.disable()
d = {}
t = (d, [1])
d["t"] = t
print(gc.is_tracked(d), gc.is_tracked(t))
del d, t
print("collect:", gc.collect())
