# Augmented assignment on attributes and subscripts: each target expression is
# evaluated once, list += extends in place, refcounts of the containers.
import sys, gc
gc.disable()
calls = []
class Box:
    def __init__(self):
        self.items = [1]
        self.count = 0
        self.text = "x"
def get_box(b):
    calls.append("get_box")
    return b
def key():
    calls.append("key")
    return "k"
b = Box()
get_box(b).count += 5
get_box(b).items += [2, 3]
print(b.count, b.items, calls)
d = {"k": [0], "n": 1}
d[key()] += [9]
d[key()][0] += 7
print(d, calls)
alias = b.items
b.items += (4,)
print(alias is b.items, alias)
b.text += "y"; b.text *= 2
print(b.text)
m = [[1, 2], [3, 4]]
m[1][0] *= 10
m[0] += m[1]
print(m)
print(sys.getrefcount(b.items), sys.getrefcount(d["k"]))
t = {"a": (1,)}
t["a"] += (2,)
print(t)
i = 0
lst = [10, 20, 30]
lst[i] -= 1; lst[i + 1] //= 3; lst[-1] %= 7
print(lst)
try:
    b.missing += 1
except AttributeError as e:
    print("AttributeError", e)
try:
    d["zz"] += 1
except KeyError as e:
    print("KeyError", e)
