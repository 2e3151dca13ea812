# Dicts start untracked and become tracked when a container is stored.
import gc
gc.collect(); gc.disable()
d = {}
print(gc.is_tracked(d))
d["a"] = 1
print(gc.is_tracked(d))
d["b"] = []
print(gc.is_tracked(d))
del d["b"]
print(gc.is_tracked(d))
gc.collect(0); print(gc.is_tracked(d))
gc.collect(2); print(gc.is_tracked(d))
