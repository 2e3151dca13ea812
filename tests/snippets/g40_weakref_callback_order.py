# Callbacks of several weakrefs run newest first.
import gc, weakref
gc.collect(); gc.disable()
class A: pass
o = A()
rs = [weakref.ref(o, lambda r, n=n: print("cb", n)) for n in range(4)]
del o
print("end")
