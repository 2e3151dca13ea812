# for over lists, tuples, dicts, strings and ranges; for-else; nested break.
for x in [1, 2]: print("list", x)
for x in (3, 4): print("tuple", x)
for k in {"a": 1, "b": 2}: print("dict key", k)
for k, v in {"a": 1, "b": 2}.items(): print("item", k, v)
for ch in "hi": print("char", ch)
for i in range(2, 10, 3): print("range", i)
for i in range(5, 0, -2): print("down", i)
for i in range(3):
    for j in range(3):
        if j == 1:
            break
        print("pair", i, j)
else:
    print("outer finished")
for i in []:
    pass
else:
    print("empty else")
