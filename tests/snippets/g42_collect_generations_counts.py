# count1/count2 bookkeeping across collections of each generation.
import gc
gc.collect(); gc.disable()
gc.collect(0); gc.collect(0); gc.collect(0)
print(gc.get_count()[1:])
gc.collect(1)
print(gc.get_count()[1:])
gc.collect(1); gc.collect(1)
print(gc.get_count()[1:])
gc.collect(2)
print(gc.get_count()[1:])
