# sys.getrefcount of containers as names, items and attributes refer to them.
import sys
x = []
print(sys.getrefcount(x))
l = [x, x, x]
print(sys.getrefcount(x))
d = {"a": x, "b": x}
print(sys.getrefcount(x))
class H: pass
h = H(); h.ref = x
print(sys.getrefcount(x))
t = (x,)
print(sys.getrefcount(x))
del l, d, h, t
print(sys.getrefcount(x))
