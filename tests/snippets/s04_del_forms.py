# del of names, attributes and subscripts; each drops a reference at once.
import gc, sys
gc.disable()
class T:
    def __init__(self, n): self.n = n
    def __del__(self): print("__del__", self.n)
a = T("name")
del a
h = T("holder")
h.x = T("attr")
del h.x
l = [T("l0"), T("l1")]
del l[0]
print("after del l[0]")
d = {"k": T("dict")}
del d["k"]
try:
    del undefined_name
except NameError as e:
    print("NameError:", e)
try:
    del d["missing"]
except KeyError as e:
    print("KeyError:", e)
del l, d, h
print("end")
