# Tuple/list unpacking: nested targets, swaps, targets that are attributes and
# subscripts, for-loop unpacking, and the ValueError messages.
a, b = 1, 2
a, b = b, a
print(a, b)
(x, y), z = [3, 4], 5
print(x, y, z)
[p, q] = "pq"
print(p, q)
class O: pass
o = O()
l = [0, 0]
o.u, l[1] = "u", "v"
print(o.u, l)
for k, v in {"a": 1, "b": 2}.items():
    print(k, v)
for i, (m, n) in enumerate([(1, 2), (3, 4)]):
    print(i, m, n)
first, second = range(2)
print(first, second)
try:
    c, d = [1, 2, 3]
except ValueError as e:
    print(e)
try:
    c, d, e2 = (1, 2)
except ValueError as e:
    print(e)
try:
    c, d = 5
except TypeError as e:
    print(e)
s = t = [1, 2]
print(s is t)
