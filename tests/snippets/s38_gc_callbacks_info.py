# gc.callbacks: phase "start"/"stop", the info dict's generation, collected and
# uncollectable counts; removing a callback.
import gc
gc.disable()
log = []
def cb(phase, info):
    log.append((phase, info["generation"], info["collected"], info["uncollectable"]))
gc.collect()
gc.callbacks.append(cb)
class N: pass
for i in range(3):
    a = N(); b = N(); a.b = b; b.a = a
del a, b
print(gc.collect(1))
print(gc.collect())
print(log)
gc.callbacks.remove(cb)
print(len(gc.callbacks), cb in gc.callbacks)
gc.collect()
print(len(log))
