# Plain assignment, chained assignment and rebinding.
a = 1
b = c = [1, 2]
print(a, b, c, b is c)
a = "x"
print(a)
