# Class attributes changed after creation: lookups see the new values at once.
class A:
    x = 1
    def f(self): return "f1"
class B(A):
    pass
b = B()
print(b.x, b.f(), hasattr(b, "g"))
A.x = 2
def g(self): return "g"
A.g = g
print(b.x, b.g(), hasattr(b, "g"))
B.x = 3
print(b.x, A.x)
del B.x
print(b.x)
A.f = lambda self: "f2"
print(b.f())
del A.g
print(hasattr(b, "g"), getattr(b, "g", "default"))
b.f = lambda: "instance"
print(b.f())
class WithInit:
    pass
w1 = WithInit()
WithInit.__init__ = lambda self, v=0: setattr(self, "v", v)
print(WithInit(5).v)
