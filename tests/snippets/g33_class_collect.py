# Deleting a class needs the collector: type, dict, mro and bases tuples, 2 descriptors.
import gc, weakref
gc.collect(); gc.disable()
class A:
    def method(self): pass
w = weakref.ref(A)
del A
print(w() is not None, gc.collect(), w() is None)
