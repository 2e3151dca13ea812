# Many small cycles created in a function all end up in one collection.
import gc
gc.collect(); gc.disable()
class P: pass
def make(n):
    for i in range(n):
        a = P(); b = P()
        a.b = b; b.a = a
make(250)
print("collect:", gc.collect())
