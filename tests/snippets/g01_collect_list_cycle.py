# A list cycle needs the collector; collect() counts both lists.
import gc
gc.collect(); gc.disable()
a = []; b = [a]; a.append(b)
del a, b
print(gc.collect(), gc.collect())
