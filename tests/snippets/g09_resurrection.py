# A finalizer that resurrects its object: collect() reports 0, __del__ runs once.
import gc
gc.collect(); gc.disable()
keep = []
class L:
    calls = 0
    def __init__(self): self.me = self
    def __del__(self):
        L.calls += 1
        keep.append(self)
o = L(); del o
print(gc.collect(), L.calls, len(keep), gc.is_finalized(keep[0]))
keep.clear()
print(gc.collect(), L.calls)
