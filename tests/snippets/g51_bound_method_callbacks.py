# Bound methods as weakref and gc callbacks; a stored bound method keeps self alive.
import gc, weakref, sys
gc.collect(); gc.disable()
class Watcher:
    def __init__(self): self.events = []
    def on_dead(self, ref): self.events.append("dead")
    def on_gc(self, phase, info): self.events.append(phase)
class Thing: pass
w = Watcher()
t = Thing()
r = weakref.ref(t, w.on_dead)
print(sys.getrefcount(w))
del t
gc.callbacks.append(w.on_gc)
gc.collect()
gc.callbacks.clear()
print(w.events, sys.getrefcount(w))
m = w.on_dead
wm = weakref.ref(m)
del w
print(m.__self__.events, wm() is m)
del m
print(wm())
