# Refcounts in a self-cycle.
import sys, gc
gc.collect(); gc.disable()
l = []
l.append(l)
print(sys.getrefcount(l))
l.append(l)
print(sys.getrefcount(l))
l.clear()
print(sys.getrefcount(l))
