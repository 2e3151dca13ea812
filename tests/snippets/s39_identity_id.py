# id() for identity comparisons only, `is` on containers, copies and aliases.
a = [1, 2]
b = a
c = list(a)
d = a[:]
print(id(a) == id(b), id(a) == id(c), id(a) != id(d))
print(a is b, a is c, a == c, c is not d)
t = (a, a)
print(t[0] is t[1], id(t[0]) == id(a))
e = {"k": a}
print(e["k"] is a, e.copy()["k"] is a)
x = None
print(x is None, id(x) == id(None))
class C: pass
i1, i2 = C(), C()
print(i1 is i2, id(i1) == id(i1), id(i1) == id(i2))
