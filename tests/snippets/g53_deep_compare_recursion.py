# Comparing or printing very deep structures raises RecursionError, not a crash.
a = None
b = None
for i in range(50000):
    a = [a]
    b = [b]
for op in ["eq", "lt", "repr"]:
    try:
        if op == "eq": print(a == b)
        elif op == "lt": print(a < b)
        else: print(len(repr(a)))
    except RecursionError:
        print(op, "RecursionError")
