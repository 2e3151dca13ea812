# In a collection, callbacks of live weakrefs to trash run before __del__.
import gc, weakref
gc.collect(); gc.disable()
class C:
    def __del__(self): print("__del__", r() is None)
c = C(); c.cycle = c
r = weakref.ref(c, lambda ref: print("callback", ref() is None))
del c
print("collect:", gc.collect())
