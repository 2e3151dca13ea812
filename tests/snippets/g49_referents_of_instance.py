# get_referents of an instance with inline attributes.
import gc
class I: pass
i = I()
i.a = [1]; i.b = "s"
r = gc.get_referents(i)
print(len(r), any(x is I for x in r), [1] in r, "s" in r)
