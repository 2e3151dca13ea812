# while with break, continue and else.
i = 0
out = []
while i < 10:
    i += 1
    if i % 2 == 0:
        continue
    if i > 7:
        break
    out.append(i)
print(out, i)
n = 0
while n < 3:
    n += 1
else:
    print("while-else ran", n)
