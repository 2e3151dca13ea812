# gc.callbacks: called with phase and info on manual collections.
import gc
gc.collect(); gc.disable()
seen = []
def cb(phase, info):
    seen.append((phase, info["generation"], info["collected"], info["uncollectable"]))
gc.callbacks.append(cb)
x = {}; x["me"] = x; del x
gc.collect(2)
gc.collect(0)
gc.callbacks.remove(cb)
gc.collect()
for s in seen: print(s)
print(len(gc.callbacks))
