# and / or return operands; not; is / is not; in / not in.
print(1 and 2, 0 and 2, 1 or 2, 0 or "", None or "default", [] and "x")
print(not 0, not [1], not None)
a = [1]; b = a; c = [1]
print(a is b, a is c, a is not c, a == c)
print(2 in [1, 2], 3 not in (1, 2), "k" in {"k": 1}, "ell" in "hello", 5 in range(10))
x = None
print(x is None, x is not None)
