# A cycle spanning generations is found only when the older one is collected.
import gc
gc.collect(); gc.disable()
class N: pass
old = N()
gc.collect()
young = N()
old.p = young; young.p = old
del old, young
print(gc.collect(0), gc.collect(1), gc.collect(2))
