# weakref.finalize: runs once when the object dies, or when called; .alive.
import gc, weakref
gc.disable()
class R: pass
r = R()
f = weakref.finalize(r, print, "finalizing", "r")
print(f.alive)
del r
print(f.alive)
s = R()
g = weakref.finalize(s, print, "called early")
g()
g()
print(g.alive)
del s
print("end")
