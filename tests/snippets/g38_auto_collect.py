# With a small threshold the collector runs by itself and finds the cycles.
import gc
gc.collect()
gc.enable()
gc.set_threshold(10)
runs = []
gc.callbacks.append(lambda phase, info: runs.append(phase) if phase == "stop" else None)
class C: pass
for i in range(100):
    c = C(); c.me = c
gc.callbacks.clear()
print(len(runs) > 0)
gc.set_threshold(700, 10, 10)
gc.disable()
