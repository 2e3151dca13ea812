# gc.freeze / unfreeze / get_freeze_count with collection counts; set_debug /
# get_debug flags; isenabled after enable/disable; is_finalized after __del__.
import gc
gc.disable()
print(gc.isenabled())
gc.enable(); print(gc.isenabled()); gc.disable()
gc.collect()
gc.freeze()
base = gc.get_freeze_count()
print(base > 0)
class N:
    def __del__(self):
        print("del N")
a = N(); b = N(); a.b = b; b.a = a
del a, b
print(gc.collect())
a = N(); a.me = a
gc.freeze()
print(gc.get_freeze_count() > base)
del a
print(gc.collect())
gc.unfreeze()
print(gc.get_freeze_count())
print(gc.collect())
gc.set_debug(gc.DEBUG_SAVEALL)
print(gc.get_debug() == gc.DEBUG_SAVEALL)
x = []; x.append(x)
del x
print(gc.collect(), len(gc.garbage), len(gc.garbage[0]))
gc.set_debug(0)
gc.garbage.clear()
print(gc.get_debug(), gc.garbage)
class F:
    def __del__(self):
        pass
f = F(); f.me = f
print(gc.is_finalized(f))
g = f
del f
print(gc.collect(), gc.is_finalized(g))
