# Refcount deaths happen immediately and in order; a list frees its items in order.
import gc
gc.disable()
class D:
    def __init__(self, n): self.n = n
    def __del__(self): print("del", self.n)
holder = [D(1), D(2), D(3)]
print("clearing")
holder = None
print("cleared")
t = (D("t1"), D("t2"))
del t
print("end")
