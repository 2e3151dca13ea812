# gc.get_referrers / get_referents on the snippet's own containers, and
# gc.get_objects membership (identity tests, no addresses).
import gc
gc.disable()
target = ["target"]
holder1 = [target]
holder2 = {"t": target}
class H: pass
h = H()
h.t = target
refs = gc.get_referrers(target)
print(any(r is holder1 for r in refs), any(r is holder2 for r in refs))
print(len([r for r in refs if r is holder1 or r is holder2]))
print(gc.get_referents(holder1)[0] is target)
print(target in gc.get_referents(holder2))
print(any(o is holder1 for o in gc.get_objects()))
print(any(o is target for o in gc.get_objects(0)))
print(gc.get_referents(1, "s", None))
