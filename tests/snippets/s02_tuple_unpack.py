# Tuple/list unpacking into names, attributes and subscripts.
a, b = 1, 2
print(a, b)
a, b = b, a
print(a, b)
[x, y, z] = "abc"
print(x, y, z)
class P: pass
p = P()
d = {}
p.u, d["k"] = 10, 20
print(p.u, d)
(m, (n, o)) = (1, (2, 3))
print(m, n, o)
try:
    q, r = [1, 2, 3]
except ValueError as e:
    print("ValueError:", e)
try:
    q, r, s = [1, 2]
except ValueError as e:
    print("ValueError:", e)
