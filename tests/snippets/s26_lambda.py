# lambda: defaults, keyword use, sort keys.
sq = lambda v: v * v
add = lambda a, b=10: a + b
print(sq(7), add(1), add(1, 2), (lambda: "no args")())
pairs = [("b", 2), ("a", 3), ("c", 1)]
print(sorted(pairs, key=lambda p: p[1]))
fs = [lambda i=i: i * 10 for i in range(3)]
print([f() for f in fs])
