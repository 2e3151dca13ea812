# A weakref that is itself garbage does not get its callback called.
import gc, weakref
gc.collect(); gc.disable()
class C: pass
a = C(); b = C()
a.other = b; b.other = a
a.w = weakref.ref(b, lambda r: print("never"))
del a, b
print("collect:", gc.collect())
