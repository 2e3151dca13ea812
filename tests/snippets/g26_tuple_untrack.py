# Tuples of atoms are untracked by the next collection that sees them.
import gc
gc.collect(); gc.disable()
t1 = tuple([1, 2]); t2 = tuple([[], 1]); t3 = tuple(["a", None])
print(gc.is_tracked(t1), gc.is_tracked(t2), gc.is_tracked(t3))
gc.collect(0)
print(gc.is_tracked(t1), gc.is_tracked(t2), gc.is_tracked(t3))
