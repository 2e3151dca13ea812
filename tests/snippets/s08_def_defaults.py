# Positional and default arguments; keyword arguments.
def f(a, b=2, c="c"):
    return (a, b, c)
print(f(1))
print(f(1, 3))
print(f(1, c="z"))
print(f(b=5, a=0))
try:
    f()
except TypeError as e:
    print("TypeError:", e)
try:
    f(1, 2, 3, 4)
except TypeError as e:
    print("TypeError:", e)
