# Refcounts through dict values, dict keys and tuple items.
import sys
key = "k"
val = []
d = {key: val}
print(sys.getrefcount(val))
d2 = dict(d)
print(sys.getrefcount(val))
d.clear()
print(sys.getrefcount(val))
t = (val, val)
print(sys.getrefcount(val))
