# weakref.ref: calling it gives the referent or None; refs without callback are shared.
import gc, weakref
gc.disable()
class T: pass
t = T()
r1 = weakref.ref(t); r2 = weakref.ref(t)
print(r1() is t, r1 is r2, weakref.getweakrefcount(t))
del t
print(r1(), r2() is None, type(r1).__name__)
