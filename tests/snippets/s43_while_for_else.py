# while/for with else, break and continue in nested loops, loops over strs,
# tuples, dict views and range(start, stop, step), and loop variables after.
n = 0
while n < 3:
    n += 1
else:
    print("while else", n)
while True:
    n -= 1
    if n == 1:
        break
else:
    print("not printed")
print("after break", n)
for ch in "abc":
    if ch == "b":
        continue
    print(ch)
else:
    print("for else")
for i in range(10, 0, -3):
    print(i, end=" ")
print()
for t in (1, "x", None):
    print(repr(t), end=";")
print()
d = {"one": 1, "two": 2}
for v in d.values():
    print(v)
for k in d.keys():
    print(k)
for outer in range(3):
    for inner in range(3):
        if inner == outer:
            break
        if inner == 0:
            continue
        print(outer, inner)
print(outer, inner)
for z in []:
    pass
else:
    print("empty else")
