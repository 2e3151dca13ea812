# DEBUG_SAVEALL keeps collected objects in gc.garbage.
import gc
gc.collect(); gc.disable()
gc.set_debug(gc.DEBUG_SAVEALL)
print(gc.get_debug() == gc.DEBUG_SAVEALL)
class N: pass
n = N(); n.me = n
l = [1]; l.append(l)
del n, l
print("collect:", gc.collect())
print(sorted(type(o).__name__ for o in gc.garbage))
gc.set_debug(0)
for o in gc.garbage:
    if isinstance(o, list):
        o.clear()
    else:
        o.me = None
gc.garbage.clear()
print("collect:", gc.collect(), gc.garbage)
