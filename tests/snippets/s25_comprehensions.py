# List comprehensions and generator expressions (with conditions and nesting).
print([x * x for x in range(6) if x % 2 == 0])
print([(i, j) for i in range(3) for j in range(i)])
print(sum(x for x in range(5)), any(c == "b" for c in "abc"))
words = ["gc", "weakref", "sys"]
print([w.upper() for w in words if len(w) > 2])
x = "outer"
print([x for x in "ab"], x)
