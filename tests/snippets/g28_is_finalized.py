# is_finalized is set once __del__ has run (here via the refcount path).
import gc
gc.disable()
saved = None
class Z:
    def __del__(self):
        global saved
        saved = self
z = Z()
print(gc.is_finalized(z))
del z
print(gc.is_finalized(saved), gc.is_finalized([]), gc.is_finalized(1))
saved = None
print("end")
