# obj.method() creates no bound method object; obj.method stored does, holding self.
import sys, gc
gc.collect(); gc.disable()
class K:
    def m(self): return sys.getrefcount(self)
k = K()
print(sys.getrefcount(k), k.m())
bm = k.m
print(sys.getrefcount(k), bm.__self__ is k)
del bm
print(sys.getrefcount(k))
