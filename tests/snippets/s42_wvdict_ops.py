# weakref.WeakValueDictionary: set, get, in, len, del, entries vanish when the
# value dies (refcount or collection); weakref.ref callbacks and getweakrefcount.
import gc, weakref
gc.disable()
class V:
    def __init__(self, n):
        self.n = n
    def __repr__(self):
        return "V(" + str(self.n) + ")"
d = weakref.WeakValueDictionary()
a, b, c = V(1), V(2), V(3)
d["a"] = a; d["b"] = b; d["c"] = c
print(len(d), "a" in d, d["b"], d.get("z"), d.get("z", "dflt"))
del a
print(len(d), "a" in d, d.get("a"))
b.me = b
del b
print(len(d))
print(gc.collect(), len(d), "b" in d)
del d["c"]
print(len(d), weakref.getweakrefcount(c))
r1 = weakref.ref(c, lambda w: print("cb1", w() is None))
r2 = weakref.ref(c)
print(weakref.getweakrefcount(c), r1() is c, r2 is weakref.ref(c))
try:
    d["missing"]
except KeyError as e:
    print("KeyError", e)
del c
print(r1(), r2())
