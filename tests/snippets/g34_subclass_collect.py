# A subclass has no __dict__/__weakref__ descriptors of its own: 4 objects.
import gc
gc.collect(); gc.disable()
class Base: pass
gc.collect()
class Sub(Base): pass
del Sub
print(gc.collect())
