# A deep nest of lists is freed by refcounting without recursion.
import gc
gc.disable()
x = None
for i in range(100000):
    x = [x]
del x
print("freed", gc.collect())
