# weakref.finalize: extra args, detach(), calling it, cycles, and the ones still
# alive at interpreter exit (run newest first, before module globals are cleared).
import gc, weakref
gc.disable()
class Res:
    def __init__(self, name):
        self.name = name
a = Res("a")
fa = weakref.finalize(a, print, "a", "gone", 3)
print(fa.alive)
b = Res("b")
fb = weakref.finalize(b, print, "b", "gone")
print(fb.detach() is not None, fb.alive)
print(fb.detach())
del b
print("b deleted, nothing printed")
c = Res("c")
c.me = c
fc = weakref.finalize(c, print, "c in a cycle")
del c
print("before collect")
print(gc.collect())
print(fc.alive)
d = Res("d")
fd = weakref.finalize(d, print, "d called")
print(fd())
print(fd())
print(fd.alive)
e1 = Res("e1")
e2 = Res("e2")
weakref.finalize(e1, print, "at exit e1")
weakref.finalize(e2, print, "at exit e2")
del a
print("end of module")
