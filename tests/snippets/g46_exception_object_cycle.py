# An exception kept on an instance that the exception's args refer back to.
import gc
gc.collect(); gc.disable()
class Holder: pass
h = Holder()
try:
    raise ValueError(h)
except ValueError as e:
    h.err = e
del h
print("collect:", gc.collect())
