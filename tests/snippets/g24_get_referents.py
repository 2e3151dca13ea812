# get_referents lists what a container refers to.
import gc
a = [1, "two", None]
print(gc.get_referents(a))
d = {"k": [1]}
r = gc.get_referents(d)
print(len(r), "k" in r, [1] in r)
t = (a, d)
print(len(gc.get_referents(t)), gc.get_referents(t)[0] is a)
