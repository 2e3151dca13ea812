# An instance keeps its class alive; both go together.
import gc, weakref
gc.collect(); gc.disable()
class Lone: pass
obj = Lone()
w = weakref.ref(Lone)
del Lone
print(w() is not None)
obj.me = obj
del obj
print(gc.collect(), w() is None)
