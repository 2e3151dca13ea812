# PEP 442: __del__ runs for every object of a cyclic trash set, in tracking order.
import gc
gc.collect(); gc.disable()
class F:
    def __init__(self, n): self.n = n
    def __del__(self): print("finalize", self.n)
a = F("a"); b = F("b"); c = F("c")
a.p = b; b.p = c; c.p = a
del a, b, c
print("collect:", gc.collect())
print("garbage:", gc.garbage)
