# WeakValueDictionary entries vanish when the value dies (refcount or GC).
import gc, weakref
gc.collect(); gc.disable()
class V:
    def __init__(self, n): self.n = n
cache = weakref.WeakValueDictionary()
a = V(1); b = V(2)
cache["a"] = a; cache["b"] = b
print(len(cache), cache["a"].n, "a" in cache, cache.get("zz"))
del a
print(len(cache), "a" in cache)
b.self = b
del b
print(len(cache))
print("collect:", gc.collect())
print(len(cache), cache.get("b"))
try:
    cache["a"]
except KeyError as e:
    print("KeyError", e)
